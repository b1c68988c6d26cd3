"""`make bench-rush`: the last hour of a delivery window, against the real servers.

50 municipalities each send a max-size file (about 2.5 MB) within 10 s through the supplier API
(HTTP: token, POST /api/v1/deliveries → 202, GET /api/v1/deliveries/{id} until the technical
report is there), while 50 other signed-in sessions switch tabs and click Tonen on the
Berichtenlog over Reflex's websocket. Each target is a server started by a command on a free
loopback port (bench/rush_targets.py):

- bare:       bench/bare_app, a counter app, measured alone first: the same 50 sessions click
              Increment (the floor for the portal's round-trips);
- embedded:   the portal as `make run` serves it (SQLite, the worker started by the server);
- production: scripts/run-production.sh (nginx, two portal nodes; skipped while it is missing).

Printed side by side: upload → receipt and upload → technical report p50/p95, the browsing
round-trips before and during the rush, their p95 against the bare app's, the server's CPU
seconds and peak RSS (its process groups, from /proc), and deliveries lost or reported twice.
With `--kill` a second production run follows in which node1's process group gets SIGKILL after
half the receipts: every delivery with a receipt must still get its report, none twice.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import time

from rush_browse import Script, bare_script, portal_script
from rush_report import Result, table, verdicts
from rush_run import bare, rush
from rush_targets import BareTarget, EmbeddedTarget, ProductionTarget, Target

ALL = ("bare", "embedded", "production")


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--targets", default=",".join(ALL), help="comma separated: " + ", ".join(ALL)
    )
    parser.add_argument(
        "--kill", action="store_true", help="then a production run with node1 killed halfway"
    )
    parser.add_argument("--municipalities", type=int, default=50)
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--spread", type=float, default=10.0, help="seconds the files arrive in")
    parser.add_argument("--think", type=float, default=1.0, help="mean seconds between clicks")
    parser.add_argument("--quiet", type=float, default=10.0, help="browsing alone before the rush")
    parser.add_argument("--bare-seconds", type=float, default=20.0)
    parser.add_argument("--poll", type=float, default=0.2, help="seconds between status GETs")
    parser.add_argument("--report-timeout", type=float, default=300.0)
    parser.add_argument("--keep", action="store_true", help="keep the targets' folders and logs")
    return parser.parse_args()


async def _measure(
    target: Target, scripts: dict[str, Script], args: argparse.Namespace, *, kill: bool = False
) -> Result:
    if isinstance(target, BareTarget):
        return await bare(
            target,
            scripts["bare"],
            sessions=args.sessions,
            think=args.think,
            seconds=args.bare_seconds,
        )
    return await rush(
        target,
        scripts["portal"],
        municipalities=args.municipalities,
        sessions=args.sessions,
        spread=args.spread,
        think=args.think,
        quiet=args.quiet,
        poll=args.poll,
        report_timeout=args.report_timeout,
        kill=kill,
    )


def _run_one(
    target: Target, scripts: dict[str, Script], args: argparse.Namespace, *, kill: bool = False
) -> Result:
    print(f"{target.name}{' (kill run)' if kill else ''}: starting …", flush=True)
    try:
        target.start()
        result = asyncio.run(_measure(target, scripts, args, kill=kill))
    finally:
        target.stop()
        if args.keep:
            print(f"  {target.name}: folder and log kept in {target.dir}")
        else:
            target.cleanup()
    print(f"  {target.name}: done", flush=True)
    return result


def main() -> int:
    args = _arguments()
    wanted = [t.strip() for t in args.targets.split(",") if t.strip()]
    unknown = set(wanted) - set(ALL)
    if unknown:
        sys.exit(f"unknown targets: {', '.join(sorted(unknown))}")
    if ("production" in wanted or args.kill) and not ProductionTarget.available():
        print("production: skipped, scripts/run-production.sh is not there (yet)")
        wanted = [t for t in wanted if t != "production"]
        args.kill = False
    kinds = {"bare": BareTarget, "embedded": EmbeddedTarget, "production": ProductionTarget}
    # The event names, from the states themselves: Reflex registers states in a context
    # variable, so they are imported here, outside the event loops of the runs.
    scripts = {"portal": portal_script(), "bare": bare_script()}
    started = time.monotonic()
    results: list[Result] = []
    bare_result: Result | None = None
    for name in [t for t in ALL if t in wanted]:  # the bare app first: alone on the machine
        result = _run_one(kinds[name](), scripts, args)
        if name == "bare":
            bare_result = result
        results.append(result)
    if args.kill:
        results.append(_run_one(ProductionTarget(), scripts, args, kill=True))
    # The bare app's column last: the portal targets side by side.
    shown = [r for r in results if r is not bare_result] + ([bare_result] if bare_result else [])
    own = resource.getrusage(resource.RUSAGE_SELF)
    print(
        f"\n{args.municipalities} files over {args.spread:.0f} s, {args.sessions} browsing sessions "
        f"(a click every {args.think:.1f} s on average each); {time.monotonic() - started:.0f} s in all"
    )
    print(table(shown, bare_result))
    print(f"(the bench's own process: {own.ru_utime + own.ru_stime:.0f} s CPU on the same 2 cores)")
    for line in verdicts(shown, bare_result):
        print(line)
    failed = any(r.lost or r.doubled or r.refused for r in results if r is not bare_result)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
