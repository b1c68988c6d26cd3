"""Reporting periods (verslagperiodes) as half years: `2026H1` = 1 Jan–30 Jun 2026."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

_PERIOD = re.compile(r"([0-9]{4})H([12])")


@dataclasses.dataclass(frozen=True)
class Period:
    year: int
    half: int

    @property
    def code(self) -> str:
        return f"{self.year}H{self.half}"

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, 1 if self.half == 1 else 7, 1)

    @property
    def end(self) -> dt.date:
        return dt.date(self.year, 6, 30) if self.half == 1 else dt.date(self.year, 12, 31)

    @property
    def label(self) -> str:
        return f"{'eerste' if self.half == 1 else 'tweede'} halfjaar {self.year}"

    def previous(self) -> Period:
        return Period(self.year - 1, 2) if self.half == 1 else Period(self.year, 1)

    def year_earlier(self) -> Period:
        return Period(self.year - 1, self.half)

    def __str__(self) -> str:
        return self.code


def parse_period(code: str) -> Period | None:
    """A Period for a well-formed code with a year a date can hold, else None."""
    match = _PERIOD.fullmatch(code.strip().upper()) if isinstance(code, str) else None
    if not match or not 1 <= int(match.group(1)) <= 9999:
        return None
    return Period(int(match.group(1)), int(match.group(2)))


def previous_period_code(code: str) -> str | None:
    period = parse_period(code)
    if period is None or (period.year == 1 and period.half == 1):
        return None
    return period.previous().code


def year_earlier_period_code(code: str) -> str | None:
    period = parse_period(code)
    return period.year_earlier().code if period and period.year > 1 else None
