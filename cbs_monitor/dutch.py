"""Dutch notation for every text the portal writes: numbers, percentages, sizes, dates, plurals.

One implementation for the screen, the .xlsx reports, the mails and the protocol's messages, so a
figure reads the same everywhere: 27.170 records, 4,8%, 2,5 MB, 12-03-2026.
"""

from __future__ import annotations

import datetime as dt

DATE_FORMAT = "%d-%m-%Y"
DATE_TIME_FORMAT = "%d-%m-%Y %H:%M"
MISSING = "—"


def number(value: int | float | None, decimals: int = 0) -> str:
    """27170 -> '27.170'; 12.5 with decimals=1 -> '12,5'; None -> '—'."""
    if value is None:
        return MISSING
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def percent(value: float | None, decimals: int = 1, *, signed: bool = False) -> str:
    """4.8 -> '4,8%'; 5.0 -> '5%' (no trailing ',0'); signed=True -> '+4,8%' / '-2%'."""
    if value is None:
        return ""
    text = number(abs(value), decimals)
    if "," in text:
        text = text.rstrip("0").rstrip(",")
    sign = (
        ("+" if value > 0 else "-" if value < 0 else "") if signed else ("-" if value < 0 else "")
    )
    if text == "0":
        sign = ""
    return f"{sign}{text}%"


def file_size(size: int) -> str:
    """2621440 -> '2,5 MB'; 777 -> '777 bytes'; 1 -> '1 byte'. Binary units, as browsers show them."""
    if size >= 1024 * 1024:
        return number(size / (1024 * 1024), 1).removesuffix(",0") + " MB"
    if size >= 1024:
        return number(size / 1024, 1).removesuffix(",0") + " kB"
    return plural(size, "byte", "bytes")


def plural(count: int, singular: str, plural_form: str) -> str:
    """'1 kolom', '2 kolommen', '27.170 records'."""
    return f"{number(count)} {singular if count == 1 else plural_form}"


def date(day: dt.date | None) -> str:
    """A date as the portal shows and asks for it: dd-mm-jjjj."""
    return "" if day is None else day.strftime(DATE_FORMAT)


def date_range(first: dt.date, last: dt.date) -> str:
    """'12-03-2026 tot en met 23-03-2026' (windows are inclusive)."""
    return f"{date(first)} tot en met {date(last)}"


def as_entered(text: str) -> str:
    """What a date field shows after input: a whole date in dd-mm-jjjj (also when the calendar
    sent jjjj-mm-dd); anything else as typed, so nothing the user typed is lost."""
    day = parse_date(text)
    return date(day) if day else (text or "")[:10]


def parse_date(text: str) -> dt.date | None:
    """dd-mm-jjjj (what a clerk types) or jjjj-mm-dd (what a date picker sends); None otherwise."""
    value = (text or "").strip()
    for pattern in (DATE_FORMAT, "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    return None


def file_size_with_bytes(size: int) -> str:
    """2621440 -> '2,5 MB (2.621.440 bytes)'; below 1 kB the bytes alone: '777 bytes'."""
    short = file_size(size)
    exact = plural(size, "byte", "bytes")
    return short if short == exact else f"{short} ({exact})"


def join_or(items: list[str]) -> str:
    """['a'] -> 'a'; ['a', 'b', 'c'] -> 'a, b of c'."""
    return _join(items, "of")


def join_and(items: list[str]) -> str:
    """['a'] -> 'a'; ['a', 'b', 'c'] -> 'a, b en c'."""
    return _join(items, "en")


def _join(items: list[str], word: str) -> str:
    items = [str(item) for item in items]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {word} {items[-1]}"
