"""The payslip view (layout/payslip_view.py) is the one place a payslip's words and figures come from: the
Payslips sheet and the printed PDF both draw from it, so they cannot disagree."""
from decimal import Decimal

import pytest

import kpi_reports
from kpi_reports.layout.payslip_view import payslip_views
from kpi_reports.layout.payslips import payslips
from kpi_reports.names import a1

from conftest import SAMPLES


def _rc(ref: str) -> tuple[int, int]:
    letters = "".join(ch for ch in ref if ch.isalpha())
    col = 0
    for ch in letters:
        col = col * 26 + ord(ch) - 64
    return int(ref[len(letters):]) - 1, col - 1


@pytest.mark.parametrize("lang, name", [("en", "sales_team.xlsx"), ("ru", "sales_team_ru.xlsx")])
@pytest.mark.parametrize("test_mode", [False, True])
def test_every_figure_and_text_of_the_view_is_the_sheets_cached_value(lang, name, test_mode):
    wb = kpi_reports.load(SAMPLES / name)
    report = kpi_reports.period_report(wb, "2026-10", test_mode=test_mode)
    [sheet] = payslips(report, lang, wb.settings.company)
    cells = {(c.row, c.col): c.value for c in sheet.cells}
    views = payslip_views(report, lang, wb.settings.company)
    assert len(views) == len(report.result.employees) == len(sheet.anchors)
    for v in views:
        refs = sheet.anchors[v.employee_id]
        [(top, _)] = [k for k, value in cells.items() if value == f"{v.name} ({v.employee_id})"]
        assert cells[top - 1, 0] == v.title
        assert cells[top, 5] == v.position and cells[top + 1, 1] == v.team
        assert cells[top + 1, 5] == v.bonus_target.value
        if test_mode:
            assert cells[top - 2, 0] == v.banner != ""
        else:
            assert v.banner == ""
        for k in v.kpis:
            row, _ = _rc(refs[f"kpi:{k.kpi}"])
            shown = [cells[row, col] for col in range(8)]
            expected = [k.title, k.group, k.plan.value, k.fact.value,
                        k.completion.value if k.completion.value is not None else "", k.weight.value, k.rule,
                        k.payout.value]
            assert shown == expected, v.employee_id
        salary_row, _ = _rc(refs["salary"])
        c = v.commission
        assert v.commission_shown == (v.employee_id != "H001")  # the head is paid no commission
        if v.commission_shown:
            assert [cells[salary_row - 2, col] for col in range(2, 8)] == [x.figure.value for x in c.columns]
            assert [cells[salary_row - 3, col] for col in range(2, 8)] == [x.label for x in c.columns]
        else:  # no commission block: the KPI table, a gap, then the pay lines
            assert cells[salary_row - 2, 0] == v.kpis[-1].title
        assert [x.key for x in c.columns] == ["plan", "fact", "base", "margin_share", "rate", "commission"]
        for line, key in zip(v.pay, ("salary", "bonus", "commission", "total"), strict=True):
            row, col = _rc(refs[key])
            assert cells[row, col] == line.amount.value and cells[row, col - 1] == line.label
        for t in v.weak_spots:
            assert "• " + t in cells.values()


def test_the_views_are_in_the_summarys_order_and_format_money_with_babel():
    wb = kpi_reports.load(SAMPLES / "sales_team.xlsx")
    report = kpi_reports.period_report(wb, "2026-10")
    views = payslip_views(report, "ru", wb.settings.company)
    assert [v.employee_id for v in views] == [r.employee.employee_id for _, team in report.result.by_team
                                              for r in team]
    assert views[0].team == "Hunters" and views[-1].team == "Sales department"
    ivanov = next(v for v in views if v.employee_id == "E001")
    assert ivanov.pay[-1].amount.value == Decimal("119800.00")
    assert ivanov.pay[-1].amount.text == "119\xa0800,00\xa0₽"
    data = ivanov.data()
    assert data["pay"][-1]["amount"] == {"value": "119800.00", "text": "119\xa0800,00\xa0₽"}


def test_a1_round_trips():
    assert _rc(a1(11, 7)) == (11, 7)
