"""The shape of a protocol spec (columns, rules, limits as data) and the registry of versions."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping

FOUT = "fout"
WAARSCHUWING = "waarschuwing"
BESTAND = "bestand"
RECORD = "record"


@dataclasses.dataclass(frozen=True)
class Column:
    """One column of the record layout.

    `pattern` is a full-match regex for length and characters; `codes` (code -> Dutch label)
    replaces it for code-list columns; `kind` "date" means JJJJMMDD and a real calendar date.
    """

    name: str
    kind: str  # "text", "date" or "code"
    required: bool = False
    pattern: str | None = None
    codes: Mapping[str, str] | None = None
    # Dutch wording of the format, used in messages ("4 cijfers").
    format_text: str = ""


@dataclasses.dataclass(frozen=True)
class Rule:
    """A check the validator knows by `kind`; `columns` and `params` make it concrete.

    The message is a Dutch template; `{column}` and the keys of `params` may appear in it.
    `fallback_message` is used instead when the value compared with does not come from the file
    name but from the delivery context (the name did not yield it; see ValidationContext).
    """

    code: str
    kind: str
    severity: str
    level: str
    message: str
    columns: tuple[str, ...] = ()
    params: Mapping[str, object] = dataclasses.field(default_factory=dict)
    fallback_message: str = ""


@dataclasses.dataclass(frozen=True)
class ZipLimits:
    max_entries: int
    max_total_uncompressed: int
    max_ratio: float
    entry_extensions: tuple[str, ...]
    # Entry names that are another archive: refused as nested archives.
    archive_extensions: tuple[str, ...]
    # Raw directory entries of any kind a ZIP may hold, folders included: bounds the work
    # a hostile central directory can cause before the entry count is even checked.
    max_directory_entries: int = 1000


@dataclasses.dataclass(frozen=True)
class FigureColumns:
    """Which columns feed the op-orde figures and the period scope."""

    client: str
    category: str
    financing: str
    start: tuple[str, ...]  # the first filled one counts
    end: str
    reason: str


@dataclasses.dataclass(frozen=True)
class ProtocolSpec:
    version: str
    title: str
    text_extensions: tuple[str, ...]
    archive_extension: str
    max_upload_bytes: int
    zip: ZipLimits
    # Full-match, case-insensitive; named groups `municipality`, `year`, `half`, `created`.
    filename_pattern: str
    filename_example: str
    delimiter: str
    quote_char: str
    columns: tuple[Column, ...]
    rules: tuple[Rule, ...]
    # File-level findings by what they are about (key) -> (code, Dutch message template).
    # Several keys may share a code: variants of one check that say which way it failed.
    file_checks: Mapping[str, tuple[str, str]]
    # What can be wrong with the header (key -> Dutch phrase); the header finding joins them.
    header_problems: Mapping[str, str]
    # Separators a header is recognised by when it is not split by `delimiter` (char -> Dutch).
    alternative_delimiters: Mapping[str, str]
    figures: FigureColumns
    categories: Mapping[str, str]
    main_groups: Mapping[str, tuple[str, ...]]
    reasons: Mapping[str, str]
    financing_forms: Mapping[str, str]
    error_threshold_percent: float = 5.0
    change_threshold_percent: float = 20.0
    earliest_support_date: dt.date = dt.date(2015, 1, 1)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)

    def rule(self, code: str) -> Rule:
        for rule in self.rules:
            if rule.code == code:
                return rule
        raise KeyError(code)

    def main_group_of(self, category: str) -> str | None:
        for group, categories in self.main_groups.items():
            if category in categories:
                return group
        return None


_REGISTRY: dict[str, ProtocolSpec] = {}


def register(spec: ProtocolSpec) -> ProtocolSpec:
    _REGISTRY[spec.version] = spec
    return spec


def get_spec(version: str = "wmo-v1") -> ProtocolSpec:
    # Importing the version modules fills the registry; they import this module, not the reverse.
    from cbs_monitor.protocol import spec_wmo_v1  # noqa: F401

    try:
        return _REGISTRY[version]
    except KeyError:
        raise KeyError(
            f"unknown protocol version {version!r}; known: {sorted(_REGISTRY)}"
        ) from None


def known_versions() -> list[str]:
    from cbs_monitor.protocol import spec_wmo_v1  # noqa: F401

    return sorted(_REGISTRY)
