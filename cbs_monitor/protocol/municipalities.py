"""The municipal division shipped with the portal: gemeentecode -> gemeentenaam."""

from __future__ import annotations

import csv
import functools
from importlib import resources


@functools.cache
def _load() -> tuple[tuple[str, str], ...]:
    text = (
        resources.files("cbs_monitor")
        .joinpath("data/gemeenten-2025.csv")
        .read_text(encoding="utf-8-sig")
    )
    rows = csv.DictReader(text.splitlines(), delimiter=";")
    return tuple((row["gemeentecode"].strip(), row["gemeentenaam"].strip()) for row in rows)


def load_municipalities() -> dict[str, str]:
    """All municipalities on 1 January 2025 as {code: name} (a fresh dict: callers may edit it)."""
    return dict(_load())


@functools.cache
def known_municipality_codes() -> frozenset[str]:
    return frozenset(code for code, _ in _load())
