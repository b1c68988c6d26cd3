"""The spec's rules turned into polars expressions over a table of string fields (True = broken)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import cast

import polars as pl

from cbs_monitor import dutch
from cbs_monitor.protocol.periods import Period
from cbs_monitor.protocol.spec import BESTAND, FOUT, ProtocolSpec, Rule

# Kinds that compare rows with each other; the validator handles them over the whole file.
CROSS_ROW_KINDS = frozenset({"duplicate_row", "duplicate_key"})
VALID = "__valid"
IN_PERIOD = "__in_period"
ERROR = "__error"
KEY_HASH = "__key_hash"


@dataclasses.dataclass(frozen=True)
class FileFacts:
    """What the rows must agree with: the file name's parts, else the context's fallbacks.

    None: nothing to compare with, so that check is left out (and without a period every record
    counts as in scope). `fallback` names the parts ("municipality", "period") that come from
    the context rather than the name, so their messages say so.
    """

    municipality_code: str | None
    period: Period | None
    created: dt.date | None
    fallback: frozenset[str] = frozenset()


@dataclasses.dataclass(frozen=True)
class Check:
    """One finding-to-be: a rule applied to one column (or to the row as a whole)."""

    key: str
    rule: Rule
    column: str | None
    expr: pl.Expr | None  # None for cross-row kinds
    message: str

    @property
    def is_record_error(self) -> bool:
        return self.rule.severity == FOUT and self.rule.level != BESTAND


def filled(name: str) -> pl.Expr:
    return pl.col(name) != ""


def date_col(name: str) -> str:
    return f"__date:{name}"


def format_ok(spec: ProtocolSpec, name: str) -> pl.Expr:
    column = spec.column(name)
    if column.codes is not None:
        return pl.col(name).is_in(list(column.codes))
    if column.kind == "date":
        return pl.col(date_col(name)).is_not_null()
    if column.pattern:
        return pl.col(name).str.contains(f"^(?:{column.pattern})$")
    return filled(name)


def helper_columns(spec: ProtocolSpec) -> list[pl.Expr]:
    """Parsed dates (null when empty or not a real JJJJMMDD date), computed once per table."""
    return [
        pl.when(pl.col(c.name).str.contains(r"^[0-9]{8}$"))
        .then(pl.col(c.name).str.to_date("%Y%m%d", strict=False))
        .alias(date_col(c.name))
        for c in spec.columns
        if c.kind == "date"
    ]


def build_checks(spec: ProtocolSpec, facts: FileFacts) -> list[Check]:
    checks: list[Check] = []
    for rule in spec.rules:
        checks.extend(_checks_for(spec, rule, facts))
    return checks


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


def render(template: str, **values: object) -> str:
    """A message template filled in; a placeholder without a value stays empty instead of failing."""
    return template.format_map(_Blank({k: v for k, v in values.items() if v is not None}))


def _check(
    rule: Rule,
    column: str | None,
    expr: pl.Expr | None,
    *,
    template: str | None = None,
    **values: object,
) -> Check:
    message = render(template or rule.message, column=column, **values)
    return Check(f"{rule.code}:{column or ''}", rule, column, expr, message)


def _checks_for(spec: ProtocolSpec, rule: Rule, facts: FileFacts) -> list[Check]:
    kind = rule.kind
    params = rule.params
    if kind == "required":
        return [_check(rule, c.name, ~filled(c.name)) for c in spec.columns if c.required]
    if kind == "format":
        return [
            _check(rule, c.name, filled(c.name) & ~format_ok(spec, c.name), format=c.format_text)
            for c in spec.columns
            if c.pattern and c.codes is None and c.kind != "date"
        ]
    if kind == "date":
        return [
            _check(rule, c.name, filled(c.name) & pl.col(date_col(c.name)).is_null())
            for c in spec.columns
            if c.kind == "date"
        ]
    if kind == "code_list":
        return [
            _check(
                rule,
                c.name,
                filled(c.name) & ~pl.col(c.name).is_in(list(c.codes)),
                codes=", ".join(c.codes),
            )
            for c in spec.columns
            if c.codes is not None
        ]
    if kind == "elfproef":
        return [_check(rule, name, _elfproef_broken(spec, name, params)) for name in rule.columns]
    if kind == "not_before":
        others = cast("list[str]", params["other"])
        return [
            _check(rule, later, pl.col(date_col(later)) < pl.col(date_col(earlier)), other=earlier)
            for later, earlier in zip(rule.columns, others)
        ]
    if kind == "prefix_equals":
        other, length = str(params["other"]), int(cast("int", params["length"]))
        return [
            _check(
                rule,
                name,
                format_ok(spec, name)
                & format_ok(spec, other)
                & (pl.col(name).str.slice(0, length) != pl.col(other)),
                other=other,
            )
            for name in rule.columns
        ]
    if kind == "requires":
        other = str(params["other"])
        return [
            _check(rule, name, filled(name) & ~filled(other), other=other) for name in rule.columns
        ]
    if kind == "either_or":
        expr = pl.lit(True)
        for name in rule.columns:
            expr = expr & ~filled(name)
        return [_check(rule, None, expr, columns=dutch.join_and(list(rule.columns)))]
    if kind == "min_date":
        return [
            _check(
                rule,
                name,
                pl.col(date_col(name)) < pl.lit(params["min"]),
                min=dutch.date(params["min"]),  # type: ignore[arg-type]
            )
            for name in rule.columns
        ]
    if kind == "positive_when":
        when = pl.lit(False)
        for other in cast("list[str]", params["when"]):
            when = when | filled(other)
        text = dutch.join_or(list(params["when"]))  # type: ignore[call-overload]
        return [
            _check(
                rule,
                name,
                when & (~filled(name) | pl.col(name).str.contains(r"^0+$")),
                when=text,
            )
            for name in rule.columns
        ]
    if kind == "equals_filename":
        part = params["part"]
        template = rule.fallback_message if part in facts.fallback else None
        if part == "created":
            if facts.created is None:
                return []
            created = facts.created
            return [
                _check(
                    rule,
                    name,
                    pl.col(date_col(name)) != pl.lit(created, dtype=pl.Date),
                    expected=f"{created:%Y%m%d}",
                )
                for name in rule.columns
            ]
        if part == "municipality":
            expected = facts.municipality_code
        else:
            expected = facts.period.code if facts.period else None
        if expected is None:
            return []
        return [
            _check(
                rule,
                name,
                format_ok(spec, name) & (pl.col(name) != pl.lit(expected)),
                template=template,
                expected=expected,
            )
            for name in rule.columns
        ]
    if kind == "out_of_period":
        if facts.period is None:
            return []
        return [_check(rule, None, pl.col(VALID) & ~pl.col(IN_PERIOD))]
    if kind == "after_date":
        other = str(params["other"])
        return [
            _check(rule, name, pl.col(date_col(name)) > pl.col(date_col(other)), other=other)
            for name in rule.columns
        ]
    if kind == "filled_without":
        other = str(params["other"])
        return [
            _check(rule, name, filled(name) & ~filled(other), other=other) for name in rule.columns
        ]
    if kind in CROSS_ROW_KINDS:
        return [_check(rule, None, None)]
    raise ValueError(f"rule {rule.code}: unknown kind {kind!r}")


def _elfproef_broken(spec: ProtocolSpec, name: str, params: object) -> pl.Expr:
    """9 digits whose weighted sum (9..2, and -1 for the last) is not divisible by 11, or a rejected value."""
    number = pl.col(name).cast(pl.Int64, strict=False)
    total = pl.lit(0, dtype=pl.Int64)
    for position, weight in enumerate((9, 8, 7, 6, 5, 4, 3, 2, -1)):
        digit = (number // (10 ** (8 - position))) % 10
        total = total + digit * weight
    rejected = pl.col(name).is_in(list(params.get("reject", ())))  # type: ignore[attr-defined]
    return format_ok(spec, name) & (((total % 11) != 0) | rejected)


def effective_start(spec: ProtocolSpec) -> pl.Expr:
    return pl.coalesce([pl.col(date_col(name)) for name in spec.figures.start])


def in_period(spec: ProtocolSpec, period: Period | None) -> pl.Expr:
    """Active at least one day in the period: start <= period end and (no end or end >= period start).

    Without a period (none in the name, no fallback) every record is taken as in scope.
    """
    if period is None:
        return pl.lit(True)
    start = effective_start(spec)
    end = pl.col(date_col(spec.figures.end))
    return (start <= pl.lit(period.end)) & (end.is_null() | (end >= pl.lit(period.start)))


def key_columns(spec: ProtocolSpec, rule: Rule) -> list[pl.Expr]:
    return [pl.col(name) for name in rule.columns] + [effective_start(spec)]
