"""File-level rules of §2/§5: type, size, name, municipality, window, encoding, header, fields, reading details."""

from __future__ import annotations

import dataclasses

import pytest

from cbs_monitor import dutch
from cbs_monitor.protocol import SPEC_WMO_V1, ValidationContext, archive, validate_upload
from tests.protocol.conftest import (
    NAME,
    check,
    codes,
    context,
    finding,
    make_file,
    record,
    valid_rows,
)


def test_extension_is_refused():
    result = check(b"x", name="WMO_0363_2026H1_20260815.xlsx")
    assert result.refused and result.status == "Geweigerd" and codes(result) == {"F001"}
    assert "lever een .csv-, .txt- of .zip-bestand aan" in result.findings[0].message


def test_size_limit_comes_from_the_context_and_names_both_sizes():
    data = make_file(valid_rows(60))
    assert len(data) > 5000
    result = check(data, max_upload_bytes=5000)
    assert result.refused and result.status == "Geweigerd" and codes(result) == {"F002"}
    message = result.findings[0].message
    assert f"({dutch.number(len(data))} bytes)" in message
    assert "de grens is 4,9 kB (5.000 bytes)" in message
    assert not check(make_file(valid_rows(10)), max_upload_bytes=5000).refused
    # The spec's limit is only the default: a larger one in the context lets the file in.
    spec = dataclasses.replace(SPEC_WMO_V1, max_upload_bytes=10)
    assert check(data, spec=spec).approved
    assert ValidationContext().max_upload_bytes == SPEC_WMO_V1.max_upload_bytes


def test_the_limit_in_the_message_is_the_one_in_use():
    limit = 2_621_440
    result = check(b"x" * (limit + 1), max_upload_bytes=limit)
    assert "de grens is 2,5 MB (2.621.440 bytes)" in result.findings[0].message
    result = check(b"x" * 3001, max_upload_bytes=3000)
    assert "de grens is 2,9 kB (3.000 bytes)" in result.findings[0].message


@pytest.mark.parametrize(
    "name",
    [
        "data.csv",
        "WMO_363_2026H1_20260815.csv",
        "WMO_0363_2026H3_20260815.csv",
        "WMO_0363_2026H1_2026081.csv",
        "WMO_0363_0000H1_20260815.csv",
    ],
)
def test_a_wrong_name_gets_a_full_report(name):
    rows = valid_rows(30)
    rows[1] = record(1, BSN="123456783")
    result = check(make_file(rows), name=name)
    assert not result.refused and result.status == "Afgekeurd" and not result.name_valid
    assert codes(result) == {"F003", "R004"} and result.records_read == 30
    assert result.municipality_code is None and result.period_code is None
    assert result.figures_by_period == {} and result.records_out_of_period == 0


def test_a_wrong_name_is_checked_against_the_fallbacks():
    rows = valid_rows(4)
    rows[1] = record(1, Gemeentecode="0014")
    rows[2] = record(2, Periode="2025H2")
    result = check(
        make_file(rows),
        name="gegevens.csv",
        fallback_municipality_code="0363",
        fallback_period_code="2026H1",
    )
    assert result.status == "Afgekeurd" and codes(result) == {"F003", "F034", "F035"}
    assert result.municipality_code is None and result.period_code is None
    assert result.period_codes == ["2026H1"] and result.figures is None
    f034 = finding(result, "F034")
    assert f034.lines == [3] and "0363, de gemeente waarvoor is aangeleverd" in f034.message
    assert finding(result, "F035").lines == [4]
    figures = result.figures_by_period["2026H1"]
    # F034/F035 are file-level: the verdict is Afgekeurd, the rows themselves are not in error.
    assert figures.municipality_code == "0363" and figures.records_used == 4


def test_the_extension_is_refused_before_the_name_is_read():
    result = check(make_file(valid_rows(3)), name="WMO_0363_2026H1_20260815.csv.exe.csv2")
    assert result.refused and codes(result) == {"F001"}


def test_name_is_case_insensitive_and_txt_is_accepted(valid_file):
    assert check(valid_file, name="wmo_0363_2026h1_20260815.TXT").status == "Goedgekeurd"
    assert check(valid_file, name="C:\\fakepath\\" + NAME).status == "Goedgekeurd"


