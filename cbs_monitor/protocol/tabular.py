"""Delimited text to a table of string fields with file line numbers, fast for clean files and exact for odd ones."""

# Clean files (no quotes, or quotes only around whole fields without separators inside) are
# split by polars in bulk. Anything else (quoted separators or line breaks, stray quotes) goes
# through Python's csv module, which defines what the file means; both paths give the same table.

from __future__ import annotations

import csv
import dataclasses
import re
from collections.abc import Iterator

import polars as pl

LINE = "__line"
# A hash of the record's fields joined by the delimiter: equal rows, equal hash. It is computed
# here because the raw line of a clean file already is that join, which is cheap to hash.
ROW_HASH = "__row_hash"
_ROW_SEED = 0x5EED
BOM = b"\xef\xbb\xbf"
# Carry at most this much without a safe place to cut before cutting anyway: a file with an
# unclosed quote is broken, and holding the rest of it in one piece would only cost memory.
MAX_CARRY = 16 * 1024 * 1024


@dataclasses.dataclass
class Chunk:
    """A run of whole records; `first_line` is the file line number of its first line."""

    first_line: int
    data: bytes


@dataclasses.dataclass
class ParsedChunk:
    # LINE (Int64), ROW_HASH (UInt64) and one String column per spec column; "" means not
    # filled. Only rows with the right number of fields are in it.
    frame: pl.DataFrame
    records: int = 0
    bad_field_count: int = 0
    bad_field_lines: list[int] = dataclasses.field(default_factory=list)
    encoding_error_line: int | None = None


def iter_chunks(blocks: Iterator[bytes], quote: bytes = b'"') -> Iterator[Chunk]:
    """Re-cut a stream of blocks at line ends outside quotes; the BOM at the start is dropped."""
    carry = b""
    line = 1
    started = False
    stream = iter(blocks)
    block = next(stream, None)
    while block is not None:
        following = next(stream, None)
        buffer = carry + block if carry else block
        carry = b""
        if not started:
            if following is not None and len(buffer) < len(BOM):
                carry = buffer
                block = following
                continue
            buffer = buffer.removeprefix(BOM)
            started = True
        if following is None:
            cut = len(buffer) - 1
        else:
            cut = _safe_cut(buffer, quote)
            if cut < 0 and len(buffer) > MAX_CARRY:
                cut = buffer.rfind(b"\n")
        if cut >= 0:
            piece, carry = buffer[: cut + 1], buffer[cut + 1 :]
            if piece:
                yield Chunk(line, piece)
            line += piece.count(b"\n")
        else:
            carry = buffer
        block = following
    if carry:
        yield Chunk(line, carry.removeprefix(BOM) if not started else carry)


def _safe_cut(buffer: bytes, quote: bytes) -> int:
    """The last newline with an even number of quotes before it (so outside a quoted field), or -1."""
    cut = buffer.rfind(b"\n")
    if cut < 0 or quote not in buffer:
        return cut
    quotes = buffer.count(quote, 0, cut)
    while cut >= 0 and quotes % 2:
        previous = buffer.rfind(b"\n", 0, cut)
        quotes -= buffer.count(quote, max(previous, 0), cut)
        cut = previous
    return cut


def split_header(chunk: Chunk) -> tuple[bytes, Chunk]:
    """The first line (without its line end) and the rest of the chunk."""
    end = chunk.data.find(b"\n")
    if end < 0:
        return chunk.data.rstrip(b"\r"), Chunk(chunk.first_line + 1, b"")
    return chunk.data[:end].rstrip(b"\r"), Chunk(chunk.first_line + 1, chunk.data[end + 1 :])


