"""`make bench-rush`: the figures of each target, side by side, and the verdict on the targets."""

from __future__ import annotations

import dataclasses
import math

from rush_usage import PARTS

# Issue 14's targets on this 2-core machine.
RECEIPT_P95_MAX = 1.0  # s
REPORT_P95_MAX = 10.0  # s
BROWSING_RATIO_MAX = 2.0  # browsing p95 during the rush / the bare app's p95 alone


def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile; NaN without values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


@dataclasses.dataclass
class Result:
    name: str
    files: int = 0
    receipts: list[float] = dataclasses.field(default_factory=list)
    reports: list[float] = dataclasses.field(default_factory=list)
    quiet: list[float] = dataclasses.field(default_factory=list)  # browsing before the rush
    rush: list[float] = dataclasses.field(default_factory=list)  # browsing during the rush
    rush_tab: list[float] = dataclasses.field(default_factory=list)
    rush_tonen: list[float] = dataclasses.field(default_factory=list)
    unanswered: int = 0  # browsing events without an answer in time (or not sent)
    disconnects: int = 0
    redirects: dict[str, int] = dataclasses.field(default_factory=dict)  # path -> times
    cpu: float = math.nan  # server CPU seconds in the measured window
    cpu_parts: dict[str, float] = dataclasses.field(default_factory=dict)  # rush_usage.PARTS
    rss: float = math.nan  # peak RSS, MB, summed over the server's processes
    client_cpu: float = math.nan  # the bench's own CPU seconds in the same window
    seconds: float = 0.0  # the measured window
    lost: int = 0
    doubled: int = 0
    retried: int = 0  # uploads sent more than once (same Idempotency-Key)
    throttled: int = 0  # 429 answers
    refused: int = 0  # uploads that never got a receipt
    statuses: dict[str, int] = dataclasses.field(default_factory=dict)
    note: str = ""


# The parts of the server's CPU, in the order rush_usage.PARTS names them.
CPU_PARTS = (*dict.fromkeys(part for part, _ in PARTS), "other")


def _ms(values: list[float]) -> str:
    if not values:
        return "–"
    return f"{pct(values, 0.5) * 1000:.0f} / {pct(values, 0.95) * 1000:.0f} ms"


def _s(values: list[float]) -> str:
    if not values:
        return "–"
    return f"{pct(values, 0.5):.1f} / {pct(values, 0.95):.1f} s"


def table(results: list[Result], bare: Result | None) -> str:
    bare_p95 = pct(bare.rush, 0.95) if bare else math.nan

    def ratio(r: Result) -> str:
        if r is bare or not r.rush or math.isnan(bare_p95):
            return "–"
        return f"×{pct(r.rush, 0.95) / bare_p95:.1f}"

    def count(r: Result, value: int) -> str:
        return "–" if r is bare else str(value)

    rows: list[tuple[str, list[str]]] = [
        ("files (max size)", [count(r, r.files) for r in results]),
        ("upload → receipt p50 / p95", [_ms(r.receipts) for r in results]),
        ("upload → technical report p50 / p95", [_s(r.reports) for r in results]),
        ("browsing, quiet portal p50 / p95", [_ms(r.quiet) for r in results]),
        ("browsing during the rush p50 / p95", [_ms(r.rush) for r in results]),
        ("  tab switch", [_ms(r.rush_tab) for r in results]),
        ("  Tonen (Berichtenlog)", [_ms(r.rush_tonen) for r in results]),
        ("browsing events measured", [str(len(r.rush)) for r in results]),
        ("browsing p95 / bare app's p95", [ratio(r) for r in results]),
        (
            "unanswered / redirected / disconnects",
            [f"{r.unanswered} / {sum(r.redirects.values())} / {r.disconnects}" for r in results],
        ),
        ("server CPU in the window", [f"{r.cpu:.1f} s in {r.seconds:.0f} s" for r in results]),
        *(
            (f"  {part}", [f"{r.cpu_parts.get(part, 0.0):.1f} s" for r in results])
            for part in CPU_PARTS
        ),
        ("server peak RSS (sum)", [f"{r.rss:.0f} MB" for r in results]),
        ("bench client's own CPU", [f"{r.client_cpu:.1f} s" for r in results]),
        ("lost (receipt, no report)", [count(r, r.lost) for r in results]),
        ("reported twice", [count(r, r.doubled) for r in results]),
        ("no receipt", [count(r, r.refused) for r in results]),
        (
            "uploads sent again / 429s",
            [count(r, 0) if r is bare else f"{r.retried} / {r.throttled}" for r in results],
        ),
    ]
    head = ["", *[r.name for r in results]]
    widths = [max(len(head[0]), *(len(label) for label, _ in rows))]
    for n in range(len(results)):
        widths.append(max(len(head[n + 1]), *(len(cells[n]) for _, cells in rows)))
    lines = ["  ".join(h.ljust(w) for h, w in zip(head, widths))]
    lines.append("  ".join("-" * w for w in widths))
    for label, cells in rows:
        lines.append("  ".join(c.ljust(w) for c, w in zip([label, *cells], widths)))
    return "\n".join(lines)


def verdicts(results: list[Result], bare: Result | None) -> list[str]:
    """One line per target and check: met or not."""
    out = []
    bare_p95 = pct(bare.rush, 0.95) if bare else math.nan
    for r in results:
        if r is bare:
            continue
        checks = [
            (f"receipt p95 ≤ {RECEIPT_P95_MAX:.0f} s", pct(r.receipts, 0.95) <= RECEIPT_P95_MAX),
            (f"report p95 ≤ {REPORT_P95_MAX:.0f} s", pct(r.reports, 0.95) <= REPORT_P95_MAX),
            (
                f"browsing p95 ≤ {BROWSING_RATIO_MAX:.0f}× bare",
                pct(r.rush, 0.95) <= BROWSING_RATIO_MAX * bare_p95,
            ),
            ("nothing lost", r.lost == 0 and r.refused == 0),
            ("nothing twice", r.doubled == 0),
        ]
        out.append(
            f"{r.name}: "
            + ", ".join(f"{label} {'met' if ok else 'NOT met'}" for label, ok in checks)
        )
        if r.statuses:
            out.append(f"  verdicts: {r.statuses}" + (f"; {r.note}" if r.note else ""))
        if r.redirects:
            out.append(f"  browsing sessions sent elsewhere: {r.redirects}")
    return out
