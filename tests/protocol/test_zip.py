"""ZIP guards of §2 with real hostile archives built here: bomb, traversal, nested, link, encryption, too many."""

from __future__ import annotations

import dataclasses
import io
import stat
import struct
import zipfile

from cbs_monitor.protocol import SPEC_WMO_V1
from tests.protocol.conftest import (
    NAME,
    check,
    codes,
    finding,
    make_file,
    make_zip,
    record,
    valid_rows,
)

ZIP = "MSD.zip"


def h1_file(n=30) -> bytes:
    return make_file(valid_rows(n))


def test_a_valid_zip_is_read_like_the_file():
    result = check(make_zip([(NAME, h1_file())]), name=ZIP)
    assert result.status == "Goedgekeurd" and not result.refused
    assert result.records_read == 30 and [f.name for f in result.files] == [NAME]


def test_folders_are_ignored_and_entries_may_sit_in_one():
    result = check(make_zip([zipfile.ZipInfo("export/"), (f"export/{NAME}", h1_file())]), name=ZIP)
    assert result.approved and result.files[0].name == NAME


def test_h2_with_an_h1_redo():
    h2 = make_file(
        [
            record(
                i,
                Periode="2026H2",
                Aanmaakdatum_bestand="20260830",
                Beoogde_startdatum="20260701",
                Datum_start_ondersteuning="20260702",
            )
            for i in range(30)
        ]
    )
    data = make_zip([(NAME, h1_file()), ("WMO_0363_2026H2_20260830.csv", h2)])
    result = check(data, name=ZIP)
    assert result.approved
    assert result.period_code == "2026H2" and result.period_codes == ["2026H1", "2026H2"]
    assert set(result.figures_by_period) == {"2026H1", "2026H2"}
    assert result.figures.records_used == 30


def test_findings_name_the_entry():
    rows = valid_rows(30)
    rows[0] = record(0, BSN="123456783")
    result = check(make_zip([(NAME, make_file(rows))]), name=ZIP)
    found = finding(result, "R004")
    assert found.file == NAME and found.describe().startswith(f"Bestand {NAME}, regel 2, kolom BSN")


def test_not_a_zip():
    assert codes(check(b"PK\x03\x04 this is not really a zip", name=ZIP)) == {"F010"}
    assert check(b"", name=ZIP).refused


def test_too_many_entries():
    entries = [(f"WMO_0363_2026H1_202608{d:02d}.csv", h1_file(2)) for d in range(1, 12)]
    result = check(make_zip(entries), name=ZIP)
    assert result.refused and "F011" in codes(result)


def test_other_file_types_in_the_zip():
    result = check(make_zip([(NAME, h1_file()), ("toelichting.pdf", b"%PDF")]), name=ZIP)
    assert result.refused and codes(result) == {"F012"}


def test_nested_archive_by_name_and_by_content():
    inner = make_zip([(NAME, h1_file())])
    assert codes(check(make_zip([("inner.zip", inner)]), name=ZIP)) == {"F013"}
    result = check(make_zip([(NAME, inner)]), name=ZIP)
    assert result.refused and codes(result) == {"F013"}


def test_path_traversal_and_absolute_paths():
    for path in (f"../{NAME}", f"a/../../{NAME}", f"/etc/{NAME}", f"C:/temp/{NAME}", f"..\\{NAME}"):
        info = zipfile.ZipInfo(path)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr(info, h1_file())
        result = check(buffer.getvalue(), name=ZIP)
        assert result.refused and "F014" in codes(result), path
        # The finding names the entry (as the ZIP holds it, with / for \\).
        assert finding(result, "F014").file == path.replace("\\", "/"), path
        assert (
            finding(result, "F014").describe().startswith(f"Bestand {path.replace(chr(92), '/')}: ")
        )


def test_a_hostile_entry_path_is_shown_tamed():
    info = zipfile.ZipInfo("../\x1b[31m" + "x" * 300 + ".csv")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(info, h1_file())
    shown = finding(check(buffer.getvalue(), name=ZIP), "F014").file
    assert "\x1b" not in shown and shown.startswith("../?[31m") and len(shown) == 120


def test_symbolic_link():
    info = zipfile.ZipInfo(NAME)
    info.create_system = 3
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(info, b"/etc/passwd")
    result = check(buffer.getvalue(), name=ZIP)
    assert result.refused and codes(result) == {"F015"}


def test_encrypted_entry():
    # zipfile cannot write encrypted entries: set the "encrypted" flag in both headers by hand.
    data = bytearray(make_zip([(NAME, h1_file())]))
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.find(signature) + offset
        data[at] |= 0x1
    result = check(bytes(data), name=ZIP)
    assert result.refused and codes(result) == {"F016"}


def test_zip_bomb_by_declared_ratio():
    bomb = make_zip([(NAME, b"0" * 20_000_000)])
    assert len(bomb) < 100_000
    result = check(bomb, name=ZIP)
    assert result.refused and "F018" in codes(result)


