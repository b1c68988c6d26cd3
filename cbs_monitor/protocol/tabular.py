"""Delimited text to a table of string fields with file line numbers, fast for clean files and exact for odd ones."""

# Clean files (no quotes, or quotes only around whole fields without separators inside) are
# split by polars in bulk. Anything else (quoted separators or line breaks, stray quotes) goes
# through Python's csv module, which defines what the file means; both paths give the same table
# for the same fields, however they are quoted (tests/protocol/test_properties.py holds them to it).
#
# What the csv module alone would get wrong, and this module settles the same way on both paths:
# - a field of any length is a field (the module's default field-size limit of 131 072
#   characters is lifted below; the fast path never had one);
# - a carriage return inside a line is a character of its field (the module calls it an error);
# - a quote that is never closed, or not closed within MAX_RECORD_LINES lines, or that makes a
#   record of several lines with the wrong number of fields or loose quoting (a closing quote
#   not followed by a separator or the line end), is an unclosed quote on its line:
#   that line counts as one record with an error and reading goes on at the next line, so no
#   record is swallowed by it.

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
# (Cutting there is safe: a record left open at a chunk's end is carried into the next one.)
MAX_CARRY = 16 * 1024 * 1024
# A quoted field may hold line breaks, but no field of the protocol is longer than 20 characters;
# a quote still open after this many lines is taken as never closed. This also bounds the work a
# file full of stray quotes can cause (each line is read at most this many times).
MAX_RECORD_LINES = 20
# The module-wide limit of the csv module: above any chunk this module builds.
_FIELD_LIMIT = 2**31 - 1
if csv.field_size_limit() < _FIELD_LIMIT:
    csv.field_size_limit(_FIELD_LIMIT)
# Lone surrogates never come out of a UTF-8 decode, so they can mark things inside decoded text:
# the end of the input, and a carriage return the csv module must not see as a line end.
_END = "\ud800"
_CR = "\udc0d"


@dataclasses.dataclass
class Chunk:
    """A run of whole lines; `first_line` is the file line number of its first line.

    `last` is False while more of the file follows: a record still open at the end of such a
    chunk is handed back (ParsedChunk.tail) to be read together with the next chunk.
    """

    first_line: int
    data: bytes
    last: bool = True


@dataclasses.dataclass
class ParsedChunk:
    # LINE (Int64), ROW_HASH (UInt64) and one String column per spec column; "" means not
    # filled. Only rows with the right number of fields are in it.
    frame: pl.DataFrame
    records: int = 0
    bad_field_count: int = 0
    bad_field_lines: list[int] = dataclasses.field(default_factory=list)
    # Lines with a quote that is not closed: each counts as one record with an error.
    unclosed_count: int = 0
    unclosed_lines: list[int] = dataclasses.field(default_factory=list)
    encoding_error_line: int | None = None
    # The lines of a record still open at the end of a chunk that is not the last one.
    tail: Chunk | None = None


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
                yield Chunk(line, piece, last=following is None and not carry)
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
        return chunk.data.rstrip(b"\r"), Chunk(chunk.first_line + 1, b"", chunk.last)
    rest = Chunk(chunk.first_line + 1, chunk.data[end + 1 :], chunk.last)
    return chunk.data[:end].rstrip(b"\r"), rest


def join_chunks(first: Chunk | None, second: Chunk) -> Chunk:
    """A carried tail and the chunk after it as one chunk (the tail's lines come first)."""
    if first is None:
        return second
    return Chunk(first.first_line, first.data + second.data, second.last)


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
    """The records of a chunk as a table; rows with a wrong field count or an unclosed quote are
    counted, not kept."""
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
            return parse_with_csv(chunk, columns, delimiter, quote, max_lines)
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


def parse_with_csv(
    chunk: Chunk, columns: tuple[str, ...], delimiter: str, quote: str, max_lines: int
) -> ParsedChunk:
    """The exact path: the csv module, record by record, with the rules in the module docstring."""
    # Lines end at "\n" only, as in the fast path, so both number lines the same way.
    text = chunk.data.decode("utf-8")
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    # Only a CR that is not part of a CRLF needs hiding (most files have none).
    has_cr = text.count("\r") != text.count("\r\n")
    if has_cr:
        # A CR at the end of a line belongs to its line end; any other is a character.
        lines = [_hide_cr(line) for line in lines]
    count = len(lines)
    parsed = ParsedChunk(empty_frame(columns))
    rows: list[list[str]] = []
    line_numbers: list[int] = []
    # [where the record being read began, the first line it may not reach (MAX_RECORD_LINES),
    # whether feeding stopped there]: shared with the feeding generator.
    state = [0, MAX_RECORD_LINES, False]

    def feed(first: int) -> Iterator[str]:
        for index in range(first, count):
            if index >= state[1]:
                state[2] = True
                break
            yield lines[index] + "\n"
        # Absorbed into a field when a quote is still open, its own row otherwise.
        yield _END + "\n"

    def unclosed(index: int) -> None:
        parsed.records += 1
        parsed.unclosed_count += 1
        if len(parsed.unclosed_lines) < max_lines:
            parsed.unclosed_lines.append(chunk.first_line + index)

    position = 0
    while position < count:
        state[:] = [position, position + MAX_RECORD_LINES, False]
        reader = csv.reader(feed(position), delimiter=delimiter, quotechar=quote, strict=False)
        restart: int | None = None
        for row in reader:
            first, after = state[0], position + reader.line_num
            state[0], state[1] = after, after + MAX_RECORD_LINES
            if row == [_END]:
                break
            if row and _END in row[-1]:
                # The input ran out (or MAX_RECORD_LINES did) inside a quoted field.
                if not chunk.last and not state[2]:
                    tail = "".join(_show_cr(line) + "\n" for line in lines[first:])
                    parsed.tail = Chunk(chunk.first_line + first, tail.encode("utf-8"), False)
                    break
                unclosed(first)
                restart = first + 1
                break
            if after - first > 1 and not _well_formed(
                row, lines[first:after], columns, delimiter, quote
            ):
                unclosed(first)
                restart = first + 1
                break
            if not row:
                continue
            parsed.records += 1
            if len(row) != len(columns):
                parsed.bad_field_count += 1
                if len(parsed.bad_field_lines) < max_lines:
                    parsed.bad_field_lines.append(chunk.first_line + first)
                continue
            rows.append([_show_cr(field) for field in row] if has_cr else row)
            line_numbers.append(chunk.first_line + first)
        if restart is None:
            break
        position = restart
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


def _well_formed(
    row: list[str], lines: list[str], columns: tuple[str, ...], delimiter: str, quote: str
) -> bool:
    """A record over several lines counts only with the right field count and strict quoting
    (every closing quote followed by a separator or the line end); else its first quote was
    a stray one, and taking it as opening a field would swallow the lines after it."""
    if len(row) != len(columns):
        return False
    try:
        for _ in csv.reader(
            (line + "\n" for line in lines), delimiter=delimiter, quotechar=quote, strict=True
        ):
            pass
    except csv.Error:
        return False
    return True


def _hide_cr(line: str) -> str:
    end = "\r" if line.endswith("\r") else ""
    return line[: len(line) - len(end)].replace("\r", _CR) + end


def _show_cr(line: str) -> str:
    return line.replace(_CR, "\r")


def empty_frame(columns: tuple[str, ...]) -> pl.DataFrame:
    return pl.DataFrame(
        schema={LINE: pl.Int64, ROW_HASH: pl.UInt64, **dict.fromkeys(columns, pl.String)}
    )
