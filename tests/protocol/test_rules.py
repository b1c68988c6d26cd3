"""Every record rule and warning of §5: one file that breaks it and the valid file that does not."""

from __future__ import annotations

import pytest

from cbs_monitor.protocol import SPEC_WMO_V1
from tests.protocol.conftest import check, codes, finding, make_file, record, valid_rows

# (code, column, fields that break the rule in record 3 (file line 5))
BROKEN = [
    *[
        ("R001", name, {name: ""})
        for name in (
            "Gemeentecode",
            "Aanmaakdatum_bestand",
            "Periode",
            "BSN",
            "Type_maatwerkarrangement",
            "Leveringsvorm",
        )
    ],
    ("R002", "Gemeentecode", {"Gemeentecode": "363"}),
    ("R002", "Periode", {"Periode": "2026H3"}),
    ("R002", "BSN", {"BSN": "12345678"}),
    ("R002", "BSN", {"BSN": "12345678A"}),
    ("R002", "Toewijzingsnummer", {"Toewijzingsnummer": "X" * 21}),
    ("R002", "Productcode", {"Productcode": "02A0"}),
    ("R002", "Omvang_volume", {"Omvang_volume": "1234567"}),
    ("R002", "Omvang_volume", {"Omvang_volume": "2,5"}),
    ("R003", "Aanmaakdatum_bestand", {"Aanmaakdatum_bestand": "20260231"}),
    ("R003", "Beoogde_startdatum", {"Beoogde_startdatum": "2026-01-01"}),
    ("R003", "Beoogde_einddatum", {"Beoogde_einddatum": "20261301"}),
    ("R003", "Datum_start_ondersteuning", {"Datum_start_ondersteuning": "2026015"}),
    ("R003", "Einddatum_ondersteuning", {"Einddatum_ondersteuning": "20260631"}),
    ("R004", "BSN", {"BSN": "123456783"}),
    ("R004", "BSN", {"BSN": "000000000"}),
    ("R005", "Type_maatwerkarrangement", {"Type_maatwerkarrangement": "19", "Productcode": ""}),
    ("R005", "Leveringsvorm", {"Leveringsvorm": "zin"}),
    ("R005", "Type_aanbieder", {"Type_aanbieder": "05"}),
    ("R005", "Omvang_eenheid", {"Omvang_eenheid": "02"}),
    ("R005", "Beschikte_frequentie", {"Beschikte_frequentie": "3"}),
    (
        "R005",
        "Reden_beeindiging",
        {"Einddatum_ondersteuning": "20260301", "Reden_beeindiging": "06"},
    ),
    ("R006", "Beoogde_einddatum", {"Beoogde_einddatum": "20251231"}),
    ("R006", "Einddatum_ondersteuning", {"Einddatum_ondersteuning": "20260104"}),
    ("R007", "Productcode", {"Productcode": "03A01"}),
    ("R008", "Reden_beeindiging", {"Reden_beeindiging": "01"}),
    ("R009", None, {"Beoogde_startdatum": "", "Datum_start_ondersteuning": ""}),
    (
        "R010",
        "Datum_start_ondersteuning",
        {"Datum_start_ondersteuning": "20141231", "Beoogde_startdatum": "20141201"},
    ),
    ("R011", "Omvang_volume", {"Omvang_volume": ""}),
    ("R011", "Omvang_volume", {"Omvang_volume": "0"}),
    ("R012", "Aanmaakdatum_bestand", {"Aanmaakdatum_bestand": "20260814"}),
    ("F034", "Gemeentecode", {"Gemeentecode": "0014"}),
    ("F035", "Periode", {"Periode": "2026H2"}),
    (
        "W001",
        None,
        {
            "Datum_start_ondersteuning": "20250101",
            "Beoogde_startdatum": "20250101",
            "Einddatum_ondersteuning": "20251231",
            "Reden_beeindiging": "01",
        },
    ),
    ("W004", "Einddatum_ondersteuning", {"Einddatum_ondersteuning": "20260820"}),
    ("W005", "Omvang_volume", {"Omvang_eenheid": "", "Beschikte_frequentie": ""}),
]


def test_the_valid_file_has_no_findings(valid_file):
    result = check(valid_file)
    assert result.status == "Goedgekeurd"
    assert result.findings == []
    assert (result.records_read, result.records_valid, result.records_with_errors) == (30, 30, 0)
    assert result.figures.records_used == 30


