"""Render an article's Markdown body and split it into a public teaser and a paywalled rest.

Pure functions only: no Django, no database, so the rules can be tested in isolation.

Reference links (``[texte][id]`` with ``[id]: https://… "titre"`` anywhere in the body)
are resolved in the full body only. The teaser is rendered from what lies before the
split: a definition placed past it never reaches the teaser, and a reference to it reads
as its plain link text there (see ``article_split``).

Plain-text conventions (shared by every count in this module):

* ``html_to_text`` removes tags, decodes entities (``&amp;`` is one character) and
  collapses every run of *collapsible* whitespace, block boundaries included, to one
  regular space.
* Non-breaking spaces (U+00A0, U+202F, U+2007) are *not* collapsible: French typography
  glues « guillemets » and ``: ; ? !`` to their word with them, so they are kept as
  characters and the teaser is never cut there.
* ``word_count`` does split on them, but only counts tokens holding a letter or digit,
  so « » : ; ? ! and dashes are never words on their own.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html import escape
from html.parser import HTMLParser

import markdown
import nh3
from markdown.blockparser import BlockParser
from markdown.blockprocessors import ReferenceProcessor
from markdown.inlinepatterns import (
    REFERENCE_RE,
    InlineProcessor,
    ReferenceInlineProcessor,
    ShortReferenceInlineProcessor,
)

PAYWALL_MARKER = "<!-- paywall -->"
ELLIPSIS = "…"
WORDS_PER_MINUTE = 230

_ALLOWED_TAGS = {
    *("p", "h2", "h3", "h4", "strong", "em", "a", "ul", "ol", "li", "blockquote"),
    *("sup", "sub", "br", "code", "pre"),
    *("table", "thead", "tbody", "tr", "th", "td"),
}
_ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "class", "id"},
    "sup": {"class"},
    "th": {"align"},
    "td": {"align"},
}
# Block-level tags separate words even when the HTML has no whitespace between them
# ("<p>fin</p><p>début</p>" reads "fin début"). Tags nh3 strips are listed too, so the
# helpers stay correct on HTML that did not go through markdown_to_html.
_BLOCK_TAGS = frozenset(
    {
        *("p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li"),
        *("blockquote", "pre", "br", "hr", "table", "thead", "tbody", "tr", "th", "td"),
    }
)
_VOID_TAGS = frozenset({"br", "hr", "img", "wbr"})
_KEPT_SPACES = frozenset("\u00a0\u202f\u2007")
# Dropped from the end of an automatic teaser so it reads "… mot…" rather than "mot :…".
_TRAILING_JUNK = " ,;:«(" + "".join(_KEPT_SPACES)
_WORD = re.compile(r"\w")
_NOTE_HREF = re.compile(r"#note-(\d+)")


@dataclass(frozen=True)
class Split:
    body_html: str
    teaser_html: str
    body_text: str
    teaser_text: str
    remaining_percent: int
    reading_minutes: int
    word_count: int
    teaser_note_numbers: tuple[int, ...]


# --- Markdown rendering -------------------------------------------------------------


class _NoteCallProcessor(InlineProcessor):
    """Turn a literal ``[12]`` into a footnote call.

    Registered below the reference-link patterns, so ``[1]`` with a link definition
    stays a link; code spans and ``\\[1\\]`` are already stashed by then.
    """

    # camelCase names below are imposed by Python-Markdown.
    def handleMatch(  # type: ignore[override]  # the stubs type Pattern's, not InlineProcessor's
        self, m: re.Match[str], data: str
    ) -> tuple[etree.Element, int, int]:
        number = str(int(m.group(1)))
        sup = etree.Element("sup", {"class": "note-call"})
        link = etree.SubElement(sup, "a", {"href": f"#note-{number}"})
        link.text = number
        return sup, m.start(0), m.end(0)


class _NoteCallExtension(markdown.Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.inlinePatterns.register(_NoteCallProcessor(r"\[(\d+)\]", md), "note_call", 115)


# A definition's place in the rendered text is marked by one private-use character per
# definition (its index in document order). Markers never change how Markdown parses a
# block, unlike an element would, and are removed before anything is stored.
_MARK_BASE = 0xF0000
_MARKS = re.compile("[\U000f0000-\U000ffffd]")


class _References(markdown.Extension):
    """Reference definitions, registered in document order, some of them withheld.

    ``public(index)`` says whether the definition met at ``index`` (0 for the first in
    the source) may be resolved. A withheld one is never registered: a reference to it
    renders as its plain link text, like references to ``hidden_ids`` (definitions of a
    part of the source that is not rendered at all). ``mark`` leaves a marker where each
    definition stood, to find out afterwards how much text precedes it.
    """

    def __init__(
        self,
        *,
        public: Callable[[int], bool] | None = None,
        hidden_ids: frozenset[str] = frozenset(),
        mark: bool = False,
    ) -> None:
        super().__init__()
        self.public = public
        self.hidden_ids = set(hidden_ids)
        self.mark = mark

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.parser.blockprocessors.register(_ReferenceDefinitions(md.parser, self), "reference", 15)
        md.inlinePatterns.register(_Reference(REFERENCE_RE, md, self), "reference", 170)
        md.inlinePatterns.register(_ShortReference(REFERENCE_RE, md, self), "short_reference", 130)


class _ReferenceDefinitions(ReferenceProcessor):
    """Python-Markdown's definitions, one at a time and in the order of the source."""

    def __init__(self, parser: BlockParser, config: _References) -> None:
        super().__init__(parser)
        self.config = config
        self.count = 0

    def run(self, parent: etree.Element, blocks: list[str]) -> bool:
        block = blocks.pop(0)
        m = self.RE.search(block)
        if m is None:
            blocks.insert(0, block)
            return False
        if block[: m.start()].strip():
            # Text before the definition in the same block: parse it first, so that
            # definitions are met (and marked) in the order of the source.
            blocks.insert(0, block[m.start() :])
            blocks.insert(0, block[: m.start()].rstrip("\n"))
            return True
        index, self.count = self.count, self.count + 1
        ref_id = m.group(1).strip().lower()
        if self.config.public is None or self.config.public(index):
            self.parser.md.references[ref_id] = (
                m.group(2).lstrip("<").rstrip(">"),
                m.group(5) or m.group(6),
            )
        else:
            self.config.hidden_ids.add(ref_id)
        if self.config.mark:
            _append_text(parent, chr(_MARK_BASE + index))
        if block[m.end() :].strip():
            blocks.insert(0, block[m.end() :].lstrip("\n"))
        return True


