"""validate_upload: the bytes of an upload in, the technisch rapport (TechnicalResult) out, never an exception."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import itertools
import logging
import re
import traceback
from collections.abc import Iterator

import polars as pl

from cbs_monitor import dutch
from cbs_monitor.protocol import rules as r
from cbs_monitor.protocol.archive import (
    Refusal,
    Source,
    base_name,
    file_types,
    open_sources,
    suffix,
)
from cbs_monitor.protocol.figures import (
    ReadinessFigures,
    compact_schema,
    compute_from_compact,
    empty_compact,
)
from cbs_monitor.protocol.header import SEP_LINE, judge_header
from cbs_monitor.protocol.municipalities import load_municipalities
from cbs_monitor.protocol.periods import Period, parse_period
from cbs_monitor.protocol.result import (
    AFGEKEURD,
    GEWEIGERD,
    GOEDGEKEURD,
    MAX_LINES,
    Admission,
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
    Chunk,
    iter_chunks,
    join_chunks,
    parse_chunk,
    parse_header,
    split_header,
)

log = logging.getLogger(__name__)
# Fixed seeds: hashes only need to agree within one validation run.
_KEY_SEED = 0x5EED
_CLIENT_SEED = 0xC11E
Problem = tuple[str, dict[str, object], str | None]


def validate_upload(
    filename: str,
    data: bytes,
    *,
    context: ValidationContext | None = None,
    spec: ProtocolSpec = SPEC_WMO_V1,
) -> TechnicalResult:
    """Check one upload against the protocol; bad input gives a report, never an exception.

    Every upload gets a full technisch rapport (Goedgekeurd or Afgekeurd, every finding), a
    wrong file name, unknown municipality, future aanmaakdatum or closed window included: those
    are file-level errors, and the rows are then compared with the context's fallbacks. Only
    what may never be processed is refused before reading (status Geweigerd): a wrong type, a
    file over `context.max_upload_bytes`, a hostile or broken ZIP, and a known municipality the
    uploader may not deliver for (`context.allowed_municipality_codes`).
    """
    context = context or ValidationContext()
    result = _new_result(filename, data, context, spec)
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


def _new_result(
    filename: str, data: bytes, context: ValidationContext, spec: ProtocolSpec
) -> TechnicalResult:
    return TechnicalResult(
        filename=str(filename),
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        error_threshold_percent=context.error_threshold_percent,
        spec_version=spec.version,
    )


def admit_upload(
    filename: str,
    data: bytes,
    *,
    context: ValidationContext | None = None,
    spec: ProtocolSpec = SPEC_WMO_V1,
) -> Admission:
    """The checks before any row is read, as `validate_upload` makes them: whether the upload may
    be received at all (else its Geweigerd report), and whom and which period its name(s) name.

    Cheap (names and a ZIP's directory, no rows), so the portal can give a receipt at once and
    leave the rows to a validation job that reaches the same verdict on the same context.
    """
    context = context or ValidationContext()
    result = _new_result(filename, data, context, spec)
    try:
        _admit(result, data, context, spec)
    except Refusal as refusal:
        _refuse(result, spec, refusal)
        return Admission(refused=result)
    except Exception as error:  # noqa: BLE001 — the full validation reports it as internal
        log.error("admission failed internally: %s", type(error).__name__)
        return Admission()
    return Admission(municipality_code=result.municipality_code, period_code=result.period_code)


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


def _problem_finding(spec: ProtocolSpec, problem: Problem) -> Finding:
    key, params, entry = problem
    code, template = spec.file_checks[key]
    return Finding(code, FOUT, BESTAND, r.render(template, **params), file=entry)


def _refuse(result: TechnicalResult, spec: ProtocolSpec, refusal: Refusal) -> None:
    result.status = GEWEIGERD
    result.findings = [_problem_finding(spec, problem) for problem in refusal.problems]
    result.records_read = result.records_valid = result.records_with_errors = (
        result.records_out_of_period
    ) = 0
    result.files = []
    result.figures_by_period = {}


@dataclasses.dataclass
class _Name:
    """What a file name says, each part only when it is valid."""

    municipality: str | None = None
    period: Period | None = None
    created: dt.date | None = None
    valid: bool = False


@dataclasses.dataclass
class _Delivery:
    source: Source
    name: _Name
    # What the rows are checked against: the name's parts, else the context's fallbacks.
    facts: r.FileFacts


def _admit(
    result: TechnicalResult, data: bytes, context: ValidationContext, spec: ProtocolSpec
) -> tuple[bool, list[_Delivery], list[Problem]]:
    """Type, size, the archive and the names; raises Refusal for what may never be read."""
    ext = suffix(result.filename)
    is_zip = ext == spec.archive_extension
    if ext not in spec.text_extensions and not is_zip:
        types = file_types((*spec.text_extensions, spec.archive_extension))
        raise Refusal(("extension", {"types": types}, None))
    if len(data) > context.max_upload_bytes:
        size: dict[str, object] = {
            "size": dutch.file_size_with_bytes(len(data)),
            "limit": dutch.file_size_with_bytes(context.max_upload_bytes),
        }
        raise Refusal(("size", size, None))

    sources = open_sources(result.filename, data, spec)
    deliveries, problems = _read_names(sources, is_zip, context, spec, result)
    return is_zip, deliveries, problems


def _validate(
    result: TechnicalResult, data: bytes, context: ValidationContext, spec: ProtocolSpec
) -> None:
    is_zip, deliveries, problems = _admit(result, data, context, spec)
    result.findings.extend(_problem_finding(spec, problem) for problem in problems)

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
                municipality_code=delivery.name.municipality,
                period_code=delivery.name.period.code if delivery.name.period else None,
            )
        )
        if delivery.facts.period is not None:
            frames = compact_by_period.setdefault(delivery.facts.period.code, [])
            frames.extend(run.compact)
    result.records_valid = result.records_read - result.records_with_errors

    municipality = result.municipality_code or context.fallback_municipality_code or ""
    for period_code, frames in compact_by_period.items():
        frame = pl.concat(frames) if frames else empty_compact(spec)
        result.figures_by_period[period_code] = compute_from_compact(
            frame, municipality_code=municipality, period_code=period_code, spec=spec
        )

    threshold = context.error_threshold_percent
    if result.records_read and result.error_percent > threshold:
        result.findings.append(
            _file_finding(
                spec,
                "threshold",
                percent=dutch.percent(result.error_percent),
                threshold=dutch.percent(threshold),
                count=result.records_with_errors,
            )
        )
    file_errors = any(f.severity == FOUT and f.level == BESTAND for f in result.findings)
    result.status = AFGEKEURD if file_errors else GOEDGEKEURD


def _read_name(name: str, entry: str | None, context: ValidationContext, spec: ProtocolSpec):
    """The valid parts of one file name and the file-level problems with it."""
    match = re.fullmatch(spec.filename_pattern, base_name(name), re.IGNORECASE)
    # Year 0000 has no calendar dates: the name cannot mean a period.
    if not match or int(match["year"]) < 1:
        return _Name(), [("filename", {"example": spec.filename_example}, entry)]
    problems: list[Problem] = []
    code = match["municipality"]
    found = _Name(period=Period(int(match["year"]), int(match["half"])))
    if code in context.known_municipality_codes:
        found.municipality = code
    else:
        problems.append(("unknown_municipality", {"municipality": code}, entry))
    found.created = _date(match["created"])
    if found.created is None:
        problems.append(("created_invalid", {"created": match["created"]}, entry))
    elif found.created > context.upload_date:
        dates: dict[str, object] = {
            "created": dutch.date(found.created),
            "upload_date": dutch.date(context.upload_date),
        }
        problems.append(("created_future", dates, entry))
    found.valid = not problems
    return found, problems


def _read_names(
    sources: list[Source],
    is_zip: bool,
    context: ValidationContext,
    spec: ProtocolSpec,
    result: TechnicalResult,
) -> tuple[list[_Delivery], list[Problem]]:
    """What the names say (into `result`), what the rows are checked against, and the problems.

    Raises Refusal when a known municipality (from a name, else the fallback) is one the
    uploader may not deliver for: such a file is never read.
    """
    problems: list[Problem] = []
    deliveries: list[_Delivery] = []
    fallback_period = (
        parse_period(context.fallback_period_code) if context.fallback_period_code else None
    )
    for source in sources:
        entry = source.name if is_zip else None
        name, found = _read_name(source.name, entry, context, spec)
        problems.extend(found)
        fallback = frozenset(
            part
            for part, value in (("municipality", name.municipality), ("period", name.period))
            if value is None
        )
        facts = r.FileFacts(
            municipality_code=name.municipality or context.fallback_municipality_code,
            period=name.period or fallback_period,
            created=name.created,
            fallback=fallback,
        )
        deliveries.append(_Delivery(source, name, facts))

    codes = sorted({d.name.municipality for d in deliveries if d.name.municipality})
    periods = sorted({d.name.period for d in deliveries if d.name.period}, key=lambda p: p.code)
    periods_ok = len(periods) <= 1 or (len(periods) == 2 and periods[0].year == periods[1].year)
    if len(codes) > 1:
        problems.append(("zip_mixed", {"municipalities": dutch.join_and(codes)}, None))
    if not periods_ok:
        codes_text = dutch.join_and([p.code for p in periods])
        problems.append(("zip_periods", {"periods": codes_text}, None))
    every_name = {
        "municipality": all(d.name.municipality for d in deliveries),
        "period": all(d.name.period for d in deliveries),
    }
    result.municipality_code = codes[0] if len(codes) == 1 and every_name["municipality"] else None
    result.period_code = (
        periods[-1].code if periods_ok and periods and every_name["period"] else None
    )
    result.name_valid = all(d.name.valid for d in deliveries) and len(codes) <= 1 and periods_ok
    result.period_codes = sorted({d.facts.period.code for d in deliveries if d.facts.period})

    if context.allowed_municipality_codes is not None:
        refused = sorted(
            {
                d.facts.municipality_code
                for d in deliveries
                if d.facts.municipality_code in context.known_municipality_codes
                and d.facts.municipality_code not in context.allowed_municipality_codes
            }
        )
        if refused:
            names = load_municipalities()
            problems_refused: list[Problem] = [
                ("not_allowed", {"municipality": f"{code} {names.get(code, '')}".strip()}, None)
                for code in refused
            ]
            raise Refusal(*problems_refused)
    if context.open_period_codes is not None:
        for delivery in deliveries:
            period = delivery.facts.period
            if period is not None and period.code not in context.open_period_codes:
                entry = delivery.source.name if is_zip else None
                problems.append(("window_closed", {"period": period.code}, entry))
    # One finding per kind and entry: the same mistake in every entry reads once per entry.
    unique = list(dict.fromkeys((k, tuple(sorted(p.items())), e) for k, p, e in problems))
    return deliveries, [(k, dict(p), e) for k, p, e in unique]


def _date(text: str) -> dt.date | None:
    try:
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return None


# How much of a file decides whether its lines end in a bare CR: the same bytes whatever the
# size of the blocks it is read in (a ZIP entry is read in blocks), so the verdict never depends
# on where they are cut.
LINE_END_PROBE = 64 * 1024


def _skipped_before_header(text: str) -> str | None:
    """The header phrase of a line read past before the header (blank, `sep=`), else None."""
    if not text.strip():
        return "blank_line"
    return "sep_line" if SEP_LINE.fullmatch(text) else None


def _holds_header_line(data: bytes) -> bool:
    """True when the data has a complete line that is not read past before the header."""
    start = 0
    while (end := data.find(b"\n", start)) >= 0:
        if _skipped_before_header(data[start:end].decode("utf-8", "replace")) is None:
            return True
        start = end + 1
    return False


def _line_ends(blocks: Iterator[bytes]) -> tuple[Iterator[bytes], bool]:
    """The blocks, with CR turned into LF when lines end in a bare CR (old Mac files)."""
    stream = iter(blocks)
    head: list[bytes] = []
    size = 0
    for block in stream:
        head.append(block)
        size += len(block)
        if size > LINE_END_PROBE:
            break
    if not head:
        return iter(()), False
    probe = b"".join(head)[: LINE_END_PROBE + 1]  # one byte more: a CRLF cut at the edge
    cr_only = b"\r" in probe and b"\n" not in probe
    whole = itertools.chain(head, stream)
    if cr_only:
        return (block.replace(b"\r", b"\n") for block in whole), True
    return whole, False


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
        self.unclosed_count = 0
        self.unclosed_lines: list[int] = []
        # Set by an encoding error: the rest of the file is not read.
        self.unreadable = False
        self.compact: list[pl.DataFrame] = []
        self.hashes: list[pl.DataFrame] = []
        self._plan = self._build_plan()
        self.compact_schema = compact_schema(spec)

    # -- reading ---------------------------------------------------------------------------------

    def read(self, source: Source) -> None:
        spec = self.spec
        blocks, cr_only = _line_ends(source.blocks())
        chunks = iter_chunks(blocks, spec.quote_char.encode())
        first = next(chunks, None)
        # The header is judged on whole lines: a block may end after a blank or `sep=` line, so
        # chunks are joined until the first other line is complete (or the file ends).
        while first is not None and not _holds_header_line(first.data):
            following = next(chunks, None)
            if following is None:
                break
            first = join_chunks(first, following)
        if first is None or not first.data.strip(b"\r\n"):
            self._file("empty")
            return
        rest = self._read_header(first, cr_only)
        if rest is None:
            return
        pending: Chunk | None = None
        for chunk in itertools.chain((rest,), chunks):
            pending = self._take(join_chunks(pending, chunk))
            if self.unreadable:
                return
        if pending is not None:
            # The chunks ended without one marked last: read what is left as the end.
            self._take(Chunk(pending.first_line, pending.data, last=True))
            if self.unreadable:
                return
        if self.records == 0:
            self._file("empty")

    def _take(self, chunk: Chunk) -> Chunk | None:
        """Read one chunk; returns the lines of a record left open at its end, to carry."""
        if not chunk.data:
            return None
        spec = self.spec
        parsed = parse_chunk(chunk, self.columns, spec.delimiter, spec.quote_char, MAX_LINES)
        if parsed.encoding_error_line is not None:
            line = parsed.encoding_error_line
            self._file("encoding", lines=[line], line=line)
            self._forget_records()
            return None
        self.records += parsed.records
        self.bad_field_count += parsed.bad_field_count
        self.bad_field_lines.extend(parsed.bad_field_lines[: MAX_LINES - len(self.bad_field_lines)])
        self.unclosed_count += parsed.unclosed_count
        self.unclosed_lines.extend(parsed.unclosed_lines[: MAX_LINES - len(self.unclosed_lines)])
        if parsed.frame.height:
            self._validate_frame(parsed.frame)
        return parsed.tail

    def _forget_records(self) -> None:
        """A file that is not UTF-8 is not read as records at all: what earlier chunks gave is
        dropped, so the report does not depend on where the blocks happened to be cut."""
        self.unreadable = True
        self.counts = dict.fromkeys(self.counts, 0)
        self.lines = {key: [] for key in self.lines}
        self.records = self.records_with_errors = self.out_of_period = 0
        self.bad_field_count = self.unclosed_count = 0
        self.bad_field_lines, self.unclosed_lines = [], []
        self.compact, self.hashes = [], []

    def _read_header(self, first: Chunk, cr_only: bool) -> Chunk | None:
        """Judge the header; returns the chunk the records start in, or None after an encoding error.

        A `sep=;` line or a blank line before the header is reported and skipped, and a first
        line that is really a record is reported and read as one, so no line is lost.
        """
        spec = self.spec
        phrase = spec.header_problems
        phrases: list[str] = [phrase["cr_only"]] if cr_only else []
        lines: list[int] = []
        chunk = first
        while True:
            raw, rest = split_header(chunk)
            fields = parse_header(raw, spec.delimiter, spec.quote_char)
            if fields is None:
                self._file("encoding", lines=[chunk.first_line], line=chunk.first_line)
                return None
            text = raw.decode("utf-8")
            skip = _skipped_before_header(text)
            if skip is None or not rest.data.strip(b"\r\n"):
                break
            line = chunk.first_line
            phrases.append(r.render(phrase[skip], line=line, text=text.strip(), next=line + 1))
            lines.append(line)
            chunk = rest
        verdict = judge_header(fields, text, spec, chunk.first_line)
        if verdict.phrases:
            phrases.extend(verdict.phrases)
            lines.append(chunk.first_line)
        if phrases:
            detail = "; ".join(phrases)
            lines = lines or [chunk.first_line]
            self._file("header", lines=lines, count=len(lines), detail=detail)
        return chunk if verdict.is_record else rest

    def _file(
        self, key: str, *, lines: list[int] | None = None, count: int = 1, **params: object
    ) -> None:
        self.file_findings.append(
            _file_finding(self.spec, key, file=self.entry, lines=lines, count=count, **params)
        )

    # -- checking --------------------------------------------------------------------------------

    def _build_plan(self) -> tuple[list[pl.Expr], list[pl.Expr], list[str], list[str]]:
        spec = self.spec
        masks = [
            c.expr.fill_null(False).alias(c.key)
            for c in self.row_checks
            if c.expr is not None and c.rule.kind != "out_of_period"
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
                    if c.expr is not None and c.key in period_keys
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
                pl.col(ROW_HASH).alias("row"),
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
                columns=dutch.number(len(self.columns)),
                delimiter=self.spec.delimiter,
            )
            self.records_with_errors += self.bad_field_count
        if self.unclosed_count:
            self._file(
                "unclosed_quote",
                lines=self.unclosed_lines,
                count=self.unclosed_count,
            )
            self.records_with_errors += self.unclosed_count

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
