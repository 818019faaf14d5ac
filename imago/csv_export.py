"""Every CSV or TSV the site hands out, written one way: for a spreadsheet opened in France.

- UTF-8 with a byte order mark: without it Excel reads the bytes as Windows-1252 and
  shows "CatÃ©gorie".
- `;` between cells by default, as French Excel expects (its list separator, since the
  decimal separator is the comma), and decimal numbers then with a comma; `?sep=comma`
  gives the comma and decimal points, for other tools. TSV (COUNTER's tabular reports)
  has its own tab.
- A text cell that a spreadsheet would take for a formula (starting with `=`, `+`, `-`,
  `@`, a tab or a carriage return) is prefixed with a single quote, as OWASP
  recommends ("CSV injection"): an article titled `=HYPERLINK(...)` stays text. Numbers
  (int, Decimal) are never text cells here, so they stay intact.
"""

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.http import HttpResponse

BOM = "\ufeff"
SEMICOLON, COMMA, TAB = ";", ",", "\t"
# The `sep` query parameter of the CSV exports, and what each value gives.
SEPARATORS = {"semicolon": SEMICOLON, "comma": COMMA}
DEFAULT_SEPARATOR = "semicolon"
SEPARATOR_INVALID = "`sep` vaut `semicolon` (par défaut) ou `comma`."
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Cell = str | int | Decimal | dt.date | None


def separator_for(name: str | None) -> str:
    """The separator the `sep` parameter names (`semicolon` when absent); ValueError
    (SEPARATOR_INVALID) for any other value."""
    if not name:
        return SEPARATORS[DEFAULT_SEPARATOR]
    try:
        return SEPARATORS[name]
    except KeyError:
        raise ValueError(SEPARATOR_INVALID) from None


def text_cell(value: str) -> str:
    """The text as a spreadsheet will show it, never run: a formula's start quoted."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def cell(value: Cell, *, separator: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):  # an int to Python, not a number to a reader
        return "oui" if value else "non"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        # With `;`, French Excel reads "46,00" as a number; "1.5" it would read as a date.
        return str(value).replace(".", ",") if separator == SEMICOLON else str(value)
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return text_cell(str(value))


def spreadsheet_text(rows: Iterable[Sequence[Cell]], *, separator: str) -> str:
    """The rows as CSV (or TSV with TAB), a byte order mark first, CRLF line ends."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, delimiter=separator, lineterminator="\r\n")
    writer.writerows([cell(value, separator=separator) for value in row] for row in rows)
    return out.getvalue()


def spreadsheet_response(
    rows: Iterable[Sequence[Cell]], *, separator: str, filename: str
) -> HttpResponse:
    """A download of the rows: CSV, or TSV when the separator is a tab."""
    kind = "text/tab-separated-values" if separator == TAB else "text/csv"
    response = HttpResponse(
        spreadsheet_text(rows, separator=separator).encode("utf-8"),
        content_type=f"{kind}; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
