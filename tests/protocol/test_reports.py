"""The xlsx writers, re-opened and checked cell by cell; formula-like text stays text; no BSN anywhere."""

from __future__ import annotations

import datetime as dt
import io

from openpyxl import Workbook, load_workbook

from cbs_monitor import dutch
from cbs_monitor.protocol import build_readiness, generate_sample, validate_upload
from cbs_monitor.reports.readiness_xlsx import write_readiness_report
from cbs_monitor.reports.technical_xlsx import FINDING_HEADERS, write_technical_report
from cbs_monitor.reports.xlsx_common import safe_cell_value, write_cell, write_table_sheet
from tests.protocol.conftest import check, context, make_file, make_zip, record, valid_rows

UPLOADED = dt.datetime(2026, 9, 1, 10, 30)


def open_xlsx(data: bytes):
    return load_workbook(io.BytesIO(data))


def all_text(workbook) -> str:
    return "\n".join(
        str(cell.value)
        for ws in workbook.worksheets
        for row in ws.iter_rows()
        for cell in row
        if cell.value is not None
    )


def technical_fixture():
    rows = valid_rows(30)
    rows[3] = record(3, BSN="123456783")
    rows[7] = record(7, Omvang_eenheid="", Beschikte_frequentie="")
    return rows, check(make_file(rows))


def test_technical_report_cells():
    rows, result = technical_fixture()
    workbook = open_xlsx(
        write_technical_report(
            result,
            uploaded_at=UPLOADED,
            organisation="Gemeente Amsterdam",
            municipality_name="Amsterdam",
        )
    )
    assert workbook.sheetnames == ["Technisch rapport", "Aantallen", "Controles"]
    summary = workbook["Technisch rapport"]
    assert summary["A1"].value == "Technisch rapport aanlevering Wmo"
    values = {
        summary.cell(row=r, column=1).value: summary.cell(row=r, column=2).value
        for r in range(4, 14)
    }
    assert values["Bestandsnaam"] == result.filename
    assert values["SHA-256"] == result.sha256
    assert values["Moment van aanleveren"] == "01-09-2026 10:30"
    assert values["Aangeleverd door"] == "Gemeente Amsterdam"
    assert values["Gemeente"] == "0363 Amsterdam"
    assert values["Verslagperiode"] == "2026H1"
    assert values["Status"] == "Goedgekeurd"

    counts = workbook["Aantallen"]
    table = {
        counts.cell(row=r, column=1).value: counts.cell(row=r, column=2).value for r in range(2, 11)
    }
    assert table["Records gelezen"] == 30 and table["Records met fouten"] == 1
    assert table["Records zonder fouten"] == 29 and table["Percentage records met fouten"] == "3,3%"
    assert counts.freeze_panes == "A2"

    checks = workbook["Controles"]
    assert [c.value for c in checks[1]] == FINDING_HEADERS
    assert checks.freeze_panes == "A2"
    assert checks.column_dimensions["F"].width == 80
    first = [c.value for c in checks[2]]
    assert (
        first[:3] == ["R004", "fout", "record"]
        and first[4] == "BSN"
        and first[6] == 1
        and first[7] == "5"
    )
    second = [c.value for c in checks[3]]
    assert second[0] == "W005" and second[1] == "waarschuwing" and second[7] == "9"
    assert all(row["BSN"] not in all_text(workbook) for row in rows)


def test_technical_report_of_a_refused_zip_lists_entries_and_reason():
    result = check(
        make_zip([("WMO_0363_2026H1_20260815.csv", make_file(valid_rows(3))), ("x.exe", b"MZ")]),
        name="=HYPERLINK(1).zip",
    )
    workbook = open_xlsx(
        write_technical_report(
            result, uploaded_at=UPLOADED, organisation="+org", municipality_name=""
        )
    )
    summary = workbook["Technisch rapport"]
    cell = summary["B4"]
    assert cell.value == "=HYPERLINK(1).zip" and cell.data_type == "s"
    assert workbook["Controles"]["A2"].value == "F012"


def test_formula_like_text_is_written_as_text():
    workbook = Workbook()
    ws = workbook.active
    for column, text in enumerate(["=1+1", "+31 6", "-2", "@SUM(A1)", "\tX", "gewoon"], start=1):
        write_cell(ws, 1, column, text)
    write_cell(ws, 2, 1, "a\x00b\x1fc")
    buffer = io.BytesIO()
    workbook.save(buffer)
    reread = open_xlsx(buffer.getvalue()).active
    assert [c.value for c in reread[1]] == ["=1+1", "+31 6", "-2", "@SUM(A1)", "\tX", "gewoon"]
    assert all(c.data_type == "s" for c in reread[1])
    assert reread["A2"].value == "abc"
    assert safe_cell_value(5) == 5 and safe_cell_value(None) is None
    assert safe_cell_value(dt.date(2026, 1, 1)) == dt.date(2026, 1, 1)


def test_write_table_sheet_styles_and_freezes():
    workbook = Workbook()
    ws = workbook.active
    last = write_table_sheet(
        ws,
        ["Datum", "Bericht"],
        [(dt.date(2026, 3, 12), "=kwaadaardig"), (dt.date(2026, 3, 13), "ok")],
    )
    assert last == 3 and ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:B3"
    assert ws["A1"].font.bold and ws["B2"].data_type == "s"


def readiness_fixture():
    ctx = context()
    name, data = generate_sample("0363", "2026H1", records=600, seed=1)
    current = validate_upload(name, data, context=ctx).figures
    name, data = generate_sample("0363", "2025H2", records=400, seed=2)
    previous = validate_upload(name, data, context=ctx).figures
    return current, previous


