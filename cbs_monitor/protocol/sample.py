"""Realistic, spec-valid Wmo delivery files for demos, tests and benchmarks, deterministic by seed."""

from __future__ import annotations

import datetime as dt
import random

from cbs_monitor.protocol.periods import parse_period
from cbs_monitor.protocol.spec import ProtocolSpec
from cbs_monitor.protocol.spec_wmo_v1 import SPEC_WMO_V1

# Rough shares of the product categories in Dutch Wmo data (household help and support at home
# dominate; shelter is rare), so charts and figures look like a real municipality's.
CATEGORY_WEIGHTS = {
    "01": 25, "02": 17, "03": 5, "04": 1, "05": 2, "06": 4, "07": 8, "08": 6, "09": 1,
    "10": 2, "11": 6, "12": 7, "13": 8, "14": 4, "15": 2.4, "16": 0.8, "17": 0.3, "18": 0.5,
}  # fmt: skip
# Clients by number of arrangements: most have one or two.
PER_CLIENT_WEIGHTS = {1: 55, 2: 25, 3: 11, 4: 5, 5: 2, 6: 1, 7: 1}
REASON_WEIGHTS = {"01": 35, "02": 10, "03": 20, "04": 8, "05": 12, "99": 15}
# What a record mostly measures per category: (volume range, unit, frequency).
_VOLUME = {
    "home": ((1, 8), "04", "2"),  # hours per week
    "aids": ((1, 1), "82", "6"),  # pieces, in total
    "stay": ((1, 7), "14", "2"),  # days and nights per week
}
ERROR_KINDS = (
    "elfproef",
    "date",
    "category",
    "end_before_start",
    "reason_without_end",
    "empty_financing",
)


def elfproef_ok(bsn: str) -> bool:
    if len(bsn) != 9 or not bsn.isdigit() or bsn == "000000000":
        return False
    total = sum(int(d) * w for d, w in zip(bsn, (9, 8, 7, 6, 5, 4, 3, 2, -1)))
    return total % 11 == 0


def random_bsn(rng: random.Random) -> str:
    """A 9-digit number that passes the elfproef (test data: not a real person's BSN by intent)."""
    while True:
        digits = [rng.randrange(10) for _ in range(8)]
        digits[0] = rng.randrange(1, 4)
        check = sum(d * w for d, w in zip(digits, (9, 8, 7, 6, 5, 4, 3, 2))) % 11
        if check < 10:
            return "".join(map(str, digits)) + str(check)


def default_created(period_code: str) -> dt.date:
    """Six weeks after the period: when municipalities usually create the file."""
    period = parse_period(period_code)
    if period is None:
        raise ValueError(f"not a period code: {period_code!r}")
    return period.end + dt.timedelta(days=46)


def sample_filename(
    municipality_code: str, period_code: str, created: dt.date, ext: str = ".csv"
) -> str:
    return f"WMO_{municipality_code}_{period_code}_{created:%Y%m%d}{ext}"


