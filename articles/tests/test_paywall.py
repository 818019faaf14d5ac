"""Tests for articles.paywall (pure functions: no Django, no database)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from articles.paywall import (
    PAYWALL_MARKER,
    Split,
    article_split,
    html_to_text,
    markdown_to_html,
    teaser_split,
    word_count,
)

NBSP = "\u00a0"
NNBSP = "\u202f"
VOID = {"br", "hr", "img", "wbr"}

NESTED_HTML = "<p>text <strong>bold <em>nested</em> words</strong> more</p>"
BLOCKS_HTML = (
    "<p>Intro du papier.</p>"
    "<ul><li>premier <em>point</em> important</li><li>second point</li></ul>"
    "<blockquote><p>une <strong>citation <em>très</em> longue</strong> ici</p></blockquote>"
    '<ol><li>un</li><li>deux <a href="#x">lien utile</a> fin</li></ol>'
)

FRENCH_PARAGRAPHS = [
    "Le conseil municipal a adopté, mardi soir, un budget qualifié de "
    f"«{NBSP}budget de crise{NBSP}» par l’opposition. Pour le maire, il s’agit "
    f"pourtant d’un texte «{NBSP}responsable{NBSP}»{NBSP}: les dépenses de "
    "fonctionnement baissent de 3 % tandis que l’investissement progresse, "
    "notamment pour la rénovation thermique des écoles et l’entretien des routes "
    "départementales qui traversent la commune.",
    f"Pourquoi une telle hausse de la taxe foncière{NBSP}? L’adjoint aux finances "
    "rappelle que l’État a réduit ses dotations pendant quatre années consécutives "
    "et que l’inflation a renchéri le coût de l’énergie. «\u202fNous n’avions pas "
    "d’autre choix\u202f», assure-t-il, en précisant que les ménages les plus "
    "modestes bénéficieront d’un abattement supplémentaire voté à l’unanimité.",
    "Dans les quartiers, l’accueil est plus mitigé. Les commerçants de la rue "
    "principale redoutent une baisse de fréquentation pendant les travaux, prévus "
    "jusqu’à l’automne prochain. Une réunion publique est programmée le mois "
    "prochain à la salle des fêtes afin de présenter le calendrier détaillé du "
    "chantier et de répondre aux questions des riverains inquiets.",
]
FRENCH_ENDING = "Le vote définitif aura lieu lors de la séance du quinze décembre."


def french_article(paragraphs: int = 17) -> str:
    """About 6300 characters of plain text with the default 17 paragraphs."""
    body = [FRENCH_PARAGRAPHS[i % len(FRENCH_PARAGRAPHS)] for i in range(paragraphs)]
    return "\n\n".join([*body, FRENCH_ENDING])


class TagBalance(HTMLParser):
    """Fails on a mismatched end tag; `stack` is what is left open at the end."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes {self.stack}"
        self.stack.pop()


def assert_well_formed(html: str) -> None:
    checker = TagBalance()
    checker.feed(html)
    checker.close()
    assert checker.stack == [], f"left open: {checker.stack} in {html!r}"


def assert_ends_on_word_boundary(teaser_text: str, body_text: str, chars: int) -> None:
    """The cut is at a word boundary within the limit; when the first word alone is
    longer than the limit, exactly at the limit (never past it: that would leak)."""
    assert body_text.startswith(teaser_text)
    assert len(teaser_text) <= chars
    if " " not in body_text[: chars + 1]:
        assert len(teaser_text) == min(chars, len(body_text)), teaser_text
        return
    rest = body_text[len(teaser_text) :]
    # Only stripped punctuation may sit between the cut and the next regular space.
    assert re.match(rf"[,;:«({NBSP}{NNBSP}]*( |$)", rest), (teaser_text[-20:], rest[:20])


def visible_text(teaser_html: str) -> str:
    return html_to_text(teaser_html).removesuffix("…")


# --- Rendering and sanitisation -----------------------------------------------------


def test_markdown_is_rendered_to_html() -> None:
    html = markdown_to_html("## Titre\n\nDu **gras** et de l’*italique*.\n\n- un\n- deux")
    assert "<h2>Titre</h2>" in html
    assert "<strong>gras</strong>" in html
    assert "<em>italique</em>" in html
    assert "<ul>" in html and "<li>un</li>" in html


