"""The shared CSV writer: a byte order mark, French Excel's separator, formulas kept text."""

import datetime as dt
from decimal import Decimal

import pytest

from imago import csv_export


@pytest.mark.parametrize(
    "evil",
    ['=HYPERLINK("http://example.com/","x")', "+33 1 23", "-2+3", "@SUM(A1)", "\tx", "\rx"],
)
def test_a_text_cell_starting_like_a_formula_is_quoted(evil):
    assert csv_export.text_cell(evil) == f"'{evil}"


def test_other_text_and_numbers_are_kept_as_they_are():
    text = csv_export.spreadsheet_text(
        [["L’IRM", -3, Decimal("-1.5"), dt.date(2026, 9, 1), None, "a;b"]], separator=";"
    )

    assert text == '\ufeffL’IRM;-3;-1,5;2026-09-01;;"a;b"\r\n'


def test_with_commas_decimals_keep_their_point():
    text = csv_export.spreadsheet_text([["x", Decimal("46.00")]], separator=",")

    assert text == "\ufeffx,46.00\r\n"


@pytest.mark.parametrize(("name", "separator"), [(None, ";"), ("semicolon", ";"), ("comma", ",")])
def test_the_sep_parameter(name, separator):
    assert csv_export.separator_for(name) == separator


def test_an_unknown_sep_is_refused():
    with pytest.raises(ValueError, match="semicolon"):
        csv_export.separator_for("tab")