def generate_sample(
    municipality_code: str = "0363",
    period_code: str = "2026H1",
    *,
    records: int = 1000,
    target_bytes: int | None = None,
    seed: int = 0,
    created: dt.date | None = None,
    error_rate: float = 0.0,
    spec: ProtocolSpec = SPEC_WMO_V1,
) -> tuple[str, bytes]:
    """A delivery file (name, bytes). With target_bytes the file grows to just under that size.

    Valid unless error_rate > 0: then about that share of records carries one typical mistake.
    """
    period = parse_period(period_code)
    if period is None:
        raise ValueError(f"not a period code: {period_code!r}")
    created = created or default_created(period_code)
    rng = random.Random(seed)
    header = spec.delimiter.join(spec.column_names)
    lines = [header]
    size = len(header) + 2
    limit = target_bytes if target_bytes is not None else None
    categories = list(CATEGORY_WEIGHTS)
    category_weights = list(CATEGORY_WEIGHTS.values())
    counts = list(PER_CLIENT_WEIGHTS)
    count_weights = list(PER_CLIENT_WEIGHTS.values())
    bsns: set[str] = set()
    number = 0
    done = False
    while not done:
        bsn = random_bsn(rng)
        if bsn in bsns:
            continue
        bsns.add(bsn)
        wanted = rng.choices(counts, count_weights)[0]
        taken: set[tuple[str, str]] = set()
        for _ in range(wanted):
            if limit is None and number >= records:
                done = True
                break
            fields = _record(
                rng, bsn, municipality_code, period, created, categories, category_weights, number
            )
            key = (fields[5], fields[11] or fields[9])
            if key in taken:
                continue
            taken.add(key)
            if error_rate and rng.random() < error_rate:
                _break_record(rng, fields)
            line = spec.delimiter.join(fields)
            if limit is not None and size + len(line) + 2 > limit:
                done = True
                break
            lines.append(line)
            size += len(line) + 2
            number += 1
    data = ("\r\n".join(lines) + "\r\n").encode("utf-8")
    return sample_filename(municipality_code, period_code, created), data


def _day(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    return first + dt.timedelta(days=rng.randint(0, max((last - first).days, 0)))


def _record(
    rng: random.Random,
    bsn: str,
    municipality_code: str,
    period,
    created: dt.date,
    categories: list[str],
    weights: list[float],
    number: int,
) -> list[str]:
    category = rng.choices(categories, weights)[0]
    pgb = rng.random() < 0.08 and category not in ("11", "12", "13")
    roll = rng.random()
    if roll < 0.62:  # running since before the period
        start = _day(rng, dt.date(2016, 1, 1), period.start - dt.timedelta(days=1))
    else:  # started in the period
        start = _day(rng, period.start, period.end)
    ended = rng.random() < 0.22
    end = _day(rng, max(start, period.start), period.end) if ended else None
    planned_start = start - dt.timedelta(days=rng.randint(0, 21))
    planned_end = start + dt.timedelta(days=rng.choice((182, 365, 730, 1095)))
    only_planned = rng.random() < 0.04
    kind = (
        "aids" if category in ("11", "12", "13", "14") else "stay" if category >= "15" else "home"
    )
    (low, high), unit, frequency = _VOLUME[kind]
    no_volume = rng.random() < 0.1
    fmt = "%Y%m%d"
    return [
        municipality_code,
        created.strftime(fmt),
        period.code,
        bsn,
        f"T{number + 1:09d}",
        category,
        f"{category}{rng.choice('ABC')}{rng.randint(1, 12):02d}",
        "PGB" if pgb else "ZIN",
        "03" if pgb else rng.choices(("01", "02", "99"), (90, 9, 1))[0],
        planned_start.strftime(fmt),
        planned_end.strftime(fmt),
        "" if only_planned else start.strftime(fmt),
        end.strftime(fmt) if end else "",
        "" if no_volume else str(rng.randint(low, high)),
        "" if no_volume else unit,
        "" if no_volume else frequency,
        rng.choices(list(REASON_WEIGHTS), list(REASON_WEIGHTS.values()))[0] if end else "",
    ]


def _break_record(rng: random.Random, fields: list[str]) -> None:
    """One realistic mistake, as municipal exports make them."""
    kind = rng.choice(ERROR_KINDS)
    if kind == "elfproef":
        fields[3] = fields[3][:8] + str((int(fields[3][8]) + 1) % 10)
    elif kind == "date":
        fields[11] = (fields[11] or fields[9])[:4] + "0231"
    elif kind == "category":
        fields[5] = "19"
        fields[6] = ""
    elif kind == "end_before_start":
        start = fields[11] or fields[9]
        fields[12] = f"{int(start[:4]) - 1}{start[4:]}"
        fields[16] = "01"
    elif kind == "reason_without_end":
        fields[12] = ""
        fields[16] = "99"
    else:
        fields[7] = ""
