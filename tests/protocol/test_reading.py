"""Reading odd files right: long fields, unclosed quotes, line ends, and headers that are almost right."""

from __future__ import annotations

import zipfile

import pytest

from cbs_monitor.protocol import SPEC_WMO_V1, archive, generate_sample
from cbs_monitor.protocol.tabular import Chunk, parse_chunk, parse_with_csv, split_header
from tests.protocol.conftest import (
    COLUMNS,
    NAME,
    check,
    codes,
    finding,
    make_file,
    make_zip,
    record,
    valid_rows,
)

LONG = "x" * 140_000  # beyond the csv module's default field-size limit of 131 072


def summary(result):
    return (
        result.status,
        result.records_read,
        result.records_with_errors,
        [(f.code, f.column, f.lines, f.count, f.message) for f in result.findings],
    )


# -- the verdict does not depend on quoting ------------------------------------------------------


def test_a_long_field_gives_the_same_verdict_with_or_without_a_quoted_separator():
    rows = valid_rows(60)
    rows[49] = record(49, Toewijzingsnummer=LONG)  # line 51
    plain = make_file(rows)
    rows[1] = record(1, Toewijzingsnummer="T;01")
    quoted = make_file(rows).replace(b";T;01;", b';"T;01";')
    assert b'"T;01"' in quoted
    results = [check(plain), check(quoted)]
    for result in results:
        assert result.status == "Goedgekeurd" and result.records_read == 60
        assert [(f.code, f.column, f.lines) for f in result.findings] == [
            ("R002", "Toewijzingsnummer", [51])
        ]
    assert summary(results[0]) == summary(results[1])


def test_both_readers_give_the_same_table_for_a_long_field():
    rows = valid_rows(5)
    rows[2] = record(2, Toewijzingsnummer=LONG)
    _, rest = split_header(Chunk(1, make_file(rows)))
    fast = parse_chunk(rest, COLUMNS, ";", '"', 10)
    slow = parse_with_csv(rest, COLUMNS, ";", '"', 10)
    assert fast.frame.equals(slow.frame) and fast.records == slow.records == 5
    assert slow.bad_field_count == 0 and slow.frame["Toewijzingsnummer"][2] == LONG


def test_a_carriage_return_inside_a_field_reads_the_same_on_both_paths():
    rows = valid_rows(30)
    rows[3] = record(3, Toewijzingsnummer="T\r3")
    plain = make_file(rows, eol="\n")
    quoted = plain.replace(b";T000001;", b';"T;1";')
    results = [check(plain), check(quoted)]
    for result in results:
        assert [(f.code, f.column, f.lines) for f in result.findings] == [
            ("R002", "Toewijzingsnummer", [5])
        ]
        assert result.records_read == 30


# -- an unclosed quote loses nothing --------------------------------------------------------------


def _with_stray_quote(data: bytes, lines: list[int]) -> bytes:
    out = data.split(b"\n")
    for line in lines:
        fields = out[line - 1].split(b";")
        fields[4] = b'"' + fields[4]
        out[line - 1] = b";".join(fields)
    return b"\n".join(out)


def test_an_unclosed_quote_is_reported_on_its_line_and_every_record_is_counted():
    name, data = generate_sample(records=27_305, seed=4)
    # 27 305 records are a little over 2.5 MB; the size limit is not what this is about.
    result = check(_with_stray_quote(data, [6]), name=name, max_upload_bytes=len(data) + 1)
    assert result.records_read == 27_305 and result.records_with_errors == 1
    found = finding(result, "F036")
    assert found.lines == [6] and found.count == 1 and found.level == "bestand"
    assert found.describe().startswith("Regel 6: een aanhalingsteken wordt niet gesloten;")
    assert result.status == "Afgekeurd" and codes(result) == {"F036"}


def test_two_stray_quotes_do_not_swallow_the_lines_between_them():
    rows = valid_rows(300)
    data = _with_stray_quote(make_file(rows), [6, 200])
    result = check(data)
    assert result.records_read == 300 and finding(result, "F036").lines == [6, 200]
    assert codes(result) == {"F036"}
    assert result.records_with_errors == 2


def test_an_unclosed_quote_on_the_last_line():
    data = _with_stray_quote(make_file(valid_rows(30), eol="\n").rstrip(b"\n"), [31])
    result = check(data)
    assert result.records_read == 30 and finding(result, "F036").lines == [31]


def test_a_quoted_line_break_within_the_limit_is_still_one_record():
    rows = valid_rows(30)
    rows[4] = record(4, BSN="123456783")
    data = make_file(rows, quote_all=True).replace(b'"T000002"', b'"T\n\n\n02"')
    result = check(data)
    assert result.records_read == 30 and "F036" not in codes(result)
    assert finding(result, "R004").lines == [9]


@pytest.mark.parametrize("block", [64, 97, 1000])
def test_blocks_cut_anywhere_give_the_same_report_with_stray_quotes(monkeypatch, block):
    rows = valid_rows(80)
    for i in (10, 40):
        rows[i] = record(i, BSN="123456783")
    data = _with_stray_quote(make_file(rows, eol="\n"), [6, 30, 31, 60])
    data = data.replace(b";T000050;", b';"T\n50";')  # line 52: what follows moves one down
    whole = check(make_zip([(NAME, data)]), name="x.zip")
    monkeypatch.setattr(archive, "BLOCK_SIZE", block)
    pieces = check(make_zip([(NAME, data)]), name="x.zip")
    assert summary(pieces) == summary(whole)
    assert finding(whole, "F036").lines == [6, 30, 31, 61] and whole.records_read == 80


