"""validate_upload: the bytes of an upload in, the technisch rapport (TechnicalResult) out, never an exception."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import logging
import re
import traceback

import polars as pl

from cbs_monitor.protocol import rules as r
from cbs_monitor.protocol.archive import (
    Refusal,
    Source,
    base_name,
    format_bytes,
    open_sources,
    suffix,
)
from cbs_monitor.protocol.figures import (
    ReadinessFigures,
    compact_schema,
    compute_from_compact,
    empty_compact,
)
from cbs_monitor.protocol.periods import Period
from cbs_monitor.protocol.result import (
    AFGEKEURD,
    GOEDGEKEURD,
    MAX_LINES,
    FileSummary,
    Finding,
    TechnicalResult,
    ValidationContext,
)
from cbs_monitor.protocol.spec import BESTAND, FOUT, ProtocolSpec
from cbs_monitor.protocol.spec_wmo_v1 import SPEC_WMO_V1
from cbs_monitor.protocol.tabular import (
    LINE,
    ROW_HASH,
    iter_chunks,
    parse_chunk,
    parse_header,
    split_header,
)

log = logging.getLogger(__name__)
# Fixed seeds: hashes only need to agree within one validation run.
_KEY_SEED = 0x5EED
_CLIENT_SEED = 0xC11E


def validate_upload(
    filename: str,
    data: bytes,
    *,
    context: ValidationContext | None = None,
    spec: ProtocolSpec = SPEC_WMO_V1,
) -> TechnicalResult:
    """Check one upload against the protocol. Bad input gives an Afgekeurd result, never an exception."""
    context = context or ValidationContext()
    result = TechnicalResult(
        filename=str(filename),
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        error_threshold_percent=context.error_threshold_percent,
        spec_version=spec.version,
    )
    try:
        _validate(result, data, context, spec)
    except Refusal as refusal:
        _refuse(result, spec, refusal)
    except Exception as error:  # noqa: BLE001 — a bug, not bad input: report it without any data in the text
        frame = traceback.extract_tb(error.__traceback__)[-1] if error.__traceback__ else None
        where = f"{frame.filename}:{frame.lineno}" if frame else "?"
        log.error("validation failed internally: %s at %s", type(error).__name__, where)
        result.findings = [_file_finding(spec, "internal")]
        result.figures_by_period = {}
        result.status = AFGEKEURD
    return result


def _file_finding(
    spec: ProtocolSpec,
    key: str,
    *,
    file: str | None = None,
    lines: list[int] | None = None,
    count: int = 1,
    **params: object,
) -> Finding:
    code, template = spec.file_checks[key]
    return Finding(
        code=code,
        severity=FOUT,
        level=BESTAND,
        message=r.render(template, **params),
        count=count,
        lines=list(lines or []),
        file=file,
    )


def _refuse(result: TechnicalResult, spec: ProtocolSpec, refusal: Refusal) -> None:
    result.status = AFGEKEURD
    result.refused = True
    result.findings = [
        _file_finding(spec, key, file=entry, **params) for key, params, entry in refusal.problems
    ]
    result.records_read = result.records_valid = result.records_with_errors = (
        result.records_out_of_period
    ) = 0
    result.files = []
    result.figures_by_period = {}


@dataclasses.dataclass
class _Delivery:
    source: Source
    facts: r.FileFacts


def _validate(
    result: TechnicalResult, data: bytes, context: ValidationContext, spec: ProtocolSpec
) -> None:
    ext = suffix(result.filename)
    is_zip = ext == spec.archive_extension
    if ext not in spec.text_extensions and not is_zip:
        raise Refusal(("extension", {}, None))
    if len(data) > spec.max_upload_bytes:
        raise Refusal(
            (
                "size",
                {"size": format_bytes(len(data)), "limit": format_bytes(spec.max_upload_bytes)},
                None,
            )
        )

    sources = open_sources(result.filename, data, spec)
    deliveries = _check_names(sources, is_zip, context, spec)
    result.municipality_code = deliveries[0].facts.municipality_code
    periods = sorted({d.facts.period.code for d in deliveries})
    result.period_codes = periods
    result.period_code = periods[-1]

    compact_by_period: dict[str, list[pl.DataFrame]] = {}
    for delivery in deliveries:
        run = _FileRun(spec, delivery.facts, delivery.source.name if is_zip else None)
        run.read(delivery.source)
        run.finish()
        result.findings.extend(run.findings())
        result.records_read += run.records
        result.records_with_errors += run.records_with_errors
        result.records_out_of_period += run.out_of_period
        result.files.append(
            FileSummary(
                name=delivery.source.name,
                records=run.records,
                records_with_errors=run.records_with_errors,
                municipality_code=delivery.facts.municipality_code,
                period_code=delivery.facts.period.code,
            )
        )
        compact_by_period.setdefault(delivery.facts.period.code, []).extend(run.compact)
    result.records_valid = result.records_read - result.records_with_errors

    for period_code, frames in compact_by_period.items():
        frame = pl.concat(frames) if frames else empty_compact(spec)
        result.figures_by_period[period_code] = compute_from_compact(
            frame, municipality_code=result.municipality_code, period_code=period_code, spec=spec
        )

    threshold = context.error_threshold_percent
    if result.records_read and result.error_percent > threshold:
        result.findings.append(
            _file_finding(
                spec,
                "threshold",
                percent=_percent(result.error_percent),
                threshold=_percent(threshold),
                count=result.records_with_errors,
            )
        )
    file_errors = any(f.severity == FOUT and f.level == BESTAND for f in result.findings)
    result.status = AFGEKEURD if file_errors else GOEDGEKEURD


def _percent(value: float) -> str:
    return f"{value:.1f}".replace(".", ",").removesuffix(",0") + "%"


def _check_names(
    sources: list[Source], is_zip: bool, context: ValidationContext, spec: ProtocolSpec
) -> list[_Delivery]:
    """Every file name must follow the pattern and point at a known, permitted municipality and an open period."""
    problems: list[tuple[str, dict[str, object], str | None]] = []
    deliveries: list[_Delivery] = []
    pattern = re.compile(spec.filename_pattern, re.IGNORECASE)
    for source in sources:
        entry = source.name if is_zip else None
        match = pattern.fullmatch(base_name(source.name))
        if not match:
            problems.append(("filename", {"example": spec.filename_example}, entry))
            continue
        code = match["municipality"]
        period = Period(int(match["year"]), int(match["half"]))
        if period.year < 1:  # year 0000 has no calendar dates
            problems.append(("filename", {"example": spec.filename_example}, entry))
            continue
        created = _date(match["created"])
        if created is None or created > context.upload_date:
            problems.append(("created_date", {}, entry))
        if code not in context.known_municipality_codes:
            problems.append(("unknown_municipality", {"municipality": code}, entry))
        elif (
            context.allowed_municipality_codes is not None
            and code not in context.allowed_municipality_codes
        ):
            problems.append(("not_allowed", {"municipality": code}, entry))
        if context.open_period_codes is not None and period.code not in context.open_period_codes:
            problems.append(("window_closed", {"period": period.code}, entry))
        if created is None:
            continue
        deliveries.append(_Delivery(source, r.FileFacts(code, period, created)))
    if is_zip and deliveries and not problems:
        if len({d.facts.municipality_code for d in deliveries}) > 1:
            problems.append(("zip_mixed", {}, None))
        periods = {d.facts.period for d in deliveries}
        years = {p.year for p in periods}
        if len(periods) > 1 and (len(periods) > 2 or len(years) > 1):
            problems.append(("zip_periods", {}, None))
    if problems:
        # One finding per kind and entry: the same mistake in every entry reads once per entry.
        unique = list(dict.fromkeys((k, tuple(sorted(p.items())), e) for k, p, e in problems))
        raise Refusal(*[(k, dict(p), e) for k, p, e in unique])
    return deliveries


def _date(text: str) -> dt.date | None:
    try:
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return None


class _FileRun:
    """Validation of one text file, fed chunk by chunk; findings keep a count and the first lines."""

    def __init__(self, spec: ProtocolSpec, facts: r.FileFacts, entry: str | None):
        self.spec = spec
        self.facts = facts
        self.entry = entry
        self.columns = spec.column_names
        self.checks = r.build_checks(spec, facts)
        self.row_checks = [c for c in self.checks if c.expr is not None]
        self.counts: dict[str, int] = {c.key: 0 for c in self.checks}
        self.lines: dict[str, list[int]] = {c.key: [] for c in self.checks}
        self.file_findings: list[Finding] = []
        self.records = 0
        self.records_with_errors = 0
        self.out_of_period = 0
        self.bad_field_count = 0
        self.bad_field_lines: list[int] = []
        self.compact: list[pl.DataFrame] = []
        self.hashes: list[pl.DataFrame] = []
        self._plan = self._build_plan()
        self.compact_schema = compact_schema(spec)

    # -- reading ---------------------------------------------------------------------------------

    def read(self, source: Source) -> None:
        spec = self.spec
        chunks = iter_chunks(source.blocks(), spec.quote_char.encode())
        first = next(chunks, None)
        if first is None or not first.data.strip(b"\r\n"):
            self._file("empty")
            return
        raw_header, rest = split_header(first)
        header = parse_header(raw_header, spec.delimiter, spec.quote_char)
        if header is None:
            self._file("encoding", lines=[1], line=1)
            return
        self._check_header(header)
        for chunk in _chain(rest, chunks):
            if not chunk.data:
                continue
            parsed = parse_chunk(chunk, self.columns, spec.delimiter, spec.quote_char, MAX_LINES)
            if parsed.encoding_error_line is not None:
                line = parsed.encoding_error_line
                self._file("encoding", lines=[line], line=line)
                return
            self.records += parsed.records
            self.bad_field_count += parsed.bad_field_count
            self.bad_field_lines.extend(
                parsed.bad_field_lines[: MAX_LINES - len(self.bad_field_lines)]
            )
            if parsed.frame.height:
                self._validate_frame(parsed.frame)
        if self.records == 0:
            self._file("empty")

    def _file(
        self, key: str, *, lines: list[int] | None = None, count: int = 1, **params: object
    ) -> None:
        self.file_findings.append(
            _file_finding(self.spec, key, file=self.entry, lines=lines, count=count, **params)
        )

    def _check_header(self, header: list[str]) -> None:
        expected = self.columns
        got = [h.strip().lower() for h in header]
        if got == [c.lower() for c in expected]:
            return
        if len(got) != len(expected):
            detail = f"De kopregel heeft {len(got)} kolommen in plaats van {len(expected)}."
        else:
            position = next(i for i, (a, b) in enumerate(zip(got, expected)) if a != b.lower())
            detail = f"Kolom {position + 1} moet {expected[position]} heten."
        self._file(
            "header", lines=[1], columns=len(expected), names=";".join(expected), detail=detail
        )

    # -- checking --------------------------------------------------------------------------------

    def _build_plan(self) -> tuple[list[pl.Expr], list[pl.Expr], list[str], list[str]]:
        spec = self.spec
        masks = [
            c.expr.fill_null(False).alias(c.key)
            for c in self.row_checks
            if c.rule.kind != "out_of_period"
        ]
        error_keys = [c.key for c in self.row_checks if c.is_record_error]
        error = pl.any_horizontal([pl.col(k) for k in error_keys]) if error_keys else pl.lit(False)
        period_keys = [c.key for c in self.row_checks if c.rule.kind == "out_of_period"]
        second = [
            error.alias(r.ERROR),
            (~error).alias(r.VALID),
            r.in_period(spec, self.facts.period).fill_null(False).alias(r.IN_PERIOD),
        ]
        return masks, second, period_keys, [c.key for c in self.row_checks]

    def _validate_frame(self, frame: pl.DataFrame) -> None:
        spec = self.spec
        masks, second, period_keys, keys = self._plan
        checked = (
            frame.lazy()
            .with_columns(r.helper_columns(spec))
            .with_columns(masks)
            .with_columns(second)
            .with_columns(
                [
                    c.expr.fill_null(False).alias(c.key)
                    for c in self.row_checks
                    if c.key in period_keys
                ]
                + self._hash_exprs()
            )
            .collect()
        )
        totals = checked.select([pl.col(k).sum() for k in keys] + [pl.col(r.ERROR).sum()]).row(0)
        for key, total in zip(keys, totals):
            if not total:
                continue
            self.counts[key] += int(total)
            room = MAX_LINES - len(self.lines[key])
            if room > 0:
                self.lines[key].extend(checked.filter(pl.col(key))[LINE].head(room).to_list())
        self.records_with_errors += int(totals[-1])
        self.out_of_period += sum(int(t) for k, t in zip(keys, totals) if k in period_keys)

        figures, schema = spec.figures, self.compact_schema
        self.compact.append(
            checked.filter(pl.col(r.VALID) & pl.col(r.IN_PERIOD)).select(
                pl.col(figures.client).hash(_CLIENT_SEED).alias("client"),
                pl.col(figures.category).cast(schema["category"]).alias("category"),
                pl.col(figures.financing).cast(schema["financing"]).alias("financing"),
                r.effective_start(spec).alias("start"),
                pl.col(r.date_col(figures.end)).alias("end"),
                pl.when(r.filled(figures.reason))
                .then(pl.col(figures.reason))
                .cast(schema["reason"])
                .alias("reason"),
            )
        )
        self.hashes.append(checked.select(pl.col(LINE).cast(pl.UInt32), ROW_HASH, r.KEY_HASH))

    def _hash_exprs(self) -> list[pl.Expr]:
        key_rule = next((c.rule for c in self.checks if c.rule.kind == "duplicate_key"), None)
        if key_rule is None:
            return [pl.lit(None, dtype=pl.UInt64).alias(r.KEY_HASH)]
        parts = r.key_columns(self.spec, key_rule)
        complete = pl.all_horizontal([p.is_not_null() & (p.cast(pl.String) != "") for p in parts])
        return [pl.when(complete).then(pl.struct(parts).hash(_KEY_SEED)).alias(r.KEY_HASH)]

    def _cross_row(self) -> None:
        if not self.hashes:
            return
        table = pl.concat(self.hashes)
        duplicate_row = ~pl.col(ROW_HASH).is_first_distinct()
        duplicate_key = (
            pl.col(r.KEY_HASH).is_not_null()
            & ~pl.col(r.KEY_HASH).is_first_distinct()
            & ~duplicate_row
        )
        flags = table.select(LINE, duplicate_row.alias("row"), duplicate_key.alias("key"))
        for check in self.checks:
            if check.rule.kind not in r.CROSS_ROW_KINDS:
                continue
            mask = "row" if check.rule.kind == "duplicate_row" else "key"
            hits = flags.filter(pl.col(mask))[LINE]
            self.counts[check.key] = hits.len()
            self.lines[check.key] = hits.head(MAX_LINES).to_list()

    # -- outcome ---------------------------------------------------------------------------------

    def finish(self) -> None:
        """Close the file: compare rows across chunks and count unreadable rows as errors."""
        self._cross_row()
        if self.bad_field_count:
            self._file(
                "field_count",
                lines=self.bad_field_lines,
                count=self.bad_field_count,
                columns=len(self.columns),
            )
            self.records_with_errors += self.bad_field_count

    def findings(self) -> list[Finding]:
        out = list(self.file_findings)
        for check in self.checks:
            total = self.counts[check.key]
            if not total:
                continue
            out.append(
                Finding(
                    code=check.rule.code,
                    severity=check.rule.severity,
                    level=check.rule.level,
                    message=check.message,
                    count=total,
                    lines=self.lines[check.key],
                    column=check.column,
                    file=self.entry,
                )
            )
        return out


def _chain(first, rest):
    yield first
    yield from rest


def readiness_figures(
    result: TechnicalResult, period_code: str | None = None
) -> ReadinessFigures | None:
    """The op-orde figures a technical result carries for a period (default: the delivered one)."""
    return result.figures_by_period.get(period_code or result.period_code or "")


def compute_figures(
    filename: str,
    data: bytes,
    *,
    spec: ProtocolSpec = SPEC_WMO_V1,
    period_code: str | None = None,
    context: ValidationContext | None = None,
) -> ReadinessFigures | None:
    """Validate an upload and return its op-orde figures (None when it was refused)."""
    return readiness_figures(
        validate_upload(filename, data, context=context, spec=spec), period_code
    )
