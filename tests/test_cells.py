"""Cells typed the way people type them become exact Decimals and periods."""
import datetime as dt
from decimal import Decimal as D

import pytest

from kpi_reports.workbook.cells import CellError, a1, number, period


@pytest.mark.parametrize("text, value", [
    ("3 000 000", "3000000"), ("3\u00a0000\u00a0000 руб.", "3000000"), ("142 500 ₽", "142500"),
    ("2,1%", "0.021"), ("0.021", "0.021"), ("1,234,567.89", "1234567.89"), ("12,5", "12.5"),
    ("100 р.", "100"), ("5000 RUB", "5000"), ("−5", "-5"), ("40 %", "0.4"), (" 7 ", "7"),
])
def test_numbers_typed_as_text(text, value):
    assert number(text) == D(value)


def test_float_cell_becomes_its_shortest_decimal():
    assert number(0.021) == D("0.021")
    assert number(0.021) / number(0.02) == D("1.05")
    assert number(3000000.0) == D(3000000)


@pytest.mark.parametrize("value", ["n/a", "12abc", "1.2.3", "", "--5", True, dt.date(2026, 1, 1), "5 USD"])
def test_anything_else_is_not_a_number(value):
    with pytest.raises(CellError):
        number(value)


@pytest.mark.parametrize("value, text", [
    ("2026-10", "2026-10"), ("2026-1", "2026-01"), ("2026-10-15", "2026-10"), ("10.2026", "2026-10"),
    ("01.10.2026", "2026-10"), (dt.date(2026, 10, 31), "2026-10"), (dt.datetime(2026, 10, 1, 0, 0), "2026-10"),
])
def test_periods(value, text):
    assert period(value) == text


@pytest.mark.parametrize("value", ["2026-13", "October", "26-10", "2026/10/01", 202610])
def test_bad_periods(value):
    with pytest.raises(CellError):
        period(value)


def test_a1_names():
    assert (a1(0, 0), a1(6, 3), a1(9, 26), a1(0, 701), a1(0, 702)) == ("A1", "D7", "AA10", "ZZ1", "AAA1")