# -- line ends and the header ---------------------------------------------------------------------


def header_message(result) -> str:
    return finding(result, "F032").message


def test_cr_only_line_ends_are_named_and_the_records_still_read():
    rows = valid_rows(30)
    rows[2] = record(2, BSN="123456783")
    result = check(make_file(rows, eol="\r"))
    assert "eindigen op alleen een CR-teken" in header_message(result)
    assert result.records_read == 30 and finding(result, "R004").lines == [4]
    assert result.status == "Afgekeurd"


@pytest.mark.parametrize(("separator", "name"), [(",", "komma's (,)"), ("\t", "tabs")])
def test_another_separator_is_named(separator, name):
    data = make_file(valid_rows(3)).replace(b";", separator.encode())
    message = header_message(check(data))
    assert message == (
        f"De kopregel is niet correct: de kolommen zijn gescheiden door {name} in plaats van door ';'."
    )


def test_an_invisible_bom_inside_the_header_is_named():
    data = b"\xef\xbb\xbf" + make_file(valid_rows(3), bom=True)
    message = header_message(check(data))
    assert message.startswith(
        "De kopregel is niet correct: kolom 1 (`Gemeentecode`) bevat een onzichtbaar teken: een BOM"
    )
    # One BOM at the very start is fine.
    assert check(make_file(valid_rows(3), bom=True)).findings == []


def test_a_sep_line_is_recognised_and_the_real_header_used():
    rows = valid_rows(30)
    rows[0] = record(0, BSN="123456783")
    result = check(b"sep=;\r\n" + make_file(rows))
    found = finding(result, "F032")
    assert found.lines == [1] and "regel 1 is `sep=;`" in found.message
    assert "de kopregel op regel 2 is gebruikt" in found.message
    assert codes(result) == {"F032", "R004"} and finding(result, "R004").lines == [3]
    assert result.records_read == 30


def test_a_blank_first_line_is_recognised():
    result = check(b"\r\n" + make_file(valid_rows(30)))
    assert codes(result) == {"F032"} and "regel 1 is leeg" in header_message(result)
    assert result.records_read == 30


def test_a_missing_header_reads_the_first_line_as_a_record_without_echoing_it():
    rows = valid_rows(30)
    data = make_file(rows).split(b"\r\n", 1)[1]
    result = check(data)
    assert "de kopregel ontbreekt: regel 1 is een record" in header_message(result)
    assert result.records_read == 30 and codes(result) == {"F032"}
    assert rows[0]["BSN"] not in str(result.to_dict())


def test_a_missing_column_is_named_with_dutch_plurals():
    header = [c for c in COLUMNS if c != "Productcode"]
    data = make_file(valid_rows(3), header=header)
    message = header_message(check(data))
    assert message == (
        "De kopregel is niet correct: de kopregel heeft 16 kolommen in plaats van 17; "
        "ontbrekend: Productcode."
    )
    one = check(b"Gemeentecode\r\n0363\r\n")
    assert "de kopregel heeft 1 kolom in plaats van 17" in header_message(one)


def test_a_renamed_column_leads_the_message():
    header = list(COLUMNS)
    header[1] = "Aanmaakdatum bestand"
    message = header_message(check(make_file(valid_rows(3), header=header)))
    assert message == (
        "De kopregel is niet correct: kolom 2 heet `Aanmaakdatum bestand`, "
        "verwacht `Aanmaakdatum_bestand`."
    )
    header = [f"Kolom{i}" for i in range(1, 18)]  # what a spreadsheet calls unnamed columns
    result = check(make_file(valid_rows(3), header=header))
    message = header_message(result)
    assert message.startswith("De kopregel is niet correct: kolom 1 heet `Kolom1`, verwacht")
    assert message.endswith("en nog 14 kolommen met een andere naam.")
    assert result.records_read == 3 and "R001" not in codes(result)


def test_column_names_keep_their_case_in_messages():
    rows = valid_rows(30)
    rows[0] = record(0, Gemeentecode="363")
    described = finding(check(make_file(rows)), "R002", "Gemeentecode").describe()
    assert described.startswith("Regel 2, kolom Gemeentecode: Gemeentecode heeft niet")
    rows[0] = record(0, BSN="123456783")
    described = finding(check(make_file(rows)), "R004").describe()
    assert described == "Regel 2, kolom BSN: het BSN voldoet niet aan de elfproef."


def test_messages_are_built_from_the_spec_values():
    rows = valid_rows(30)
    rows[0] = record(0, Datum_start_ondersteuning="20140101", Beoogde_startdatum="20140101")
    found = finding(check(make_file(rows)), "R010")
    assert found.message == "Datum_start_ondersteuning ligt vóór 01-01-2015."
    data = make_file(valid_rows(3)).replace(b"\r\n0363;", b"\r\n0363;x;", 1)
    assert finding(check(data), "F033").message == (
        "De regel heeft niet precies 17 velden, gescheiden door ';'."
    )
    limits = SPEC_WMO_V1.zip
    too_many = make_zip([(f"WMO_0363_2026H1_202608{i:02d}.csv", b"") for i in range(1, 13)])
    assert finding(check(too_many, name="x.zip"), "F011").message == (
        f"Het ZIP-bestand bevat meer dan {limits.max_entries} bestanden."
    )
    data = make_zip([("lees.docx", b"x")], method=zipfile.ZIP_STORED)
    assert finding(check(data, name="x.zip"), "F012").message == (
        "Het ZIP-bestand bevat een bestand dat geen .csv- of .txt-bestand is."
    )