def test_sanitisation_removes_script_and_event_handlers() -> None:
    html = markdown_to_html(
        'Avant\n\n<script>alert("x")</script>\n\n<p onclick="steal()">Après</p>'
    )
    assert "<script" not in html
    assert "alert" not in html
    assert "onclick" not in html
    assert "steal" not in html
    assert "Avant" in html and "Après" in html


def test_disallowed_tags_are_dropped_but_their_text_kept() -> None:
    html = markdown_to_html('<div class="x">Bloc <span style="color:red">rouge</span></div>')
    assert "<div" not in html and "<span" not in html and "style" not in html
    assert html_to_text(html) == "Bloc rouge"


def test_links_get_noopener_noreferrer() -> None:
    html = markdown_to_html("Voir [le site](https://example.org).")
    assert 'href="https://example.org"' in html
    assert 'rel="noopener noreferrer"' in html


def test_javascript_links_lose_their_href() -> None:
    html = markdown_to_html("[clic](javascript:alert(1))")
    assert "javascript" not in html


def test_footnote_call_becomes_superscript_link() -> None:
    html = markdown_to_html("Selon l’Insee[1], le chômage baisse.")
    assert '<sup class="note-call"><a href="#note-1"' in html
    assert ">1</a></sup>, le chômage" in html


def test_consecutive_footnote_calls_each_become_a_call() -> None:
    html = markdown_to_html("Deux sources[1],[2].")
    assert re.findall(r'href="#note-(\d+)"', html) == ["1", "2"]
    assert "</sup>,<sup" in html


def test_footnote_syntax_in_code_or_escaped_stays_literal() -> None:
    html = markdown_to_html("Le code `tab[1]` et le texte \\[2\\].")
    assert "note-call" not in html
    assert "<code>tab[1]</code>" in html
    assert "[2]" in html


def test_bracketed_number_with_a_link_definition_stays_a_link() -> None:
    html = markdown_to_html("Voir [1].\n\n[1]: https://example.org")
    assert "note-call" not in html
    assert 'href="https://example.org"' in html


def test_other_text_is_untouched() -> None:
    html = markdown_to_html(f"L’été «{NBSP}chaud{NBSP}»{NBSP}: 3 % [a] [12b]")
    assert html_to_text(html) == f"L’été «{NBSP}chaud{NBSP}»{NBSP}: 3 % [a] [12b]"


def test_blank_markdown_renders_to_empty_string() -> None:
    assert markdown_to_html("") == ""
    assert markdown_to_html("  \n\t\n") == ""


# --- Plain text and words -----------------------------------------------------------


def test_html_to_text_collapses_whitespace_and_block_boundaries() -> None:
    html = "<h2>Titre</h2><p>un\n  deux</p>\n\n<ul><li>trois</li><li>quatre<br>cinq</li></ul>"
    assert html_to_text(html) == "Titre un deux trois quatre cinq"


def test_html_to_text_does_not_split_words_at_inline_tags() -> None:
    assert html_to_text("<p>in<strong>croy</strong><em>able</em></p>") == "incroyable"


def test_html_to_text_decodes_entities() -> None:
    assert html_to_text("<p>Tom &amp; Jerry &lt;3 &#233;t&eacute;</p>") == "Tom & Jerry <3 été"


def test_html_to_text_keeps_non_breaking_spaces() -> None:
    html = f"<p>«&nbsp;mot&nbsp;» et 10{NNBSP}000</p>"
    assert html_to_text(html) == f"«{NBSP}mot{NBSP}» et 10{NNBSP}000"


def test_html_to_text_strips_both_ends() -> None:
    assert html_to_text("\n <p>  mot  </p> \n") == "mot"


def test_word_count_splits_on_non_breaking_spaces_and_ignores_lone_punctuation() -> None:
    assert word_count(f"«{NBSP}Oui{NBSP}»{NBSP}: l’été — c’est{NBSP}!") == 3
    assert word_count("") == 0
    assert word_count("un deux trois") == 3


# --- Automatic teaser ---------------------------------------------------------------


