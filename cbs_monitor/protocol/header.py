"""The header line judged against the spec: what differs, said first, in the spec's Dutch phrases."""

from __future__ import annotations

import csv
import dataclasses
import re
import unicodedata

from cbs_monitor import dutch
from cbs_monitor.protocol.rules import render
from cbs_monitor.protocol.spec import ProtocolSpec

# Excel writes `sep=;` as a first line to announce the separator; it is not part of the protocol.
SEP_LINE = re.compile(r"\s*sep=.\s*", re.IGNORECASE)
# At most this many renamed columns are named; the rest are counted.
MAX_NAMED = 3
# A header value with a run of digits is not echoed: it may be data (a BSN) rather than a name.
_DIGITS = re.compile(r"[0-9]{5}")
_NUMBER = re.compile(r"[0-9]+")
_INVISIBLE_NAMES = {
    "\ufeff": "een BOM (U+FEFF), vaak van twee keer opslaan als 'UTF-8 met BOM'",
    "\u00a0": "een harde spatie (U+00A0)",
    "\u200b": "een spatie zonder breedte (U+200B)",
}
_MAX_ECHO = 60


@dataclasses.dataclass
class HeaderVerdict:
    """Dutch phrases for what is wrong (empty: the header is right), and whether the line is a record."""

    phrases: list[str] = dataclasses.field(default_factory=list)
    is_record: bool = False


def judge_header(fields: list[str], text: str, spec: ProtocolSpec, line: int) -> HeaderVerdict:
    """Compare header fields (and the raw line `text`) with the spec's column names."""
    verdict = HeaderVerdict()
    phrase = spec.header_problems
    expected = list(spec.column_names)
    expected_lower = [name.lower() for name in expected]

    separator = _other_separator(fields, text, spec)
    if separator is not None:
        verdict.phrases.append(
            render(phrase["separator"], found=separator, delimiter=spec.delimiter)
        )
        return verdict

    cleaned = []
    for position, field in enumerate(fields, start=1):
        hidden = [c for c in field if _invisible(c)]
        if hidden:
            name = expected[position - 1] if position <= len(expected) else _visible(field)
            verdict.phrases.append(
                render(
                    phrase["invisible"],
                    position=position,
                    expected=name,
                    char=_INVISIBLE_NAMES.get(hidden[0], f"U+{ord(hidden[0]):04X}"),
                )
            )
        cleaned.append(_visible(field).strip())
    got_lower = [name.lower() for name in cleaned]
    if got_lower == expected_lower:
        return verdict

    if _looks_like_record(cleaned, expected_lower):
        verdict.is_record = True
        verdict.phrases.append(render(phrase["record"], line=line))
        verdict.phrases.append(_expected(spec))
        return verdict

    if len(cleaned) == len(expected):
        differing = [i for i, (a, b) in enumerate(zip(got_lower, expected_lower)) if a != b]
        for i in differing[:MAX_NAMED]:
            found = cleaned[i]
            if _echoable(found):
                verdict.phrases.append(
                    render(phrase["renamed"], position=i + 1, found=found, expected=expected[i])
                )
            else:
                verdict.phrases.append(
                    render(phrase["renamed_hidden"], position=i + 1, expected=expected[i])
                )
        more = len(differing) - MAX_NAMED
        if more > 0:
            verdict.phrases.append(
                render(phrase["more_renamed"], more=dutch.plural(more, "kolom", "kolommen"))
            )
        return verdict

    verdict.phrases.append(
        render(
            phrase["count"],
            found=dutch.plural(len(cleaned), "kolom", "kolommen"),
            expected=dutch.number(len(expected)),
        )
    )
    missing = [name for name in expected if name.lower() not in got_lower]
    if missing:
        verdict.phrases.append(render(phrase["missing"], names=dutch.join_and(missing)))
    unknown = [f"`{name}`" for name in cleaned if name.lower() not in expected_lower]
    unknown = [name for name in unknown if _echoable(name)][:MAX_NAMED]
    if unknown:
        verdict.phrases.append(render(phrase["unknown"], names=dutch.join_and(unknown)))
    if not missing and not unknown:
        verdict.phrases.append(_expected(spec))
    return verdict


def _expected(spec: ProtocolSpec) -> str:
    return render(
        spec.header_problems["expected"],
        count=len(spec.columns),
        names=spec.delimiter.join(spec.column_names),
        delimiter=spec.delimiter,
    )


def _other_separator(fields: list[str], text: str, spec: ProtocolSpec) -> str | None:
    """The Dutch name of the separator the header is really split by, if it is not ours."""
    if len(fields) >= len(spec.columns):
        return None
    best, best_count = None, len(fields)
    for char, name in spec.alternative_delimiters.items():
        try:
            count = len(next(csv.reader([text], delimiter=char, quotechar=spec.quote_char), []))
        except csv.Error:
            continue
        if count > best_count and count >= 2:
            best, best_count = name, count
    return best


def _invisible(char: str) -> bool:
    return char in _INVISIBLE_NAMES or unicodedata.category(char) == "Cf"


def _visible(text: str) -> str:
    return "".join(c for c in text if not _invisible(c))


def _echoable(text: str) -> bool:
    return (
        len(text) <= _MAX_ECHO and not _DIGITS.search(text) and all(c.isprintable() for c in text)
    )


def _looks_like_record(fields: list[str], expected_lower: list[str]) -> bool:
    """No field is a column name and at least half the filled ones are whole numbers (codes,
    dates, a BSN): a record, not a header. Names such as `Kolom1` are never whole numbers."""
    if any(field.lower() in expected_lower for field in fields):
        return False
    filled = [field for field in fields if field]
    numbers = sum(1 for field in filled if _NUMBER.fullmatch(field))
    return len(filled) >= 3 and numbers * 2 >= len(filled)