def test_unknown_municipality_in_name_gets_a_full_report():
    data = make_file([record(i, Gemeentecode="9999") for i in range(3)])
    result = check(data, name="WMO_9999_2026H1_20260815.csv")
    assert not result.refused and result.status == "Afgekeurd"
    assert codes(result) == {"F004"} and "9999" in result.findings[0].message
    assert result.municipality_code is None and result.period_code == "2026H1"
    assert result.records_read == 3 and not result.name_valid
    # With a fallback, the rows are compared with it.
    result = check(data, name="WMO_9999_2026H1_20260815.csv", fallback_municipality_code="0363")
    assert codes(result) == {"F004", "F034"} and finding(result, "F034").count == 3


@pytest.mark.parametrize(
    ("name", "says"),
    [
        (
            "WMO_0363_2026H1_20260231.csv",
            "De aanmaakdatum 20260231 in de bestandsnaam is geen bestaande datum.",
        ),
        (
            "WMO_0363_2026H1_20260902.csv",
            "De aanmaakdatum 02-09-2026 in de bestandsnaam ligt na de dag van aanleveren (01-09-2026).",
        ),
    ],
)
def test_created_date_says_which_rule_it_breaks(name, says):
    result = check(make_file(valid_rows(3)), name=name)
    assert not result.refused and result.status == "Afgekeurd"
    assert finding(result, "F005").message == says
    assert result.municipality_code == "0363" and result.period_code == "2026H1"
    assert result.records_read == 3 and not result.name_valid


def test_not_allowed_for_that_municipality_is_refused(valid_file):
    result = check(valid_file, allowed_municipality_codes=frozenset({"0014"}))
    assert result.refused and result.status == "Geweigerd" and codes(result) == {"F006"}
    assert (
        result.findings[0].message
        == "U mag geen bestanden aanleveren voor gemeente 0363 Amsterdam."
    )
    assert result.records_read == 0 and result.files == []
    assert check(valid_file, allowed_municipality_codes=frozenset({"0363"})).approved


def test_the_name_decides_the_municipality_not_the_fallback(valid_file):
    """A coordinator may deliver for a member other than the one selected (the fallback)."""
    result = check(
        valid_file,
        allowed_municipality_codes=frozenset({"0014", "0363"}),
        fallback_municipality_code="0014",
    )
    assert result.approved and result.municipality_code == "0363"


def test_a_bad_name_under_a_fallback_the_uploader_may_not_deliver_for_is_refused(valid_file):
    result = check(
        valid_file,
        name="gegevens.csv",
        allowed_municipality_codes=frozenset({"0014"}),
        fallback_municipality_code="0363",
    )
    assert result.refused and codes(result) == {"F006"}


def test_delivery_window_closed_gets_a_full_report(valid_file):
    result = check(valid_file, open_period_codes=frozenset({"2026H2"}))
    assert not result.refused and result.status == "Afgekeurd" and codes(result) == {"F007"}
    assert result.records_read == 30 and result.name_valid
    assert check(valid_file, open_period_codes=frozenset({"2026H1"})).approved


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b"\r\n\r\n"])
def test_empty_file(data):
    result = check(data)
    assert codes(result) == {"F030"} and result.status == "Afgekeurd" and not result.refused


def test_header_only_is_empty():
    assert codes(check(make_file([]))) == {"F030"}


def test_not_utf8_names_the_first_bad_line():
    data = make_file(valid_rows(5)).replace(b"T000002", "T00000\u00e9".encode("latin-1"))
    result = check(data)
    found = finding(result, "F031")
    assert found.lines == [4] and "regel 4" in found.message and result.status == "Afgekeurd"


def test_bom_crlf_lf_and_quoting_give_the_same_result():
    rows = valid_rows(30)
    rows[4] = record(4, BSN="123456783")
    results = [
        check(make_file(rows, eol=eol, bom=bom, quote_all=quote))
        for eol in ("\r\n", "\n")
        for bom in (False, True)
        for quote in (False, True)
    ]
    for result in results:
        assert result.status == "Goedgekeurd"
        assert [(f.code, f.lines) for f in result.findings] == [("R004", [6])]