@pytest.mark.parametrize("chars", range(1, 120))
def test_teaser_never_ends_mid_word(chars: int) -> None:
    body_html = markdown_to_html(french_article(2))
    body_text = html_to_text(body_html)
    teaser = teaser_split(body_html, chars=chars)
    assert_ends_on_word_boundary(visible_text(teaser), body_text, chars)


def test_teaser_stops_at_last_word_boundary_within_limit() -> None:
    html = "<p>Le chat dort sur le canapé.</p>"
    assert teaser_split(html, chars=12) == "<p>Le chat dort…</p>"  # "Le chat dort" = 12
    assert teaser_split(html, chars=15) == "<p>Le chat dort…</p>"  # "sur" would end at 16
    assert teaser_split(html, chars=16) == "<p>Le chat dort sur…</p>"


def test_single_word_longer_than_limit_is_cut_at_the_limit() -> None:
    html = "<p>Anticonstitutionnellement parlant, non.</p>"
    assert teaser_split(html, chars=5) == "<p>Antic…</p>"


@pytest.mark.parametrize(
    "body",
    [
        NBSP.join(["secret"] * 400),  # words glued by non-breaking spaces (pasted text)
        "x" * 5000,  # one endless word
        "https://example.org/" + "a" * 3000,
    ],
)
def test_text_without_regular_spaces_never_leaks_past_the_limit(body: str) -> None:
    split = article_split(body, chars=100)

    assert len(split.teaser_text) <= 100
    assert split.remaining_percent >= 97
    assert len(html_to_text(split.teaser_html)) <= 101  # and the ellipsis


def test_glued_words_are_cut_at_a_non_breaking_space_rather_than_mid_word() -> None:
    body = NBSP.join(["secret"] * 400)

    assert article_split(body, chars=100).teaser_text.endswith("secret")


def test_text_within_limit_is_returned_unchanged_without_ellipsis() -> None:
    html = "<p>Court.</p>"
    assert teaser_split(html, chars=6) == html
    assert teaser_split(html, chars=1000) == html


@pytest.mark.parametrize("chars", range(0, 30))
def test_teaser_closes_nested_markup(chars: int) -> None:
    teaser = teaser_split(NESTED_HTML, chars=chars)
    assert_well_formed(teaser)
    assert_ends_on_word_boundary(visible_text(teaser), html_to_text(NESTED_HTML), chars)


def test_teaser_cut_inside_nested_markup_puts_ellipsis_in_innermost_text() -> None:
    assert teaser_split(NESTED_HTML, chars=17) == (
        "<p>text <strong>bold <em>nested…</em></strong></p>"
    )
    assert teaser_split(NESTED_HTML, chars=23) == (
        "<p>text <strong>bold <em>nested</em> words…</strong></p>"
    )


@pytest.mark.parametrize("chars", range(0, len(html_to_text(BLOCKS_HTML)) + 2))
def test_teaser_closes_list_items_blockquotes_and_links(chars: int) -> None:
    teaser = teaser_split(BLOCKS_HTML, chars=chars)
    assert_well_formed(teaser)
    assert_ends_on_word_boundary(visible_text(teaser), html_to_text(BLOCKS_HTML), chars)


def test_teaser_cut_inside_a_blockquote() -> None:
    teaser = teaser_split(BLOCKS_HTML, chars=71)
    assert teaser.endswith(
        "<blockquote><p>une <strong>citation <em>très…</em></strong></p></blockquote>"
    )


def test_teaser_keeps_link_attributes() -> None:
    link = '<a href="https://example.org/?a=1&amp;b=2" rel="noopener noreferrer">'
    html = f"<p>Lire {link}la suite du dossier</a></p>"
    teaser = teaser_split(html, chars=13)  # "Lire la suite" is 13 characters
    assert teaser == f"<p>Lire {link}la suite…</a></p>"


def test_teaser_has_no_ellipsis_when_cut_falls_at_a_block_end() -> None:
    html = "<p>Premier paragraphe.</p><p>Second paragraphe.</p>"
    assert teaser_split(html, chars=20) == "<p>Premier paragraphe.</p>"


def test_teaser_drops_trailing_punctuation_before_ellipsis() -> None:
    html = f"<p>Il a dit{NBSP}: oui, puis non.</p>"
    assert teaser_split(html, chars=11) == "<p>Il a dit…</p>"
    assert teaser_split(html, chars=16) == "<p>Il a dit\u00a0: oui…</p>"