@pytest.mark.parametrize(
    ("code", "column", "fields"),
    BROKEN,
    ids=[f"{c}-{col}-{i}" for i, (c, col, _) in enumerate(BROKEN)],
)
def test_each_rule_is_found_with_line_and_column(code, column, fields):
    rows = valid_rows()
    rows[3] = record(3, **fields)
    result = check(make_file(rows))
    found = finding(result, code, column)
    assert found is not None, [f.describe() for f in result.findings]
    assert found.lines == [5] and found.count == 1
    assert found.column == column
    rule_codes = {r.code for r in SPEC_WMO_V1.rules} | {
        c for c, _ in SPEC_WMO_V1.file_checks.values()
    }
    assert found.code in rule_codes
    if code.startswith("R"):
        assert found.severity == "fout" and found.level == "record"
        assert result.records_with_errors == 1
        assert result.status == "Goedgekeurd"  # 1 of 30 is under the 5% threshold
        assert result.figures.records_used == 29
    elif code.startswith("F"):
        assert found.level == "bestand" and result.status == "Afgekeurd" and not result.refused
    else:
        assert found.severity == "waarschuwing" and result.status == "Goedgekeurd"


def test_out_of_period_records_are_counted_not_used():
    rows = valid_rows()
    rows[0] = record(0, Datum_start_ondersteuning="20260701", Beoogde_startdatum="20260701")
    result = check(make_file(rows))
    assert result.records_out_of_period == 1
    assert result.figures.records_used == 29
    assert finding(result, "W001").lines == [2]


def test_exact_duplicate_rows_warn_on_the_later_line():
    rows = valid_rows()
    rows[10] = dict(rows[2])
    result = check(make_file(rows))
    assert finding(result, "W002").lines == [12]
    assert "W003" not in codes(result)  # an exact duplicate is not also reported as a repeated key


def test_same_client_category_and_start_twice():
    rows = valid_rows()
    rows[10] = record(2, Toewijzingsnummer="OTHER")
    result = check(make_file(rows))
    assert finding(result, "W003").lines == [12]
    assert "W002" not in codes(result)
    # One record is one arrangement: a pair that differs in anything is never merged.
    assert result.figures.arrangements == 30 and result.figures.records_used == 30


def test_the_start_falls_back_to_the_planned_start():
    rows = valid_rows()
    rows[0] = record(0, Datum_start_ondersteuning="")
    result = check(make_file(rows))
    assert result.findings == []


def test_first_ten_lines_and_full_count():
    rows = [record(i, BSN="111111111") if i % 2 else record(i) for i in range(40)]
    result = check(make_file(rows))
    found = finding(result, "R004", "BSN")
    assert found.count == 20
    assert found.lines == [3, 5, 7, 9, 11, 13, 15, 17, 19, 21]
    assert found.describe().startswith(
        "Regels 3, 5, 7, 9, 11, 13, 15, 17, 19, 21 (en 10 meer), kolom BSN: het BSN"
    )


def test_describe_reads_like_the_issue_example():
    rows = valid_rows()
    rows[3] = record(3, BSN="123456783")
    found = finding(check(make_file(rows)), "R004")
    assert found.describe() == "Regel 5, kolom BSN: het BSN voldoet niet aan de elfproef."


@pytest.mark.parametrize(("bad", "status"), [(1, "Goedgekeurd"), (2, "Afgekeurd")])
def test_error_threshold(bad, status):
    rows = valid_rows(30)  # 1/30 = 3.3% passes, 2/30 = 6.7% exceeds 5%
    for i in range(bad):
        rows[i] = record(i, Leveringsvorm="")
    result = check(make_file(rows))
    assert result.status == status
    assert ("F040" in codes(result)) == (status == "Afgekeurd")


def test_threshold_is_configurable():
    rows = valid_rows(30)
    rows[0] = record(0, Leveringsvorm="")
    assert check(make_file(rows), error_threshold_percent=1.0).status == "Afgekeurd"


def test_record_error_in_an_out_of_period_record_is_an_error_not_a_warning():
    rows = valid_rows()
    rows[0] = record(
        0,
        Datum_start_ondersteuning="20250101",
        Beoogde_startdatum="20250101",
        Einddatum_ondersteuning="20251231",
        Reden_beeindiging="77",
    )
    result = check(make_file(rows))
    assert "R005" in codes(result) and "W001" not in codes(result)