def _lie_about_size(data: bytes, declared: int) -> bytes:
    """Rewrite the uncompressed size in the local header and central directory of a one-entry ZIP."""
    out = bytearray(data)
    local = out.find(b"PK\x03\x04")
    struct.pack_into("<I", out, local + 22, declared)
    central = out.find(b"PK\x01\x02")
    struct.pack_into("<I", out, central + 24, declared)
    return bytes(out)


def test_a_bomb_that_lies_about_its_size_is_stopped_while_reading():
    real = make_zip([(NAME, h1_file() + b"0" * 5_000_000)])
    liar = _lie_about_size(real, 20_000)
    result = check(liar, name=ZIP)
    assert result.refused and codes(result) & {"F010", "F018"}
    assert result.records_read == 0


def test_streaming_guards_count_real_bytes():
    # Honest sizes, but limits that only the bytes read can break: the total and the ratio.
    spec = dataclasses.replace(
        SPEC_WMO_V1, zip=dataclasses.replace(SPEC_WMO_V1.zip, max_total_uncompressed=10**9)
    )
    data = make_zip([(NAME, h1_file(400))])
    assert check(data, name=ZIP, spec=spec).approved
    small = dataclasses.replace(
        SPEC_WMO_V1, zip=dataclasses.replace(SPEC_WMO_V1.zip, max_total_uncompressed=1000)
    )
    assert codes(check(data, name=ZIP, spec=small)) == {"F017"}


def test_total_uncompressed_limit_over_several_entries():
    spec = dataclasses.replace(
        SPEC_WMO_V1, zip=dataclasses.replace(SPEC_WMO_V1.zip, max_total_uncompressed=5000)
    )
    entries = [(NAME, h1_file(30)), ("WMO_0363_2026H1_20260814.csv", h1_file(30))]
    result = check(make_zip(entries), name=ZIP, spec=spec)
    assert result.refused and codes(result) == {"F017"}


def test_mixed_municipalities_get_a_full_report():
    other = make_file([record(i, Gemeentecode="0014") for i in range(30)])
    data = make_zip([(NAME, h1_file()), ("WMO_0014_2026H1_20260815.csv", other)])
    result = check(data, name=ZIP)
    assert codes(result) == {"F019"} and not result.refused and result.records_read == 60
    assert "(0014 en 0363)" in result.findings[0].message
    assert result.municipality_code is None and result.period_code == "2026H1"
    refused = check(data, name=ZIP, allowed_municipality_codes=frozenset({"0363"}))
    assert refused.refused and codes(refused) == {"F006"}


def test_empty_zip():
    assert codes(check(make_zip([zipfile.ZipInfo("leeg/")]), name=ZIP)) == {"F020"}


def test_unsupported_compression():
    data = make_zip([(NAME, h1_file())], method=zipfile.ZIP_BZIP2)
    assert codes(check(data, name=ZIP)) == {"F021"}


def test_period_combination_gets_a_full_report():
    other = make_file([record(i, Periode="2025H2") for i in range(30)])
    data = make_zip([(NAME, h1_file()), ("WMO_0363_2025H2_20260815.csv", other)])
    result = check(data, name=ZIP)
    assert not result.refused and result.status == "Afgekeurd"
    assert "F022" in codes(result) and "2025H2 en 2026H1" in finding(result, "F022").message
    # Each entry is read against its own period: the H2 file's H1 records are out of period.
    assert finding(result, "W001").file == "WMO_0363_2025H2_20260815.csv"
    assert result.period_code is None and result.period_codes == ["2025H2", "2026H1"]
    assert result.municipality_code == "0363" and not result.name_valid


def test_duplicate_names():
    data = make_zip([(f"a/{NAME}", h1_file()), (f"b/{NAME}", h1_file())])
    assert codes(check(data, name=ZIP)) == {"F023"}


def test_entry_names_must_follow_the_pattern():
    result = check(make_zip([("gegevens.csv", h1_file())]), name=ZIP)
    assert not result.refused and result.status == "Afgekeurd" and codes(result) == {"F003"}
    assert result.findings[0].file == "gegevens.csv" and result.records_read == 30
    assert result.municipality_code is None and not result.name_valid
    # One good entry does not name the upload's municipality for a bad one.
    data = make_zip([(NAME, h1_file()), ("gegevens.csv", h1_file())])
    result = check(data, name=ZIP, fallback_municipality_code="0363", fallback_period_code="2026H1")
    assert codes(result) == {"F003"} and result.municipality_code is None


def test_corrupt_entry_data():
    data = bytearray(make_zip([(NAME, h1_file(200))]))
    middle = data.find(b"PK\x03\x04") + 30 + len(NAME) + 200
    data[middle : middle + 50] = b"\x00" * 50
    result = check(bytes(data), name=ZIP)
    assert result.status == "Geweigerd" and result.refused