def test_entities_count_as_one_character_and_are_never_split() -> None:
    html = "<p>Tom &amp; Jerry &lt;3 font la paire</p>"
    # "Tom & Jerry" is 11 characters: it fits only if &amp; counts as one.
    assert teaser_split(html, chars=11) == "<p>Tom &amp; Jerry…</p>"
    assert teaser_split(html, chars=14) == "<p>Tom &amp; Jerry &lt;3…</p>"


def test_no_cut_between_guillemet_and_word() -> None:
    html = markdown_to_html(f"Il a répondu «{NBSP}jamais{NBSP}» sans hésiter.")
    for chars in range(1, 40):
        teaser = visible_text(teaser_split(html, chars=chars))
        assert not teaser.endswith("«"), teaser
        assert not teaser.endswith("jamais"), teaser  # would separate it from its »
    assert visible_text(teaser_split(html, chars=22)) == "Il a répondu"
    assert visible_text(teaser_split(html, chars=23)) == f"Il a répondu «{NBSP}jamais{NBSP}»"


def test_no_cut_at_narrow_non_breaking_space() -> None:
    html = f"<p>Vraiment{NNBSP}? Oui bien sûr.</p>"
    assert teaser_split(html, chars=10) == f"<p>Vraiment{NNBSP}?…</p>"
    assert teaser_split(html, chars=14) == f"<p>Vraiment{NNBSP}? Oui…</p>"


def test_typographic_apostrophe_is_part_of_the_word() -> None:
    html = "<p>Aujourd’hui l’économie française va mieux.</p>"
    assert teaser_split(html, chars=15) == "<p>Aujourd’hui…</p>"
    assert teaser_split(html, chars=22) == "<p>Aujourd’hui l’économie…</p>"


# --- Whole article ------------------------------------------------------------------


def test_empty_body_gives_empty_split() -> None:
    for source in ("", "   \n\n\t "):
        split = article_split(source)
        assert split == Split(
            body_html="",
            teaser_html="",
            body_text="",
            teaser_text="",
            remaining_percent=0,
            reading_minutes=1,
            word_count=0,
            teaser_note_numbers=(),
        )


def test_one_long_paragraph_is_cut_at_a_word_boundary() -> None:
    source = " ".join(f"mot{i}" for i in range(600))  # one block, ~3800 chars
    split = article_split(source, chars=1000)
    assert split.body_html.count("<p>") == 1
    assert len(split.teaser_text) <= 1000
    assert len(split.teaser_text) > 990
    assert_ends_on_word_boundary(split.teaser_text, split.body_text, 1000)
    assert split.teaser_html.endswith("…</p>")
    assert_well_formed(split.teaser_html)


def test_teaser_plain_text_is_the_teaser_html_minus_ellipsis() -> None:
    split = article_split(french_article(), chars=1000)
    assert html_to_text(split.teaser_html) == split.teaser_text + "…"


def test_teaser_text_is_prefix_of_body_text() -> None:
    for chars in (50, 300, 1000, 2500):
        split = article_split(french_article(), chars=chars)
        assert split.body_text.startswith(split.teaser_text)
        assert len(split.teaser_text) <= chars


def test_nothing_past_the_split_appears_in_teaser() -> None:
    split = article_split(french_article(), chars=1000)
    assert FRENCH_ENDING in split.body_html
    assert FRENCH_ENDING not in split.teaser_html
    assert "quinze" not in split.teaser_html


def test_short_body_shows_at_most_half() -> None:
    source = french_article(1)  # well under 2 × 1000 characters
    split = article_split(source, chars=1000)
    assert len(split.body_text) < 2000
    assert 0 < len(split.teaser_text) <= len(split.body_text) // 2
    assert split.remaining_percent >= 50


def test_body_of_exactly_twice_the_limit_uses_the_limit() -> None:
    words = ["abcd"] * 40
    source = " ".join(words)  # 199 characters
    split = article_split(source, chars=99)
    assert split.teaser_text == " ".join(
        words[:20]
    )  # exactly 99 characters: the limit is inclusive


