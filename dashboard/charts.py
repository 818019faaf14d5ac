"""Charts as SVG markup, drawn on the server: no script, no third-party host.

Pure functions from numbers to a string. Every text is escaped; each chart has a
<title> and a <desc> (named by `aria-labelledby`, `role="img"`) that say what it shows
and its values, for a screen reader, and a legend when it has several series.
"""

from collections.abc import Sequence
from xml.sax.saxutils import escape, quoteattr

WIDTH = 720
HEIGHT = 260
MARGIN_LEFT = 64
MARGIN_RIGHT = 16
MARGIN_TOP = 28
MARGIN_BOTTOM = 48
# Distinguishable colours, readable on white (and by most colour-blind readers).
CHAR_WIDTH = 6.5  # about, at font-size 11
COLOURS = ("#1f6f9f", "#d0742a", "#3a8d3a", "#8a4fa3")

Series = tuple[str, Sequence[float]]


def _number(value: float) -> str:
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return text.replace(",", "\u202f").replace(".", ",")


def _axis_label(label: str, room: float) -> str:
    """A label cut to the room under its mark (a rubric's name): the <desc> says it whole."""
    fits = max(int(room / CHAR_WIDTH), 4)
    return label if len(label) <= fits else label[: fits - 1] + "…"


def _scale_max(series: Sequence[Series]) -> float:
    top = max((max(values, default=0) for _name, values in series), default=0)
    if top <= 0:
        return 1.0
    # A round top: 1, 2 or 5 times a power of ten.
    magnitude = 10 ** (len(str(int(top))) - 1)
    for step in (1, 2, 5, 10):
        if top <= step * magnitude:
            return float(step * magnitude)
    return float(top)


def _frame(
    *, chart_id: str, title: str, description: str, labels: Sequence[str], top: float
) -> list[str]:
    inner_height = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="100%" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'font-family="sans-serif" font-size="11">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]
    for fraction in (0, 0.5, 1):
        y = MARGIN_TOP + inner_height * (1 - fraction)
        parts.append(
            f'<line x1="{MARGIN_LEFT}" y1="{y:.1f}" x2="{WIDTH - MARGIN_RIGHT}" y2="{y:.1f}" '
            'stroke="#ccc" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{MARGIN_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{escape(_number(top * fraction))}</text>"
        )
    slot = (WIDTH - MARGIN_LEFT - MARGIN_RIGHT) / max(len(labels), 1)
    for index, label in enumerate(labels):
        x = MARGIN_LEFT + slot * (index + 0.5)
        parts.append(
            f'<text x="{x:.1f}" y="{HEIGHT - MARGIN_BOTTOM + 16}" text-anchor="middle">'
            f"{escape(_axis_label(label, slot))}</text>"
        )
    return parts


def _legend(series: Sequence[Series]) -> list[str]:
    parts = []
    x = MARGIN_LEFT
    for index, (name, _values) in enumerate(series):
        colour = COLOURS[index % len(COLOURS)]
        parts.append(
            f'<rect x="{x}" y="{HEIGHT - 18}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{x + 14}" y="{HEIGHT - 9}">{escape(name)}</text>'
        )
        x += 24 + 7 * len(name)
    return parts


def _description(summary: str, labels: Sequence[str], series: Sequence[Series]) -> str:
    lines = [summary]
    for name, values in series:
        points = ", ".join(
            f"{label} : {_number(value)}" for label, value in zip(labels, values, strict=True)
        )
        lines.append(f"{name} — {points}.")
    return " ".join(lines)


def _chart(
    *, chart_id: str, title: str, summary: str, labels: Sequence[str], series: Sequence[Series]
) -> tuple[list[str], float, float, float]:
    """A chart's frame, and what its marks are placed by: top value, inner height, slot."""
    top = _scale_max(series)
    parts = _frame(
        chart_id=chart_id,
        title=title,
        description=_description(summary, labels, series),
        labels=labels,
        top=top,
    )
    inner_height = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    slot = (WIDTH - MARGIN_LEFT - MARGIN_RIGHT) / max(len(labels), 1)
    return parts, top, inner_height, slot


def bar_chart(
    *,
    chart_id: str,
    title: str,
    summary: str,
    labels: Sequence[str],
    series: Sequence[Series],
) -> str:
    """Bars side by side for each label, one colour per series."""
    parts, top, inner_height, slot = _chart(
        chart_id=chart_id, title=title, summary=summary, labels=labels, series=series
    )
    bar = slot * 0.8 / max(len(series), 1)
    for s, (name, values) in enumerate(series):
        colour = COLOURS[s % len(COLOURS)]
        for index, value in enumerate(values):
            height = inner_height * max(value, 0) / top
            x = MARGIN_LEFT + slot * index + slot * 0.1 + bar * s
            y = MARGIN_TOP + inner_height - height
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{height:.1f}" '
                f'fill="{colour}"><title>{escape(f"{name}, {labels[index]} : {_number(value)}")}'
                "</title></rect>"
            )
    parts += _legend(series) if len(series) > 1 else []
    parts.append("</svg>")
    return "".join(parts)


def line_chart(
    *,
    chart_id: str,
    title: str,
    summary: str,
    labels: Sequence[str],
    series: Sequence[Series],
) -> str:
    """One line per series, a dot at each label."""
    parts, top, inner_height, slot = _chart(
        chart_id=chart_id, title=title, summary=summary, labels=labels, series=series
    )
    for s, (name, values) in enumerate(series):
        colour = COLOURS[s % len(COLOURS)]
        points = [
            (MARGIN_LEFT + slot * (index + 0.5), MARGIN_TOP + inner_height * (1 - value / top))
            for index, value in enumerate(values)
        ]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        parts.append(
            f'<polyline points={quoteattr(path)} fill="none" stroke="{colour}" stroke-width="2"/>'
        )
        for (x, y), label, value in zip(points, labels, values, strict=True):
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}">'
                f"<title>{escape(f'{name}, {label} : {_number(value)}')}</title></circle>"
            )
    parts += _legend(series) if len(series) > 1 else []
    parts.append("</svg>")
    return "".join(parts)
