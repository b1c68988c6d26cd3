"""Op-orde figures of one municipality and period, computed from the valid in-period records."""

from __future__ import annotations

import dataclasses
from typing import Any

import polars as pl

from cbs_monitor.protocol.periods import parse_period
from cbs_monitor.protocol.spec import ProtocolSpec

# The compact, BSN-free form of a record that the figures need: `client` is a hash of the BSN,
# only ever held in memory while one upload is being checked.
COMPACT_SCHEMA = {
    "client": pl.UInt64,
    "category": pl.String,
    "financing": pl.String,
    "start": pl.Date,
    "end": pl.Date,
    "reason": pl.String,
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
    arrangements: int = 0
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


def empty_compact() -> pl.DataFrame:
    return pl.DataFrame(schema=COMPACT_SCHEMA)


def compute_from_compact(
    frame: pl.DataFrame, *, municipality_code: str, period_code: str, spec: ProtocolSpec
) -> ReadinessFigures:
    """Count §6 from compact records (see COMPACT_SCHEMA) of one municipality and period."""
    period = parse_period(period_code)
    figures = ReadinessFigures(
        municipality_code=municipality_code, period_code=period_code, spec_version=spec.version
    )
    figures.records_used = frame.height
    # One arrangement = one client, category and start: repeated records of it count once.
    arrangements = frame.unique(subset=["client", "category", "start"], keep="first", maintain_order=True)
    figures.arrangements = arrangements.height
    figures.clients = arrangements["client"].n_unique()

    per_category = {
        row["category"]: row
        for row in arrangements.group_by("category")
        .agg(pl.col("client").n_unique().alias("clients"), pl.len().alias("arrangements"))
        .iter_rows(named=True)
    }
    figures.by_category = {
        code: {
            "clients": int(per_category.get(code, {}).get("clients", 0)),
            "arrangements": int(per_category.get(code, {}).get("arrangements", 0)),
        }
        for code in spec.categories
    }
    for group, codes in spec.main_groups.items():
        in_group = arrangements.filter(pl.col("category").is_in(list(codes)))
        figures.by_main_group[group] = {
            "clients": in_group["client"].n_unique() if in_group.height else 0,
            "arrangements": in_group.height,
        }

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
        for key, mask in masks.items():
            subset = arrangements.filter(mask)
            figures.flows[key] = {
                "arrangements": subset.height,
                "clients": subset["client"].n_unique() if subset.height else 0,
            }
        ended = arrangements.filter(masks["ended"])
        reasons = {
            (row["reason"] or ""): int(row["len"])
            for row in ended.group_by("reason").len().iter_rows(named=True)
        }
        figures.ended_by_reason = {code: reasons.get(code, 0) for code in (*spec.reasons, "")}
    return figures