def test_realistic_french_article_leaves_about_84_percent_hidden() -> None:
    split = article_split(french_article(), chars=1000)
    assert 6100 <= len(split.body_text) <= 6500
    assert 950 <= len(split.teaser_text) <= 1000
    assert 83 <= split.remaining_percent <= 85
    assert split.reading_minutes == 4  # 906 words / 230
    assert_well_formed(split.teaser_html)


def test_remaining_percent_rounds_half_up() -> None:
    # body "abc defg" (8 chars), teaser "abc": 5 hidden → 62.5 % → 63 (round() gives 62).
    split = article_split(f"abc\n\n{PAYWALL_MARKER}\n\ndefg")
    assert (split.body_text, split.teaser_text) == ("abc defg", "abc")
    assert split.remaining_percent == 63


@pytest.mark.parametrize(
    ("words", "minutes"),
    [(1, 1), (114, 1), (115, 1), (344, 1), (345, 2), (574, 2), (575, 3), (2300, 10)],
)
def test_reading_minutes_rounds_half_up_with_a_minimum_of_one(words: int, minutes: int) -> None:
    split = article_split(" ".join(["mot"] * words))
    assert split.word_count == words
    assert split.reading_minutes == minutes


def test_word_count_covers_the_whole_body() -> None:
    split = article_split(f"Un deux.\n\n{PAYWALL_MARKER}\n\nTrois «{NBSP}quatre{NBSP}».")
    assert split.word_count == 4


# --- Explicit paywall marker --------------------------------------------------------


def test_marker_in_the_middle_splits_the_source() -> None:
    source = f"Premier paragraphe.\n\n{PAYWALL_MARKER}\n\nSecond paragraphe réservé."
    split = article_split(source)
    assert split.teaser_html == "<p>Premier paragraphe.</p>"
    assert split.body_html == "<p>Premier paragraphe.</p>\n<p>Second paragraphe réservé.</p>"
    assert split.teaser_text == "Premier paragraphe."
    assert "…" not in split.teaser_html
    assert "paywall" not in split.body_html


def test_marker_wins_over_the_character_count() -> None:
    source = f"{french_article(3)}\n\n{PAYWALL_MARKER}\n\nSuite réservée aux abonnés."
    split = article_split(source, chars=100)
    assert len(split.teaser_text) > 1000
    assert "abonnés" not in split.teaser_html
    assert split.body_text.startswith(split.teaser_text)


def test_marker_at_very_start_gives_empty_teaser() -> None:
    split = article_split(f"{PAYWALL_MARKER}\n\nTout est réservé aux abonnés.")
    assert split.teaser_html == ""
    assert split.teaser_text == ""
    assert split.body_text == "Tout est réservé aux abonnés."
    assert split.remaining_percent == 100


def test_marker_at_very_end_shows_everything() -> None:
    split = article_split(f"Tout est gratuit.\n\nVraiment tout.\n\n{PAYWALL_MARKER}\n")
    assert split.teaser_html == split.body_html
    assert split.teaser_text == split.body_text == "Tout est gratuit. Vraiment tout."
    assert split.remaining_percent == 0


def test_marker_line_may_have_surrounding_whitespace() -> None:
    split = article_split(f"Gratuit.\n   {PAYWALL_MARKER}\t \nPayant.")
    assert split.teaser_text == "Gratuit."
    assert split.body_text == "Gratuit. Payant."


def test_only_the_first_marker_splits_and_none_is_rendered() -> None:
    split = article_split(f"Un.\n\n{PAYWALL_MARKER}\n\nDeux.\n\n{PAYWALL_MARKER}\n\nTrois.")
    assert split.teaser_text == "Un."
    assert split.body_text == "Un. Deux. Trois."
    assert "paywall" not in split.body_html


def test_marker_inside_a_line_of_text_is_not_a_marker() -> None:
    source = f"Le code {PAYWALL_MARKER} coupe l’article.\n\n" + french_article(3)
    split = article_split(source, chars=200)
    assert split.teaser_text.startswith("Le code coupe l’article.")  # comment stripped
    assert 150 < len(split.teaser_text) <= 200  # the automatic cut applied