def _append_text(parent: etree.Element, text: str) -> None:
    if len(parent):
        parent[-1].tail = (parent[-1].tail or "") + text
    else:
        parent.text = (parent.text or "") + text


class _Reference(ReferenceInlineProcessor):
    """``[texte][id]``; one whose definition is withheld reads as its text, nothing more."""

    def __init__(self, pattern: str, md: markdown.Markdown, config: _References) -> None:
        super().__init__(pattern, md)
        self.config = config

    # camelCase names below are imposed by Python-Markdown.
    def handleMatch(  # type: ignore[override]  # the stubs type Pattern's, not InlineProcessor's
        self, m: re.Match[str], data: str
    ) -> tuple[etree.Element | str | None, int | None, int | None]:
        text, index, handled = self.getText(data, m.end(0))
        ref_id, end, handled_id = self.evalId(data, index, text) if handled else (None, 0, False)
        if handled_id and ref_id is not None:
            ref_id = self.NEWLINE_CLEANUP_RE.sub(" ", ref_id)
            if ref_id not in self.md.references and ref_id in self.config.hidden_ids:
                # A <span> keeps inline markup inside the text; the sanitiser drops the tag.
                span = etree.Element("span")
                span.text = text
                return span, m.start(0), end
        return super().handleMatch(m, data)


class _ShortReference(_Reference, ShortReferenceInlineProcessor):
    """``[id]`` alone, the same way."""


def _render(source: str, references: _References) -> str:
    if not source.strip():
        return ""
    # A fresh Markdown instance per call: instances keep state and are not thread-safe.
    rendered = markdown.markdown(
        _MARKS.sub("", source) if references.mark else source,
        extensions=["sane_lists", "tables", "fenced_code", _NoteCallExtension(), references],
        extension_configs={"tables": {"use_align_attribute": True}},
    )
    return nh3.clean(
        rendered,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        link_rel="noopener noreferrer",
        url_schemes={"http", "https", "mailto"},
    ).strip()


def markdown_to_html(source: str) -> str:
    """Render Markdown to HTML that is safe to show (nh3 whitelist)."""
    return _render(source, _References())


def _defined_ids(source: str) -> frozenset[str]:
    """The ids of the reference definitions in ``source``."""
    withhold_all = _References(public=lambda _index: False)
    _render(source, withhold_all)
    return frozenset(withhold_all.hidden_ids)