def parse_header(raw: bytes, delimiter: str, quote: str) -> list[str] | None:
    """The header fields, or None when the line is not UTF-8."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    try:
        return next(csv.reader([text], delimiter=delimiter, quotechar=quote, strict=False), [])
    except csv.Error:
        return [text]


def first_bad_utf8_line(data: bytes, first_line: int) -> int | None:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        return first_line + data.count(b"\n", 0, error.start)
    return None


def parse_chunk(
    chunk: Chunk, columns: tuple[str, ...], delimiter: str, quote: str, max_lines: int
) -> ParsedChunk:
    """The records of a chunk as a table; rows with a wrong field count are counted, not kept."""
    try:
        text = pl.Series([chunk.data], dtype=pl.Binary).cast(pl.String)
    except Exception:  # noqa: BLE001 — invalid UTF-8: polars says so without saying where
        bad = first_bad_utf8_line(chunk.data, chunk.first_line) or chunk.first_line
        return ParsedChunk(empty_frame(columns), encoding_error_line=bad)

    lines = (
        pl.DataFrame({"l": text.str.split("\n").explode()})
        .with_row_index(LINE, offset=chunk.first_line)
        .with_columns(pl.col(LINE).cast(pl.Int64), pl.col("l").str.strip_suffix("\r"))
        .filter(pl.col("l") != "")
    )
    if quote.encode() in chunk.data:
        simple = _simple_quoting(lines["l"], delimiter, quote)
        if simple is None:
            return _parse_with_csv(chunk, columns, delimiter, quote, max_lines)
        lines = lines.with_columns(simple.alias("l"))

    expected = len(columns) - 1
    lines = lines.with_columns(pl.col("l").str.count_matches(delimiter, literal=True).alias("n"))
    wrong = lines.filter(pl.col("n") != expected)
    frame = (
        lines.filter(pl.col("n") == expected)
        .select(
            pl.col(LINE),
            pl.col("l").hash(_ROW_SEED).alias(ROW_HASH),
            pl.col("l")
            .str.split_exact(delimiter, expected)
            .struct.rename_fields(list(columns))
            .alias("f"),
        )
        .unnest("f")
    )
    return ParsedChunk(
        frame,
        records=lines.height,
        bad_field_count=wrong.height,
        bad_field_lines=wrong[LINE].head(max_lines).to_list(),
    )


def _simple_quoting(lines: pl.Series, delimiter: str, quote: str) -> pl.Series | None:
    """The lines with their quotes removed, when that is all the quoting meant; else None.

    Simple means: quotes only around whole fields, no separator, line break or doubled quote
    inside them. Then dropping every quote gives exactly the fields the csv module would.
    """
    q, d = re.escape(quote), re.escape(delimiter)
    field = f"(?:{q}[^{q}{d}]*{q}|[^{q}{d}]*)"
    well_formed = lines.str.contains(f"^{field}(?:{d}{field})*$")
    if not bool(well_formed.all()):
        return None
    return lines.str.replace_all(quote, "", literal=True)


def _parse_with_csv(
    chunk: Chunk, columns: tuple[str, ...], delimiter: str, quote: str, max_lines: int
) -> ParsedChunk:
    # Lines end at "\n" only, as in the fast path, so both number lines the same way.
    lines = chunk.data.decode("utf-8").split("\n")
    reader = csv.reader(
        (line + "\n" for line in lines), delimiter=delimiter, quotechar=quote, strict=False
    )
    rows: list[list[str]] = []
    line_numbers: list[int] = []
    parsed = ParsedChunk(empty_frame(columns))
    consumed = 0
    while True:
        start = chunk.first_line + consumed
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error:
            # A bare carriage return inside a field, or a field beyond the csv module's size
            # limit: the record cannot be read as fields, which is what a wrong field count says.
            consumed = reader.line_num
            parsed.records += 1
            parsed.bad_field_count += 1
            if len(parsed.bad_field_lines) < max_lines:
                parsed.bad_field_lines.append(start)
            continue
        consumed = reader.line_num
        if not row:
            continue
        parsed.records += 1
        if len(row) != len(columns):
            parsed.bad_field_count += 1
            if len(parsed.bad_field_lines) < max_lines:
                parsed.bad_field_lines.append(start)
            continue
        rows.append(row)
        line_numbers.append(start)
    if rows:
        data = {LINE: pl.Series(line_numbers, dtype=pl.Int64)}
        for name, values in zip(columns, zip(*rows)):
            data[name] = pl.Series(values, dtype=pl.String)
        parsed.frame = pl.DataFrame(data).select(
            pl.col(LINE),
            pl.concat_str(list(columns), separator=delimiter).hash(_ROW_SEED).alias(ROW_HASH),
            *columns,
        )
    return parsed


def empty_frame(columns: tuple[str, ...]) -> pl.DataFrame:
    return pl.DataFrame(
        schema={LINE: pl.Int64, ROW_HASH: pl.UInt64, **dict.fromkeys(columns, pl.String)}
    )