def test_footnote_calls_in_teaser_are_listed_and_later_ones_are_not() -> None:
    source = (
        f"Selon l’Insee[2], puis l’OCDE[1],[2].\n\n{PAYWALL_MARKER}\n\n"
        "Réservé : voir aussi la Banque de France[3]."
    )
    split = article_split(source)
    assert split.teaser_note_numbers == (1, 2)
    assert 'href="#note-3"' in split.body_html


def test_footnote_calls_past_the_automatic_cut_are_not_listed() -> None:
    source = "Début cité[1] ici. " + "remplissage " * 200 + "Fin citée[7]."
    split = article_split(source, chars=300)
    assert split.teaser_note_numbers == (1,)
    assert 'href="#note-7"' in split.body_html


# --- Reference links and the split --------------------------------------------------

STUDY_URL = "https://example.org/etude-reservee"
STUDY_TITLE = "Titre de l’étude réservée"
STUDY_DEFINITION = f'[etude]: {STUDY_URL} "{STUDY_TITLE}"'


def assert_reference_withheld(teaser_html: str, link_text: str) -> None:
    assert link_text in teaser_html  # read as plain text,
    assert "[" not in teaser_html  # never as raw brackets,
    assert STUDY_URL not in teaser_html  # nor with what its definition says
    assert "étude réservée" not in teaser_html


def test_reference_defined_past_the_automatic_cut_reads_as_its_text_in_the_teaser() -> None:
    source = f"Voir [l’étude][etude] citée.\n\n{french_article(3)}\n\n{STUDY_DEFINITION}\n"

    split = article_split(source, chars=300)

    assert_reference_withheld(split.teaser_html, "Voir l’étude citée.")
    assert split.body_text.startswith(split.teaser_text)
    assert html_to_text(split.teaser_html).removesuffix("…") == split.teaser_text


def test_short_reference_defined_past_the_automatic_cut_reads_as_its_text() -> None:
    source = f"Voir [etude] ici.\n\n{french_article(3)}\n{STUDY_DEFINITION}"

    split = article_split(source, chars=300)

    assert_reference_withheld(split.teaser_html, "Voir etude ici.")


def test_definition_glued_to_a_paragraph_past_the_cut_stays_out_of_the_teaser() -> None:
    source = f"Voir [l’étude][etude].\n\n{french_article(3)}\n{STUDY_DEFINITION}\nFin."

    split = article_split(source, chars=300)

    assert_reference_withheld(split.teaser_html, "Voir l’étude.")


def test_reference_defined_before_the_automatic_cut_is_a_link_in_the_teaser() -> None:
    source = f"Voir [l’étude][etude].\n\n{STUDY_DEFINITION}\n\n{french_article(3)}"

    split = article_split(source, chars=300)

    assert f'<a href="{STUDY_URL}" title="{STUDY_TITLE}"' in split.teaser_html


def test_a_later_definition_of_the_same_reference_never_reaches_the_teaser() -> None:
    public = "https://example.org/publique"
    source = (
        f"Voir [l’étude][etude].\n\n[etude]: {public}\n\n{french_article(3)}\n\n"
        f"{STUDY_DEFINITION}\n"
    )

    split = article_split(source, chars=300)

    assert f'href="{public}"' in split.teaser_html
    assert STUDY_URL not in split.teaser_html


def test_reference_defined_past_the_marker_reads_as_its_text_in_the_teaser() -> None:
    source = (
        f"Voir [voir l’étude][etude] ici.\n\n{PAYWALL_MARKER}\n\nLa suite.\n\n{STUDY_DEFINITION}\n"
    )

    split = article_split(source)

    assert split.teaser_html == "<p>Voir voir l’étude ici.</p>"
    assert_reference_withheld(split.teaser_html, "voir l’étude")


@pytest.mark.parametrize("marker", [True, False])
def test_full_body_resolves_a_reference_defined_past_the_split(marker: bool) -> None:
    split_line = f"\n\n{PAYWALL_MARKER}" if marker else ""
    source = f"Voir [l’étude][etude].{split_line}\n\n{french_article(3)}\n\n{STUDY_DEFINITION}"

    split = article_split(source, chars=300)

    assert (
        f'<a href="{STUDY_URL}" title="{STUDY_TITLE}" rel="noopener noreferrer">l’étude</a>'
        in split.body_html
    )
    assert "[" not in split.body_html
