"""Builders for delivery files in tests: a valid record, files from records, and validation with a fixed context."""

from __future__ import annotations

import datetime as dt
import io
import random
import zipfile

import pytest

from cbs_monitor.protocol import SPEC_WMO_V1, ValidationContext, validate_upload
from cbs_monitor.protocol.sample import random_bsn

UPLOAD_DATE = dt.date(2026, 9, 1)
NAME = "WMO_0363_2026H1_20260815.csv"
COLUMNS = SPEC_WMO_V1.column_names


def bsn(i: int) -> str:
    return random_bsn(random.Random(1000 + i))


def record(i: int = 0, **fields: str) -> dict[str, str]:
    """A valid, in-period record; keyword arguments override fields."""
    base = {
        "Gemeentecode": "0363",
        "Aanmaakdatum_bestand": "20260815",
        "Periode": "2026H1",
        "BSN": bsn(i),
        "Toewijzingsnummer": f"T{i:06d}",
        "Type_maatwerkarrangement": "02",
        "Productcode": "02A03",
        "Leveringsvorm": "ZIN",
        "Type_aanbieder": "01",
        "Beoogde_startdatum": "20260101",
        "Beoogde_einddatum": "20261231",
        "Datum_start_ondersteuning": "20260105",
        "Einddatum_ondersteuning": "",
        "Omvang_volume": "3",
        "Omvang_eenheid": "04",
        "Beschikte_frequentie": "2",
        "Reden_beeindiging": "",
    }
    base.update(fields)
    return base


def make_file(
    rows: list[dict[str, str]],
    *,
    header: list[str] | None = None,
    eol: str = "\r\n",
    bom: bool = False,
    quote_all: bool = False,
) -> bytes:
    def fmt(values):
        if quote_all:
            values = ['"' + v.replace('"', '""') + '"' for v in values]
        return ";".join(values)

    lines = [fmt(header or list(COLUMNS))] + [fmt([row[c] for c in COLUMNS]) for row in rows]
    data = (eol.join(lines) + eol).encode("utf-8")
    return (b"\xef\xbb\xbf" + data) if bom else data


def valid_rows(n: int = 30) -> list[dict[str, str]]:
    return [record(i) for i in range(n)]


def context(**overrides) -> ValidationContext:
    overrides.setdefault("upload_date", UPLOAD_DATE)
    return ValidationContext(**overrides)


def check(data: bytes, name: str = NAME, spec=SPEC_WMO_V1, **ctx):
    return validate_upload(name, data, context=context(**ctx), spec=spec)


def codes(result) -> set[str]:
    return {f.code for f in result.findings}


def finding(result, code: str, column: str | None = None):
    for f in result.findings:
        if f.code == code and (column is None or f.column == column):
            return f
    return None


def make_zip(entries: list[tuple[str, bytes]] | list, *, method=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for entry in entries:
            if isinstance(entry, zipfile.ZipInfo):
                archive.writestr(entry, b"")
            else:
                name, data = entry
                archive.writestr(name, data)
    return buffer.getvalue()


@pytest.fixture
def valid_file() -> bytes:
    return make_file(valid_rows())
