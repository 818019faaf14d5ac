"""Charts are well-formed SVG, say what they show, and escape what they are given."""

import xml.etree.ElementTree as ET

from dashboard import charts

SVG = "{http://www.w3.org/2000/svg}"
LABELS = ["S47", "S48"]


def parse(markup: str) -> ET.Element:
    return ET.fromstring(markup)


def test_a_bar_chart_is_svg_with_a_title_a_description_and_a_bar_per_value():
    svg = parse(
        charts.bar_chart(
            chart_id="flux",
            title="Nouveaux et terminés",
            summary="Par semaine.",
            labels=LABELS,
            series=[("Nouveaux", [3, 5]), ("Terminés", [1, 0])],
        )
    )

    assert svg.tag == f"{SVG}svg"
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "flux-title flux-desc"
    assert svg.find(f"{SVG}title").text == "Nouveaux et terminés"
    description = svg.find(f"{SVG}desc").text
    assert "Nouveaux — S47 : 3, S48 : 5." in description
    bars = [rect for rect in svg.iter(f"{SVG}rect") if rect.find(f"{SVG}title") is not None]
    assert len(bars) == 4
    # The tallest bar reaches the top of the scale (5); a zero has no height.
    heights = [float(rect.get("height")) for rect in bars]
    assert heights[3] == 0
    assert max(heights) == heights[1]


def test_a_line_chart_has_a_point_per_value():
    svg = parse(
        charts.line_chart(
            chart_id="mrr",
            title="MRR",
            summary="En euros.",
            labels=LABELS,
            series=[("MRR (€)", [46.0, 66.5])],
        )
    )

    assert len(list(svg.iter(f"{SVG}polyline"))) == 1
    assert len(list(svg.iter(f"{SVG}circle"))) == 2
    assert "S48 : 66,5" in svg.find(f"{SVG}desc").text


def test_text_is_escaped():
    markup = charts.bar_chart(
        chart_id="x",
        title='<script>alert("x")</script> & co',
        summary="a < b",
        labels=["<b>"],
        series=[("A & B", [1])],
    )

    svg = parse(markup)
    assert "<script>" not in markup
    assert svg.find(f"{SVG}title").text == '<script>alert("x")</script> & co'


def test_an_empty_or_all_zero_chart_is_still_well_formed():
    parse(charts.line_chart(chart_id="z", title="Rien", summary="", labels=[], series=[]))
    parse(
        charts.bar_chart(
            chart_id="z", title="Zéro", summary="", labels=LABELS, series=[("A", [0, 0])]
        )
    )


def test_a_long_label_is_cut_under_its_mark_and_said_whole_in_the_description():
    """Rubric names under twelve bars would overlap: cut on the axis, whole for a screen reader."""
    name = "Radiologie interventionnelle et imagerie de la femme"
    svg = charts.bar_chart(
        chart_id="c",
        title="Par rubrique",
        summary="Vues.",
        labels=[name] * 12,
        series=[("Vues", [1] * 12)],
    )
    root = ET.fromstring(svg)
    axis = [text.text for text in root.iter(f"{SVG}text") if text.text and "Radio" in text.text]

    assert axis and all(label.endswith("…") and len(label) < len(name) for label in axis)
    assert name in root.find(f"{SVG}desc").text
