"""The uploaded bytes as one or more text sources: a plain file, or ZIP entries behind every guard of §2."""

from __future__ import annotations

import dataclasses
import io
import re
import stat
import zipfile
from collections.abc import Callable, Iterator

from cbs_monitor import dutch
from cbs_monitor.protocol.spec import ProtocolSpec

# A ZIP is never unpacked to disk or wholly into memory: entries are decompressed in blocks of
# this size, and the real decompressed size is counted against the limits while reading, because
# the sizes in a ZIP's directory are written by whoever made it. 2 MB balances speed (fewer,
# larger polars batches) against peak memory (measured: 1 MB 1.5 s/206 MB, 4 MB 1.0 s/253 MB).
BLOCK_SIZE = 2 * 1024 * 1024
# Magic numbers of archives that may hide behind a .csv/.txt entry name.
_ARCHIVE_MAGIC = (
    b"PK\x03\x04",
    b"PK\x05\x06",
    b"\x1f\x8b",
    b"7z\xbc\xaf\x27\x1c",
    b"Rar!",
    b"BZh",
    b"\xfd7zXZ",
)
_DRIVE = re.compile(r"^[A-Za-z]:")
# An entry path is shown in a finding; a hostile one may hold anything, so it is shown tamed.
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_MAX_SHOWN_PATH = 120


class Refusal(Exception):
    """The upload is refused before (or while) its content is checked: one or more file-check keys."""

    def __init__(self, *problems: tuple[str, dict[str, object], str | None]):
        super().__init__(", ".join(key for key, _, _ in problems))
        # (file-check key, message parameters, ZIP entry name or None)
        self.problems = list(problems)


@dataclasses.dataclass
class Source:
    """One delivered text file: its own name and a way to read its bytes block by block."""

    name: str
    blocks: Callable[[], Iterator[bytes]]


def base_name(name: str) -> str:
    return name.replace("\\", "/").rsplit("/", 1)[-1]


def suffix(name: str) -> str:
    base = base_name(name)
    dot = base.rfind(".")
    return base[dot:].lower() if dot > 0 else ""


def open_sources(filename: str, data: bytes, spec: ProtocolSpec) -> list[Source]:
    """The text files in the upload; raises Refusal for any ZIP rule that the directory already breaks."""
    if suffix(filename) != spec.archive_extension:
        return [Source(base_name(filename), lambda: iter((data,)))]
    return _zip_sources(data, spec)


def _zip_sources(data: bytes, spec: ProtocolSpec) -> list[Source]:
    limits = spec.zip
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except Exception:  # noqa: BLE001 — zipfile raises many kinds on hostile directories; all mean "unreadable"
        raise Refusal(("zip_invalid", {}, None)) from None
    max_entries = dutch.plural(limits.max_entries, "bestand", "bestanden")
    ratio = dutch.number(limits.max_ratio)
    total = dutch.file_size_with_bytes(limits.max_total_uncompressed)
    entry_types = file_types(limits.entry_extensions)
    if len(infos) > limits.max_directory_entries:
        raise Refusal(("zip_entries", {"max_entries": max_entries}, None))

    problems: dict[str, tuple[str, dict[str, object], str | None]] = {}

    def problem(key: str, entry: str | None, **params: object) -> None:
        problems.setdefault(key, (key, params, entry))

    files: list[zipfile.ZipInfo] = []
    for info in infos:
        path = info.filename.replace("\\", "/")
        mode = info.external_attr >> 16
        if path.startswith("/") or _DRIVE.match(path) or ".." in path.split("/") or "\x00" in path:
            problem("zip_path", shown_path(path))
            continue
        if stat.S_ISLNK(mode):
            problem("zip_link", base_name(path))
            continue
        if info.is_dir():
            continue
        name = base_name(path)
        ext = suffix(name)
        if info.flag_bits & 0x1:
            problem("zip_encrypted", name)
        elif ext in limits.archive_extensions:
            problem("zip_nested", name)
        elif ext not in limits.entry_extensions:
            problem("zip_entry_type", name, types=entry_types)
        elif info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            problem("zip_method", name)
        elif info.file_size > limits.max_ratio * max(info.compress_size, 1):
            problem("zip_ratio", name, max_ratio=ratio)
        files.append(info)

    if not files and not problems:
        problem("zip_empty", None, types=file_types(limits.entry_extensions, plural=True))
    if len(files) > limits.max_entries:
        problem("zip_entries", None, max_entries=max_entries)
    if sum(info.file_size for info in files) > limits.max_total_uncompressed:
        problem("zip_total", None, limit=total)
    names = [base_name(info.filename).lower() for info in files]
    if len(set(names)) != len(names):
        problem("zip_duplicate", None)
    if problems:
        raise Refusal(*problems.values())

    budget = _Budget(limits.max_total_uncompressed)
    return [
        Source(base_name(info.filename), _entry_reader(archive, info, budget, spec))
        for info in files
    ]


@dataclasses.dataclass
class _Budget:
    """Decompressed bytes still allowed for the whole ZIP."""

    left: int


def _entry_reader(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: _Budget, spec: ProtocolSpec
) -> Callable[[], Iterator[bytes]]:
    limits = spec.zip
    name = base_name(info.filename)

    def blocks() -> Iterator[bytes]:
        allowed = limits.max_ratio * max(info.compress_size, 1)
        produced = 0
        try:
            stream = archive.open(info)
        except Exception:  # noqa: BLE001 — any failure to open an entry means "unreadable"
            raise Refusal(("zip_invalid", {}, name)) from None
        with stream:
            first = True
            while True:
                try:
                    block = stream.read(BLOCK_SIZE)
                except Exception:  # noqa: BLE001 — CRC mismatch, truncated or corrupt deflate data
                    raise Refusal(("zip_invalid", {}, name)) from None
                if not block:
                    return
                produced += len(block)
                budget.left -= len(block)
                if produced > allowed:
                    raise Refusal(
                        ("zip_ratio", {"max_ratio": dutch.number(limits.max_ratio)}, name)
                    )
                if budget.left < 0:
                    limit = dutch.file_size_with_bytes(limits.max_total_uncompressed)
                    raise Refusal(("zip_total", {"limit": limit}, None))
                if first and block.startswith(_ARCHIVE_MAGIC):
                    raise Refusal(("zip_nested", {}, name))
                first = False
                yield block

    return blocks


def shown_path(path: str) -> str:
    """An entry path fit for a message: control characters as '?', at most 120 characters."""
    tamed = _UNPRINTABLE.sub("?", path)
    return tamed if len(tamed) <= _MAX_SHOWN_PATH else tamed[: _MAX_SHOWN_PATH - 1] + "…"


def file_types(extensions: tuple[str, ...], *, plural: bool = False) -> str:
    """('.csv', '.txt') -> '.csv- of .txt-bestand' (plural: '.csv- of .txt-bestanden')."""
    parts = [f"{ext}-" for ext in extensions]
    parts[-1] += "bestanden" if plural else "bestand"
    return dutch.join_or(parts)
