-- wrk script of bench/serve.py: counts the responses' X-Cache header (hit or miss)
-- over every request of the run and prints the totals after wrk's own report.
local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

function init(args)
   hits = 0
   misses = 0
end

function response(status, headers, body)
   for name, value in pairs(headers) do
      if string.lower(name) == "x-cache" then
         value = string.lower(value)
         if value == "hit" then
            hits = hits + 1
         elseif value == "miss" then
            misses = misses + 1
         end
      end
   end
end

function done(summary, latency, requests)
   local h, m = 0, 0
   for _, thread in ipairs(threads) do
      h = h + thread:get("hits")
      m = m + thread:get("misses")
   end
   io.write(string.format("X-Cache: hits %d, misses %d\n", h, m))
end
