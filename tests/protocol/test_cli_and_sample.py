"""The `validate` and `generate-sample` subcommands, the sample generator, spec registry and periods."""

from __future__ import annotations

import argparse
import datetime as dt
import json

import pytest

from cbs_monitor.protocol import SPEC_WMO_V1, generate_sample, get_spec, load_municipalities
from cbs_monitor.protocol.commands import add_commands
from cbs_monitor.protocol.periods import (
    parse_period,
    previous_period_code,
    year_earlier_period_code,
)
from cbs_monitor.protocol.sample import elfproef_ok
from tests.protocol.conftest import check, make_file, record, valid_rows


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="cbs-monitor")
    add_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


def test_validate_exit_codes_and_json(tmp_path, capsys):
    good = tmp_path / "WMO_0363_2026H1_20260815.csv"
    good.write_bytes(make_file(valid_rows(30)))
    assert run(["validate", str(good), "--upload-date", "2026-09-01"]) == 0
    assert "Goedgekeurd" in capsys.readouterr().out

    rows = valid_rows(30)
    rows[0] = record(0, Gemeentecode="0014")
    bad = tmp_path / "WMO_0363_2026H1_20260814.csv"
    bad.write_bytes(make_file(rows).replace(b"20260815", b"20260814"))
    assert run(["validate", str(bad), "--upload-date", "20260901", "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["status"] == "Afgekeurd" and report["records_read"] == 30
    f034 = next(f for f in report["findings"] if f["code"] == "F034")
    assert f034 == {
        **f034,
        "severity": "fout",
        "level": "bestand",
        "count": 1,
        "lines": [2],
        "column": "Gemeentecode",
    }

    # A wrong name gets a full report (Afgekeurd); only what is never read is Geweigerd.
    misnamed = tmp_path / "gegevens.csv"
    misnamed.write_bytes(make_file(valid_rows(3)))
    assert run(["validate", str(misnamed), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["status"] == "Afgekeurd" and report["refused"] is False
    assert report["name_valid"] is False and report["records_read"] == 3
    refused = tmp_path / "gegevens.xlsx"
    refused.write_bytes(b"PK")
    assert run(["validate", str(refused), "--json"]) == 2
    report = json.loads(capsys.readouterr().out)
    assert report["status"] == "Geweigerd" and report["refused"] is True
    assert run(["validate", str(refused)]) == 2
    assert "Status:   Geweigerd" in capsys.readouterr().out
    assert run(["validate", str(tmp_path / "missing.csv")]) == 2


@pytest.mark.parametrize(
    ("name", "env"),
    [
        ("WMO_0363_2026H1_20260815.csv", {}),
        ("WMO_0363_2026H1_20260815.csv", {"CBS_MONITOR_ERROR_THRESHOLD_PERCENT": "50"}),
        ("WMO_0363_2026H1_20260815.csv", {"CBS_MONITOR_MAX_UPLOAD_BYTES": "2000"}),
        ("gegevens.csv", {}),
    ],
)
def test_offline_validate_and_the_portal_give_the_same_report(
    tmp_path, capsys, monkeypatch, name, env
):
    """The offline command takes the size limit and threshold from the portal's settings."""
    from cbs_monitor.protocol import ValidationContext, validate_upload
    from cbs_monitor.settings import get_settings, reset_settings

    for key, value in env.items():
        monkeypatch.setenv(key, value)
    reset_settings()
    try:
        rows = valid_rows(30)
        rows[0] = record(0, BSN="123456783")
        rows[1] = record(1, BSN="123456783")  # 2 of 30: over 5%, under 50%
        path = tmp_path / name
        path.write_bytes(make_file(rows))
        run(["validate", str(path), "--upload-date", "2026-09-01", "--json"])
        offline = json.loads(capsys.readouterr().out)
        context = ValidationContext.from_settings(get_settings(), upload_date=dt.date(2026, 9, 1))
        portal = validate_upload(name, path.read_bytes(), context=context).to_dict()
        assert offline == json.loads(json.dumps(portal))
        expected = {
            "CBS_MONITOR_ERROR_THRESHOLD_PERCENT": "Goedgekeurd",
            "CBS_MONITOR_MAX_UPLOAD_BYTES": "Geweigerd",
        }.get(next(iter(env), ""), "Afgekeurd")
        assert offline["status"] == expected
    finally:
        reset_settings()


def test_validate_writes_xlsx(tmp_path):
    good = tmp_path / "WMO_0363_2026H1_20260815.csv"
    good.write_bytes(make_file(valid_rows(30)))
    out = tmp_path / "rapport.xlsx"
    assert run(["validate", str(good), "--upload-date", "2026-09-01", "--xlsx", str(out)]) == 0
    assert out.read_bytes()[:2] == b"PK"


def test_generate_sample_command(tmp_path):
    assert run(["generate-sample", "--records", "40", "--seed", "3", "--out", str(tmp_path)]) == 0
    files = list(tmp_path.iterdir())
    assert [f.name for f in files] == ["WMO_0363_2026H1_20260815.csv"]
    assert (
        run(
            [
                "generate-sample",
                "--size",
                "20kB",
                "--zip",
                "--period",
                "2025H2",
                "--out",
                str(tmp_path),
            ]
        )
        == 0
    )
    assert (tmp_path / "WMO_0363_2025H2_20260215.zip").exists()
    assert run(["generate-sample", "--period", "2026H5"]) == 2


def test_samples_are_valid_deterministic_and_grow_to_size():
    name, data = generate_sample("0014", "2025H2", records=800, seed=7)
    assert generate_sample("0014", "2025H2", records=800, seed=7) == (name, data)
    assert generate_sample("0014", "2025H2", records=800, seed=8)[1] != data
    result = check(data, name=name, upload_date=dt.date(2026, 3, 1))
    assert result.approved and result.findings == [] and result.records_read == 800
    figures = result.figures
    assert figures.by_category["01"]["clients"] > figures.by_category["17"]["clients"]
    assert figures.financing["pgb_only"] > 0 and figures.flows["started"]["arrangements"] > 0
    assert figures.arrangements_per_client["2"] > 0

    name, data = generate_sample(target_bytes=200_000, seed=1)
    assert 199_000 < len(data) <= 200_000


def test_samples_with_errors():
    name, data = generate_sample(records=2000, seed=2, error_rate=0.2)
    result = check(data, name=name)
    assert result.status == "Afgekeurd" and 250 < result.records_with_errors < 550


def test_sample_bsns_pass_the_elfproef():
    assert (
        elfproef_ok("123456782") and not elfproef_ok("123456783") and not elfproef_ok("000000000")
    )


def test_spec_registry_and_code_lists():
    assert get_spec() is SPEC_WMO_V1 and get_spec("wmo-v1").version == "wmo-v1"
    with pytest.raises(KeyError):
        get_spec("wmo-v9")
    assert len(SPEC_WMO_V1.columns) == 17 and len(SPEC_WMO_V1.categories) == 18
    assert SPEC_WMO_V1.categories["15"] == "Beschermd wonen"
    grouped = sorted(c for codes in SPEC_WMO_V1.main_groups.values() for c in codes)
    assert grouped == sorted(SPEC_WMO_V1.categories)
    rule_codes = [r.code for r in SPEC_WMO_V1.rules]
    file_codes = {c for c, _ in SPEC_WMO_V1.file_checks.values()}
    assert len(rule_codes) == len(set(rule_codes)) and file_codes.isdisjoint(rule_codes)
    # File-check keys share a code only as variants of one check (F005: which date rule).
    shared = {
        code: sorted(k for k, (c, _) in SPEC_WMO_V1.file_checks.items() if c == code)
        for code in file_codes
    }
    assert {code: keys for code, keys in shared.items() if len(keys) > 1} == {
        "F005": ["created_future", "created_invalid"]
    }


def test_municipalities():
    municipalities = load_municipalities()
    assert len(municipalities) == 342 and municipalities["0363"] == "Amsterdam"


def test_periods():
    period = parse_period("2026H1")
    assert (period.start, period.end) == (dt.date(2026, 1, 1), dt.date(2026, 6, 30))
    assert previous_period_code("2026H1") == "2025H2" and previous_period_code("2026H2") == "2026H1"
    assert year_earlier_period_code("2026H2") == "2025H2"
    assert parse_period("2026H3") is None and parse_period("0000H1") is None