def test_readiness_report_cells():
    current, previous = readiness_fixture()
    result = build_readiness(current, previous, None, population=931_000)
    workbook = open_xlsx(
        write_readiness_report(result, municipality_name="Amsterdam", period_code="2026H1")
    )
    assert workbook.sheetnames == [
        "Op-orde rapport",
        "Productcategorieën",
        "Hoofdgroepen",
        "Cliënten en stromen",
        "Vergelijking",
    ]
    summary = workbook["Op-orde rapport"]
    assert "niet bestemd voor publicatie" in summary["A2"].value
    values = {
        summary.cell(row=r, column=1).value: summary.cell(row=r, column=2).value
        for r in range(4, 16)
    }
    assert values["Unieke cliënten"] == current.clients
    assert values["Cliënten per 1.000 inwoners"] == round(1000 * current.clients / 931_000, 2)
    assert values["Vergeleken met vorig halfjaar"] == "2025H2"
    assert values["Vergeleken met een jaar eerder"] == "geen gegevens"

    categories = workbook["Productcategorieën"]
    assert [c.value for c in categories[1]] == [
        "Code",
        "Productcategorie",
        "Hoofdgroep",
        "Cliënten",
        "Arrangementen",
    ]
    assert categories["A2"].value == "01" and categories["B2"].value == "Hulp bij het huishouden"
    assert categories["D2"].value == current.by_category["01"]["clients"]
    assert categories.freeze_panes == "A2" and categories._charts

    comparison = workbook["Vergelijking"]
    header = [c.value for c in comparison[1]]
    assert header[2:4] == ["2026H1", "2025H2"]
    clients_row = next(
        r for r in comparison.iter_rows(min_row=2) if r[1].value == "Unieke cliënten"
    )
    assert clients_row[2].value == current.clients and clients_row[3].value == previous.clients
    assert clients_row[4].value == current.clients - previous.clients
    assert (
        abs(clients_row[5].value - (current.clients - previous.clients) / previous.clients) < 1e-9
    )
    assert clients_row[5].number_format == "0.0%"
    assert clients_row[9].value == "Ja"  # 600 vs 400 records: far more than 20%


def test_readiness_comparison_rules():
    current, previous = readiness_fixture()
    same = build_readiness(current, current, current, population=None)
    assert not same.flagged and same.clients_per_1000 is None
    dropped = current.from_dict(current.to_dict())
    dropped.by_category["01"] = {"clients": 0, "arrangements": 0}
    flagged = build_readiness(dropped, current, None, population=None)
    row = next(
        r
        for r in flagged.comparisons
        if r.section == "Cliënten per productcategorie" and r.label.startswith("01")
    )
    assert row.flagged and "gedaald naar 0" in row.reason
    strict = build_readiness(current, previous, None, population=None)
    loose = build_readiness(current, previous, None, population=None, change_threshold_percent=80)
    total = [
        next(r for r in res.comparisons if r.label == "Unieke cliënten") for res in (strict, loose)
    ]
    assert total[0].flagged and "t.o.v. vorig halfjaar" in total[0].reason
    assert not total[1].flagged


def test_readiness_round_trips_as_json():
    import json

    current, previous = readiness_fixture()
    result = build_readiness(current, previous, current, population=1000)
    again = type(result).from_dict(json.loads(json.dumps(result.to_dict())))
    assert again.to_dict() == result.to_dict()


def summary_values(workbook) -> dict:
    sheet = workbook["Technisch rapport"]
    return {
        sheet.cell(row=r, column=1).value: sheet.cell(row=r, column=2).value
        for r in range(1, sheet.max_row + 1)
    }


def test_the_summary_writes_each_figure_once_and_percentages_one_way():
    small = check(b"x" * 777, name="WMO_0363_2026H1_20260815.csv")
    values = summary_values(
        open_xlsx(
            write_technical_report(
                small, uploaded_at=UPLOADED, organisation="o", municipality_name="Amsterdam"
            )
        )
    )
    assert values["Grootte"] == "777 bytes"
    _, result = technical_fixture()
    workbook = open_xlsx(
        write_technical_report(
            result, uploaded_at=UPLOADED, organisation="o", municipality_name="Amsterdam"
        )
    )
    assert summary_values(workbook)["Grootte"] == dutch.file_size_with_bytes(result.size)
    assert summary_values(workbook)["Grootte"].endswith(f"({dutch.number(result.size)} bytes)")
    counts = workbook["Aantallen"]
    table = {
        counts.cell(row=r, column=1).value: counts.cell(row=r, column=2).value for r in range(2, 11)
    }
    assert table["Foutdrempel"] == "5%"


def test_a_refused_upload_reads_geweigerd_in_the_xlsx():
    result = check(b"x", name="rapport.pdf")
    values = summary_values(
        open_xlsx(
            write_technical_report(
                result, uploaded_at=UPLOADED, organisation="o", municipality_name=""
            )
        )
    )
    assert values["Status"] == "Geweigerd" and "geweigerd en niet gelezen" in values["Toelichting"]


def test_technical_results_round_trip_and_read_old_dicts():
    import json

    _, result = technical_fixture()
    data = json.loads(json.dumps(result.to_dict()))
    again = type(result).from_dict(data)
    assert again.to_dict() == result.to_dict() and again.name_valid and not again.refused
    # Stored before Geweigerd and name_valid: refused Afgekeurd reads as Geweigerd.
    old = {k: v for k, v in data.items() if k != "name_valid"}
    old.update(status="Afgekeurd", refused=True)
    assert type(result).from_dict(old).status == "Geweigerd"
    old.update(status="Goedgekeurd", refused=False)
    assert type(result).from_dict(old).name_valid
    old.update(municipality_code=None)
    assert not type(result).from_dict(old).name_valid
