"""Op-orde figures of one municipality and period, computed from the valid in-period records."""

from __future__ import annotations

import dataclasses
from typing import Any

import polars as pl

from cbs_monitor.protocol.periods import parse_period
from cbs_monitor.protocol.spec import ProtocolSpec


def compact_schema(spec: ProtocolSpec) -> dict[str, pl.DataType]:
    """The compact, BSN-free form of a record that the figures need.

    `client` is a hash of the BSN, only ever held in memory while one upload is checked; `row`
    a hash of the whole record (equal rows, equal hash). The code columns are enums: small, and
    (unlike strings) not views that keep a whole chunk of the file alive.
    """
    return {
        "row": pl.UInt64(),
        "client": pl.UInt64(),
        "category": pl.Enum(list(spec.categories)),
        "financing": pl.Enum(list(spec.financing_forms)),
        "start": pl.Date(),
        "end": pl.Date(),
        "reason": pl.Enum(list(spec.reasons)),
    }


PER_CLIENT_BUCKETS = ("1", "2", "3", "4", "5", "6+")
FINANCING_KEYS = ("zin_only", "pgb_only", "both")
FLOW_KEYS = ("started", "ended", "running")


@dataclasses.dataclass
class ReadinessFigures:
    """What §6 counts for one delivery. Plain ints in dicts so it stores as JSON."""

    municipality_code: str
    period_code: str
    records_used: int = 0
    clients: int = 0
    # One record is one maatwerkarrangement (protocol §1), except that a row exactly equal to an
    # earlier one (warning W002) is the same arrangement again: arrangements = records_used -
    # duplicate_records. Records that share client, category and start but differ in anything
    # else (warning W003) are separate arrangements; nothing is merged.
    arrangements: int = 0
    duplicate_records: int = 0
    # category code -> {"clients": n, "arrangements": n}; every code of the spec is present.
    by_category: dict[str, dict[str, int]] = dataclasses.field(default_factory=dict)
    # main group name -> {"clients": n, "arrangements": n}
    by_main_group: dict[str, dict[str, int]] = dataclasses.field(default_factory=dict)
    # clients with only ZIN, only PGB or both
    financing: dict[str, int] = dataclasses.field(default_factory=dict)
    # clients by number of arrangements: "1" .. "5", "6+"
    arrangements_per_client: dict[str, int] = dataclasses.field(default_factory=dict)
    # "started"/"ended"/"running" -> {"arrangements": n, "clients": n}
    flows: dict[str, dict[str, int]] = dataclasses.field(default_factory=dict)
    # reason code ("" = not filled) -> arrangements ended in the period
    ended_by_reason: dict[str, int] = dataclasses.field(default_factory=dict)
    spec_version: str = "wmo-v1"

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReadinessFigures:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


def empty_compact(spec: ProtocolSpec) -> pl.DataFrame:
    return pl.DataFrame(schema=compact_schema(spec))


def compute_from_compact(
    frame: pl.DataFrame, *, municipality_code: str, period_code: str, spec: ProtocolSpec
) -> ReadinessFigures:
    """Count §6 from compact records (see compact_schema) of one municipality and period."""
    period = parse_period(period_code)
    figures = ReadinessFigures(
        municipality_code=municipality_code, period_code=period_code, spec_version=spec.version
    )
    figures.records_used = frame.height
    # Only an exact repeat of a row counts once: which of two equal rows is kept cannot matter,
    # so the figures do not depend on row order. (A hash, not unique(): a fraction of the memory.)
    arrangements = frame.filter(pl.col("row").is_first_distinct())
    figures.arrangements = arrangements.height
    figures.duplicate_records = figures.records_used - figures.arrangements
    figures.clients = arrangements["client"].n_unique()

    def clients_and_arrangements(by: str, frame: pl.DataFrame) -> dict[str, dict[str, int]]:
        grouped = frame.group_by(by).agg(
            pl.col("client").n_unique().alias("clients"), pl.len().alias("arrangements")
        )
        return {
            str(row[by]): {"clients": int(row["clients"]), "arrangements": int(row["arrangements"])}
            for row in grouped.with_columns(pl.col(by).cast(pl.String)).iter_rows(named=True)
        }

    zero = {"clients": 0, "arrangements": 0}
    per_category = clients_and_arrangements("category", arrangements)
    figures.by_category = {code: dict(per_category.get(code, zero)) for code in spec.categories}
    group_of = {code: group for group, codes in spec.main_groups.items() for code in codes}
    with_group = arrangements.select(
        "client",
        pl.col("category").cast(pl.String).replace_strict(group_of, default=None).alias("group"),
    )
    per_group = clients_and_arrangements("group", with_group)
    figures.by_main_group = {group: dict(per_group.get(group, zero)) for group in spec.main_groups}

    per_client = arrangements.group_by("client").agg(
        pl.len().alias("n"),
        (pl.col("financing") == "ZIN").any().alias("zin"),
        (pl.col("financing") == "PGB").any().alias("pgb"),
    )
    zin, pgb = per_client["zin"], per_client["pgb"]
    figures.financing = {
        "zin_only": int((zin & ~pgb).sum()),
        "pgb_only": int((pgb & ~zin).sum()),
        "both": int((zin & pgb).sum()),
    }
    counts = per_client["n"]
    figures.arrangements_per_client = {
        bucket: int((counts >= 6).sum()) if bucket == "6+" else int((counts == int(bucket)).sum())
        for bucket in PER_CLIENT_BUCKETS
    }

    if period is not None:
        start, end = pl.col("start"), pl.col("end")
        masks = {
            "started": start.is_between(period.start, period.end),
            "ended": end.is_not_null() & end.is_between(period.start, period.end),
            "running": end.is_null() | (end > period.end),
        }
        row = arrangements.select(
            *[mask.sum().alias(f"{k}_a") for k, mask in masks.items()],
            *[
                pl.col("client").filter(mask).n_unique().alias(f"{k}_c")
                for k, mask in masks.items()
            ],
        ).row(0, named=True)
        figures.flows = {
            k: {"arrangements": int(row[f"{k}_a"] or 0), "clients": int(row[f"{k}_c"] or 0)}
            for k in masks
        }
        ended = arrangements.filter(masks["ended"]).group_by("reason").len()
        reasons = {
            (row["reason"] or ""): int(row["len"])
            for row in ended.with_columns(pl.col("reason").cast(pl.String)).iter_rows(named=True)
        }
        figures.ended_by_reason = {code: reasons.get(code, 0) for code in (*spec.reasons, "")}
    return figures
