"""Op-orde figures: one record one arrangement, independent of row order, and the full comparison."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from cbs_monitor.protocol import build_readiness
from cbs_monitor.protocol.readiness import (
    APPEARED,
    CHANGED,
    FELL_TO_ZERO,
    ReadinessResult,
    figure_lines,
)
from cbs_monitor.reports.readiness_xlsx import write_readiness_report
from tests.protocol.conftest import check, codes, finding, make_file, record, valid_rows


def zin_ended_and_pgb_running():
    """Two records of one client, category and start: ZIN ended in the period, PGB running."""
    zin = record(
        100, Leveringsvorm="ZIN", Einddatum_ondersteuning="20260301", Reden_beeindiging="01"
    )
    pgb = record(100, Leveringsvorm="PGB", Toewijzingsnummer="T-PGB")
    return zin, pgb


def test_row_order_does_not_change_the_figures():
    zin, pgb = zin_ended_and_pgb_running()
    rows = valid_rows(20)
    first = check(make_file([*rows, zin, pgb]))
    swapped = check(make_file([*rows, pgb, zin]))
    assert first.figures.to_dict() == swapped.figures.to_dict()
    figures = first.figures
    # Both records count: the client has ZIN and PGB, one arrangement ended, one running.
    assert figures.arrangements == figures.records_used == 22
    assert figures.financing["both"] == 1
    assert figures.flows["ended"] == {"arrangements": 1, "clients": 1}
    assert figures.flows["running"]["arrangements"] == 21
    assert figures.ended_by_reason["01"] == 1
    # The pair is a warning, on the second of the two lines, not a merge.
    assert finding(first, "W003").lines == [23] and first.approved


def test_exact_duplicates_count_once_and_the_totals_reconcile():
    rows = valid_rows(20)
    result = check(make_file([*rows, rows[3], rows[3], rows[7]]))
    assert finding(result, "W002").count == 3 and "W003" not in codes(result)
    figures = result.figures
    assert figures.records_used == 23 and figures.duplicate_records == 3
    assert figures.arrangements == 20 == figures.records_used - figures.duplicate_records
    readiness = build_readiness(figures, None, None, population=None)
    note = next(n for n in readiness.notes if n["term"] == "Maatwerkarrangementen")
    assert "23 records gebruikt − 3 dubbele regels = 20 maatwerkarrangementen" in note["text"]


def test_an_end_date_on_the_last_day_counts_as_ended_and_the_report_says_so():
    rows = valid_rows(10)
    rows[0] = record(0, Einddatum_ondersteuning="20260630", Reden_beeindiging="02")
    rows[1] = record(1, Einddatum_ondersteuning="20260701", Reden_beeindiging="02")
    figures = check(make_file(rows)).figures
    assert figures.flows["ended"]["arrangements"] == 1
    assert figures.flows["running"]["arrangements"] == 9
    readiness = build_readiness(figures, None, None, population=None)
    running = next(n for n in readiness.notes if n["term"].startswith("Lopend"))
    assert (
        "Een einddatum op 30-06-2026 zelf telt als beëindigd, niet als lopend." in running["text"]
    )
    again = ReadinessResult.from_dict(readiness.to_dict())
    assert again.notes == readiness.notes
    # Stored before the notes existed: they are made from the figures.
    old = readiness.to_dict()
    del old["notes"]
    assert ReadinessResult.from_dict(old).notes == readiness.notes


def test_all_69_figures_are_compared():
    figures = check(make_file(valid_rows(10))).figures
    lines = figure_lines(figures)
    assert len(lines) == 69 and len({(s, label) for s, label, _ in lines}) == 69
    sections = {s for s, _, _ in lines}
    assert {
        "Arrangementen per hoofdgroep",
        "Instroom en uitstroom (cliënten)",
        "Beëindigd per reden (arrangementen)",
    } <= sections
    compared = build_readiness(figures, figures, figures, population=None)
    assert len(compared.comparisons) == 69 and not compared.flagged


def test_falling_to_zero_and_appearing_from_zero_are_marked_apart():
    before = check(make_file(valid_rows(10))).figures
    rows = valid_rows(10)
    rows[0] = record(0, Einddatum_ondersteuning="20260301", Reden_beeindiging="03")
    rows[1] = record(1, Type_maatwerkarrangement="15", Productcode="")
    after = check(make_file(rows)).figures
    result = build_readiness(after, before, None, population=None)

    def row(section, label):
        return next(r for r in result.comparisons if r.section == section and r.label == label)

    appeared = row("Beëindigd per reden (arrangementen)", "03 Overleden")
    assert appeared.flagged and appeared.marker == APPEARED
    assert appeared.previous_change_percent is None and "nieuw" in appeared.reason
    fallen = check(make_file(valid_rows(10))).figures
    back = build_readiness(fallen, after, None, population=None)
    gone = next(
        r
        for r in back.comparisons
        if r.section == "Arrangementen per hoofdgroep" and r.label == "Verblijf en opvang"
    )
    assert gone.flagged and gone.marker == FELL_TO_ZERO and "gedaald naar 0" in gone.reason
    moved = row("Instroom en uitstroom (cliënten)", "Beëindigd in de periode")
    assert moved.marker == APPEARED
    total = row("Totaal", "Unieke cliënten")
    assert not total.flagged and total.marker == ""
    big = check(make_file(valid_rows(20))).figures
    grown = build_readiness(big, before, None, population=None)
    assert next(r for r in grown.comparisons if r.label == "Unieke cliënten").marker == CHANGED
    assert (
        "+100% t.o.v. vorig halfjaar"
        in next(r for r in grown.comparisons if r.label == "Unieke cliënten").reason
    )


def test_the_readiness_xlsx_shows_markers_duplicates_and_how_it_counts():
    before = check(make_file(valid_rows(10))).figures
    rows = valid_rows(10)
    rows[1] = record(1, Type_maatwerkarrangement="15", Productcode="")
    after = check(make_file([*rows, rows[4]])).figures
    result = build_readiness(after, before, None, population=None)
    workbook = load_workbook(
        io.BytesIO(
            write_readiness_report(result, municipality_name="Amsterdam", period_code="2026H1")
        )
    )
    summary = workbook["Op-orde rapport"]
    pairs = {
        summary.cell(row=r, column=1).value: summary.cell(row=r, column=2).value
        for r in range(1, summary.max_row + 1)
    }
    assert pairs["Dubbele regels (één keer geteld)"] == 1
    assert pairs["Drempel voor een opvallende verandering"] == "20%"
    assert "Hoe er geteld is" in pairs
    assert "telt als beëindigd, niet als lopend" in pairs["Lopend aan het eind van de periode"]
    comparison = workbook["Vergelijking"]
    marks = {(r[0].value, r[1].value): r[9].value for r in comparison.iter_rows(min_row=2)}
    assert marks[("Arrangementen per hoofdgroep", "Verblijf en opvang")] == "Nieuw"
    assert comparison.max_row == 70