def test_quoted_separator_and_line_break_inside_a_field():
    rows = valid_rows(30)
    data = make_file(rows, quote_all=True)
    data = data.replace(b'"T000001"', b'"T;01"').replace(b'"T000002"', b'"T\r\n02"')
    result = check(data)
    assert result.records_read == 30
    assert result.findings and {f.code for f in result.findings} == {"R002"}
    found = finding(result, "R002", "Toewijzingsnummer")
    assert found.lines == [4]  # "T\r\n02" holds a control character; "T;01" is fine
    # Records after the embedded line break keep their real line numbers.
    rows[4] = record(4, BSN="123456783")
    data = make_file(rows, quote_all=True).replace(b'"T000002"', b'"T\n02"')
    assert finding(check(data), "R004").lines == [7]


def test_escaped_quotes_are_read_as_text():
    data = make_file(valid_rows(3), quote_all=True).replace(b'"T000001"', b'"T""1"')
    result = check(data)
    assert result.records_read == 3 and result.status == "Goedgekeurd"
    assert not result.findings


def test_header_must_match():
    header = list(SPEC_WMO_V1.column_names)
    header[3] = "Burgerservicenummer"
    result = check(make_file(valid_rows(3), header=header))
    found = finding(result, "F032")
    assert found.lines == [1] and result.status == "Afgekeurd"
    assert found.message == (
        "De kopregel is niet correct: kolom 4 heet `Burgerservicenummer`, verwacht `BSN`."
    )
    assert result.records_read == 3


def test_header_is_case_insensitive_and_ignores_spaces():
    header = [f" {name.upper()} " for name in SPEC_WMO_V1.column_names]
    assert check(make_file(valid_rows(3), header=header)).findings == []


def test_missing_header_is_reported_without_echoing_the_row():
    rows = valid_rows(3)
    data = make_file(rows).split(b"\r\n", 1)[1]
    result = check(data)
    assert "F032" in codes(result)
    assert rows[0]["BSN"] not in str(result.to_dict())


def test_wrong_field_count_lines():
    data = make_file(valid_rows(6)).split(b"\r\n")
    data[3] = data[3] + b";extra"
    data[5] = data[5].rsplit(b";", 2)[0]
    result = check(b"\r\n".join(data))
    found = finding(result, "F033")
    assert found.lines == [4, 6] and found.count == 2 and result.status == "Afgekeurd"
    assert result.records_read == 6 and result.records_with_errors == 2


def test_blank_lines_are_skipped_but_counted():
    rows = valid_rows(4)
    rows[2] = record(2, BSN="123456783")
    data = make_file(rows).replace(b"\r\n", b"\r\n\r\n", 2)
    result = check(data)
    assert result.records_read == 4 and finding(result, "R004").lines == [6]


def test_no_final_line_end():
    rows = valid_rows(3)
    rows[2] = record(2, BSN="123456783")
    result = check(make_file(rows).rstrip(b"\r\n"))
    assert finding(result, "R004").lines == [4]


def test_small_blocks_give_the_same_findings(monkeypatch):
    """A ZIP entry is read in blocks; cutting inside quoted fields must not change anything."""
    from tests.protocol.conftest import make_zip

    rows = valid_rows(50)
    for i in (3, 17, 33, 49):
        rows[i] = record(i, BSN="123456783")
    data = make_file(rows, quote_all=True).replace(b'"T000020"', b'"T\n20"')
    whole = check(make_zip([(NAME, data)]), name="x.zip")
    monkeypatch.setattr(archive, "BLOCK_SIZE", 97)
    pieces = check(make_zip([(NAME, data)]), name="x.zip")
    assert [(f.code, f.column, f.lines, f.count) for f in pieces.findings] == [
        (f.code, f.column, f.lines, f.count) for f in whole.findings
    ]
    assert finding(whole, "R004").lines == [5, 19, 36, 52]


def test_internal_errors_become_a_finding_without_data(monkeypatch, valid_file):
    from cbs_monitor.protocol import validator

    def boom(*args, **kwargs):
        raise RuntimeError("123456782 leaked")

    monkeypatch.setattr(validator, "open_sources", boom)
    result = validate_upload(NAME, valid_file, context=context())
    assert codes(result) == {"F099"} and "123456782" not in str(result.to_dict())