def _definition_offsets(source: str) -> list[int]:
    """For each reference definition in document order, the length of the plain text
    (as ``html_to_text`` counts it) that precedes it."""
    marked = _render(source, _References(mark=True))
    offsets: dict[int, int] = {}
    collapser = _Collapser()
    for kind, value, _attrs in _tokens(marked):
        if kind == "text":
            for char in value:
                if _MARKS.fullmatch(char):
                    offsets[ord(char) - _MARK_BASE] = collapser.length
                else:
                    collapser.push(char)
        elif value in _BLOCK_TAGS:
            collapser.boundary()
    # A marker lost on the way (none should be) counts as past any cut.
    count = max(offsets, default=-1) + 1
    return [offsets.get(index, len(marked)) for index in range(count)]


# --- HTML walking -------------------------------------------------------------------

_Token = tuple[str, str, list[tuple[str, str | None]]]  # (kind, tag or text, attrs)


class _Tokenizer(HTMLParser):
    def __init__(self) -> None:
        # convert_charrefs: text arrives decoded, so an entity can never be split.
        super().__init__(convert_charrefs=True)
        self.tokens: list[_Token] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tokens.append(("start", tag, attrs))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tokens.append(("start", tag, attrs))
        if tag not in _VOID_TAGS:
            self.tokens.append(("end", tag, []))

    def handle_endtag(self, tag: str) -> None:
        if tag not in _VOID_TAGS:
            self.tokens.append(("end", tag, []))

    def handle_data(self, data: str) -> None:
        self.tokens.append(("text", data, []))


def _tokens(html: str) -> list[_Token]:
    parser = _Tokenizer()
    parser.feed(html)
    parser.close()
    return parser.tokens


class _Collapser:
    """Builds html_to_text's output one character at a time.

    The teaser cutter walks the HTML with this same object, so its character count can
    never drift from the one used for body_text and the percentages.
    """

    def __init__(self) -> None:
        self.length = 0
        self._pending_space = False

    def boundary(self) -> None:
        self._pending_space = True

    def push(self, char: str) -> str:
        if char.isspace() and char not in _KEPT_SPACES:
            self._pending_space = True
            return ""
        # A pending space is only written before a following character: this is what
        # strips the text at both ends.
        out = " " + char if self._pending_space and self.length else char
        self._pending_space = False
        self.length += len(out)
        return out


def html_to_text(html: str) -> str:
    """Plain text of ``html`` (see the module docstring for the whitespace rules)."""
    collapser = _Collapser()
    parts: list[str] = []
    for kind, value, _attrs in _tokens(html):
        if kind == "text":
            parts.extend(collapser.push(char) for char in value)
        elif value in _BLOCK_TAGS:
            collapser.boundary()
    return "".join(parts)


def word_count(text: str) -> int:
    return sum(1 for token in text.split() if _WORD.search(token))


# --- Teaser -------------------------------------------------------------------------


def _cut_point(text: str, limit: int) -> int:
    """Length of the teaser text: never more than ``limit``, whole words where it can.

    The teaser must never run past the limit, even in text without a regular space
    (a URL, words glued by non-breaking spaces pasted from a word processor): that
    would hand the paywalled rest to everyone. So the cut falls back to a
    non-breaking space, and only then, in one endless word, to the limit itself.
    """
    # text holds single regular spaces only, so " " is exactly the set of cut points.
    end = text.rfind(" ", 0, limit + 1)
    if end <= 0:
        end = max(text.rfind(space, 0, limit + 1) for space in _KEPT_SPACES)
    if end <= 0:
        end = limit
    kept = text[:end].rstrip(_TRAILING_JUNK)
    return len(kept) if kept else end


def _start_tag(tag: str, attrs: list[tuple[str, str | None]]) -> str:
    rendered = "".join(
        f" {name}" if value is None else f' {name}="{escape(value)}"' for name, value in attrs
    )
    return f"<{tag}{rendered}>"


def _ends_block(tokens: Iterator[_Token], rest_of_text: str) -> bool:
    """Whether the next thing after the cut is a block boundary rather than more text."""
    if rest_of_text.strip():
        return False
    for kind, value, _attrs in tokens:
        if kind == "text" and value.strip():
            return False
        if kind != "text" and value in _BLOCK_TAGS:
            return True
    return True


def _cut(html: str, limit: int) -> tuple[str, int]:
    """Return (teaser_html, length of the teaser's plain text)."""
    text = html_to_text(html)
    if len(text) <= limit:
        return html, len(text)
    cut = _cut_point(text, limit)
    if cut >= len(text):
        return html, len(text)
    return _cut_at(html, cut), cut


