"""The `validate` and `generate-sample` subcommands of `cbs-monitor` (argparse), for offline use."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import io
import json
import sys
import zipfile
from pathlib import Path

from cbs_monitor import dutch
from cbs_monitor.protocol.municipalities import load_municipalities
from cbs_monitor.protocol.result import TechnicalResult, ValidationContext
from cbs_monitor.protocol.sample import default_created, generate_sample
from cbs_monitor.protocol.spec import get_spec
from cbs_monitor.protocol.validator import validate_upload

EXIT_APPROVED, EXIT_REJECTED, EXIT_REFUSED = 0, 1, 2


def add_commands(subparsers) -> None:
    """Register `validate` and `generate-sample` on an argparse subparsers object."""
    validate = subparsers.add_parser(
        "validate",
        help="check a delivery file offline (exit 0 Goedgekeurd, 1 Afgekeurd, 2 Geweigerd)",
        description="Controleer een Wmo-bestand (.csv, .txt of .zip) zoals de portal dat doet.",
    )
    validate.add_argument("file", type=Path, help="the .csv, .txt or .zip to check")
    validate.add_argument(
        "--xlsx", type=Path, metavar="OUT", help="also write the technisch rapport here"
    )
    validate.add_argument("--json", action="store_true", help="print the whole report as JSON")
    validate.add_argument(
        "--upload-date", type=_date, default=None, help="JJJJ-MM-DD (default: today)"
    )
    validate.add_argument(
        "--threshold",
        type=float,
        default=None,
        help="error threshold in percent (default: the portal's, CBS_MONITOR_ERROR_THRESHOLD_PERCENT)",
    )
    validate.add_argument("--spec", default="wmo-v1", help="protocol version (default wmo-v1)")
    validate.set_defaults(func=run_validate)

    sample = subparsers.add_parser(
        "generate-sample",
        help="write a realistic, spec-valid delivery file (deterministic by seed)",
        description="Maak een realistisch voorbeeldbestand volgens het aanleverprotocol.",
    )
    sample.add_argument("--municipality", default="0363", help="gemeentecode (default 0363)")
    sample.add_argument("--period", default="2026H1", help="verslagperiode, e.g. 2026H1")
    sample.add_argument(
        "--records", type=int, default=1000, help="number of records (default 1000)"
    )
    sample.add_argument(
        "--size", type=_size, default=None, help="grow to just under this size, e.g. 2.5MB"
    )
    sample.add_argument("--seed", type=int, default=0)
    sample.add_argument("--created", type=_date, default=None, help="aanmaakdatum JJJJ-MM-DD")
    sample.add_argument(
        "--error-rate", type=float, default=0.0, help="share of records with a mistake"
    )
    sample.add_argument("--zip", action="store_true", help="wrap the file in a ZIP")
    sample.add_argument("--out", type=Path, default=Path("."), help="output directory or file")
    sample.set_defaults(func=run_generate_sample)


def _date(text: str) -> dt.date:
    for parse in (dt.date.fromisoformat, lambda t: dt.datetime.strptime(t, "%Y%m%d").date()):
        try:
            return parse(text.strip())
        except ValueError:
            continue
    raise argparse.ArgumentTypeError(f"not a date: {text!r}")


def _size(text: str) -> int:
    units = {"kb": 1024, "mb": 1024 * 1024, "b": 1}
    lowered = text.strip().lower().replace(",", ".")
    for unit, factor in units.items():
        if lowered.endswith(unit):
            try:
                return int(float(lowered[: -len(unit)]) * factor)
            except ValueError:
                break
    try:
        return int(lowered)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a size: {text!r}") from None


def run_validate(args: argparse.Namespace) -> int:
    path: Path = args.file
    try:
        data = path.read_bytes()
    except OSError as error:
        print(f"Kan {path} niet lezen: {error.strerror}", file=sys.stderr)
        return EXIT_REFUSED
    try:
        spec = get_spec(args.spec)
    except KeyError as error:
        print(str(error), file=sys.stderr)
        return EXIT_REFUSED
    context = offline_context(args.upload_date or dt.date.today(), threshold=args.threshold)
    result = validate_upload(path.name, data, context=context, spec=spec)
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        _print_text(result)
    if args.xlsx:
        from cbs_monitor.reports.technical_xlsx import write_technical_report

        name = load_municipalities().get(result.municipality_code or "", "")
        args.xlsx.write_bytes(
            write_technical_report(
                result,
                uploaded_at=dt.datetime.now(),
                organisation="offline (cbs-monitor validate)",
                municipality_name=name,
            )
        )
        if not args.json:
            print(f"Technisch rapport geschreven naar {args.xlsx}")
    if result.refused:
        return EXIT_REFUSED
    return EXIT_APPROVED if result.approved else EXIT_REJECTED


def offline_context(upload_date: dt.date, *, threshold: float | None = None) -> ValidationContext:
    """The context of an offline check: the portal's size limit and error threshold (from the
    settings, so offline and portal agree), no delivery rights or window to check."""
    from cbs_monitor.settings import get_settings

    context = ValidationContext.from_settings(get_settings(), upload_date=upload_date)
    if threshold is not None:
        context = dataclasses.replace(context, error_threshold_percent=threshold)
    return context


def _print_text(result: TechnicalResult) -> None:
    print(f"Bestand:  {result.filename} ({dutch.file_size_with_bytes(result.size)})")
    if result.municipality_code or result.period_codes:
        print(
            f"Gemeente: {result.municipality_code or '-'}   "
            f"Periode: {', '.join(result.period_codes) or '-'}"
        )
    print(
        f"Records:  {dutch.number(result.records_read)} gelezen, "
        f"{dutch.number(result.records_valid)} zonder fouten, "
        f"{dutch.number(result.records_with_errors)} met fouten, "
        f"{dutch.number(result.records_out_of_period)} buiten de periode"
    )
    print(
        f"Status:   {result.status}"
        + (" (niet gelezen: het bestand wordt niet verwerkt)" if result.refused else "")
    )
    for finding in result.findings:
        print(
            f"  [{finding.code} {finding.severity}] {finding.describe()} "
            f"({dutch.number(finding.count)}x)"
        )


def run_generate_sample(args: argparse.Namespace) -> int:
    try:
        created = args.created or default_created(args.period)
        name, data = generate_sample(
            args.municipality,
            args.period,
            records=args.records,
            target_bytes=args.size,
            seed=args.seed,
            created=created,
            error_rate=args.error_rate,
        )
    except ValueError as error:
        print(str(error), file=sys.stderr)
        return 2
    if args.zip:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(name, data)
        name, data = name.rsplit(".", 1)[0] + ".zip", buffer.getvalue()
    target: Path = args.out / name if args.out.is_dir() else args.out
    target.write_bytes(data)
    print(f"{target} ({dutch.file_size_with_bytes(len(data))})")
    return 0