def _cut_at(html: str, cut: int) -> str:
    """``html`` cut after ``cut`` characters of its plain text, every open tag closed."""
    if cut <= 0:
        return ""
    out: list[str] = []
    open_tags: list[str] = []
    collapser = _Collapser()
    tokens = iter(_tokens(html))
    for kind, value, attrs in tokens:
        if kind == "text":
            for index, char in enumerate(value):
                collapser.push(char)
                if collapser.length >= cut:
                    out.append(escape(value[: index + 1], quote=False))
                    # The ellipsis says "the sentence goes on"; a teaser that stops at
                    # the end of a paragraph or list item doesn't need one.
                    if not _ends_block(tokens, value[index + 1 :]):
                        out.append(ELLIPSIS)
                    out.extend(f"</{tag}>" for tag in reversed(open_tags))
                    return "".join(out)
            out.append(escape(value, quote=False))
            continue
        if kind == "start":
            out.append(_start_tag(value, attrs))
            if value not in _VOID_TAGS:
                open_tags.append(value)
        else:
            out.append(f"</{value}>")
            # nh3's output is well-formed, so an end tag always closes the top one.
            if open_tags and open_tags[-1] == value:
                open_tags.pop()
        if value in _BLOCK_TAGS:
            collapser.boundary()
    return html  # the text is shorter than the cut: nothing to cut


def teaser_split(html: str, *, chars: int = 1000) -> str:
    """Cut sanitised HTML after at most ``chars`` plain-text characters, at a word
    boundary, with every open tag closed and "…" appended when cut mid-block."""
    return _cut(html, chars)[0]


# --- Whole article ------------------------------------------------------------------


def _round_half_up(numerator: int, denominator: int) -> int:
    # Integer arithmetic: round() rounds half to even and floats drift.
    return (2 * numerator + denominator) // (2 * denominator)


def _split_on_marker(source: str) -> tuple[str, str] | None:
    lines = source.splitlines()
    for index, line in enumerate(lines):
        if line.strip() == PAYWALL_MARKER:
            return "\n".join(lines[:index]), "\n".join(lines[index + 1 :])
    return None


def _note_numbers(html: str) -> tuple[int, ...]:
    numbers: set[int] = set()
    in_call = False
    for kind, value, attrs in _tokens(html):
        if kind == "start" and value == "sup":
            in_call = ("class", "note-call") in attrs
        elif kind == "end" and value == "sup":
            in_call = False
        elif in_call and kind == "start" and value == "a":
            match = _NOTE_HREF.fullmatch(dict(attrs).get("href") or "")
            if match:
                numbers.add(int(match.group(1)))
    return tuple(sorted(numbers))


def article_split(source: str, *, chars: int = 1000) -> Split:
    """Render ``source`` and split it into teaser and paywalled rest.

    An explicit marker line wins over ``chars``. Otherwise a body shorter than twice the
    teaser shows at most half of itself.

    The teaser is rendered from what lies before the split: a reference definition
    placed past it is never resolved there, and a reference to it reads as its link
    text. For the automatic cut, the definitions before it are those with less plain
    text before them than the teaser holds.
    """
    marked = _split_on_marker(source)
    if marked is not None:
        before, after = marked
        body_html = markdown_to_html(f"{before}\n{after}")
        body_text = html_to_text(body_html)
        teaser_html = _render(before, _References(hidden_ids=_defined_ids(after)))
        teaser_text = html_to_text(teaser_html)
    else:
        body_html = markdown_to_html(source)
        body_text = html_to_text(body_html)
        _, teaser_length = _cut(body_html, min(chars, len(body_text) // 2))
        teaser_text = body_text[:teaser_length]
        offsets = _definition_offsets(source)
        if all(offset < teaser_length for offset in offsets):
            public_html = body_html
        else:
            # Withheld references read as their link text, so the plain text (and the
            # cut) is the same as the body's.
            public_html = _render(
                source, _References(public=lambda index: offsets[index] < teaser_length)
            )
        teaser_html = _cut_at(public_html, teaser_length)

    total = len(body_text)
    # max(): a marker in the middle of a construct (e.g. a list continued past it) can
    # render the teaser slightly differently from the body's start.
    hidden = max(total - len(teaser_text), 0)
    words = word_count(body_text)
    return Split(
        body_html=body_html,
        teaser_html=teaser_html,
        body_text=body_text,
        teaser_text=teaser_text,
        remaining_percent=_round_half_up(100 * hidden, total) if total else 0,
        reading_minutes=max(1, _round_half_up(words, WORDS_PER_MINUTE)),
        word_count=words,
        teaser_note_numbers=_note_numbers(teaser_html),
    )
