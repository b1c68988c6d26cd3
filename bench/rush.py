"""`make bench-rush`: the last hour of a delivery window on the embedded set-up.

50 municipalities each send a max-size file (about 2.5 MB) within 10 s, through the same service
call the Aanleveren tab makes, while 50 browsing sessions keep asking for a Berichtenlog page
(the service call behind *Tonen*). The real worker (`cbs-monitor worker`, two job processes, the
SQLite queue) checks the files. Printed: p50/p95 of upload → receipt and upload → technical
report, the browsing calls' p50/p95 during the rush against the same calls on a quiet portal,
the worker's CPU time and peak RSS, and the deliveries lost (must be 0). With `--kill` the
worker is killed with SIGKILL halfway through the rush and started again: every delivery that
got a receipt must get its report, none twice.

What it does not measure (yet): the websocket path of the browsing sessions and the production
topology (two nodes behind nginx); see the closing note of issue 14.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import dataclasses
import io
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _worker() -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "cbs_monitor.cli", "worker", "--processes", "2"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _group_usage(pgid: int) -> tuple[float, float]:
    """CPU seconds and summed peak RSS (MB) of the processes in a process group."""
    cpu, rss = 0.0, 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            if int(stat[2]) != pgid:
                continue
            cpu += (int(stat[11]) + int(stat[12])) / tick
            for line in Path(f"/proc/{entry}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    rss += int(line.split()[1]) / 1024
        except (OSError, IndexError, ValueError):
            continue
    return cpu, rss


@dataclasses.dataclass
class Sent:
    delivery_id: int
    started: float
    receipt: float
    report: float | None = None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--municipalities", type=int, default=50)
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument(
        "--spread", type=float, default=10.0, help="seconds over which files arrive"
    )
    parser.add_argument("--kill", action="store_true", help="kill -9 the worker halfway")
    args = parser.parse_args()

    os.environ["CBS_MONITOR_DATA_DIR"] = tempfile.mkdtemp(prefix="cbs-rush-")
    os.environ["CBS_MONITOR_JOB_QUEUE"] = "sqlite"
    os.environ["CBS_MONITOR_MAX_PENDING_TOTAL"] = "1000"
    from sqlmodel import select

    from cbs_monitor import clock, db, migrations
    from cbs_monitor.models import Delivery, DeliveryStatus, Municipality, Report, ReportKind, User
    from cbs_monitor.protocol.sample import generate_sample
    from cbs_monitor.services import deliveries, demo_data, message_log, periods
    from cbs_monitor.services.permissions import load_actor

    migrations.upgrade()
    with db.session() as s:
        demo_data.seed_demo(s)
        period = periods.open_delivery_periods(s)[0].code
        anna = load_actor(
            s, s.exec(select(User).where(User.employee_id == "anna.devries")).one().id
        )
        codes = list(s.exec(select(Municipality.code).order_by(Municipality.code)).all())
    chosen = codes[: args.municipalities]
    print(f"generating {len(chosen)} files of about 2.5 MB …", flush=True)
    files = {
        code: generate_sample(code, period, target_bytes=2_600_000, seed=n, created=clock.today())
        for n, code in enumerate(chosen)
    }
    sizes = [len(data) for _name, data in files.values()]
    print(f"files: {min(sizes):,}–{max(sizes):,} bytes")

    def actor_for(code: str):
        # Anna's session, acting for this municipality: the permission check still runs.
        return dataclasses.replace(
            anna, municipality_codes=(code,), municipality_names={code: code}
        )

    def browse_once() -> float:
        started = time.perf_counter()
        with db.session() as s:
            message_log.message_log(s, anna, "0363")
        return time.perf_counter() - started

    quiet = [browse_once() for _ in range(200)]

    worker = _worker()
    time.sleep(1.0)  # the worker's interpreter starts (not measured)
    stop_browsing = threading.Event()
    browsing: list[float] = []

    def browse() -> None:
        while not stop_browsing.is_set():
            browsing.append(browse_once())

    sent: list[Sent] = []
    lock = threading.Lock()
    rng = random.Random(1)
    rush_start = time.perf_counter()

    def deliver(code: str) -> None:
        time.sleep(rng.uniform(0, args.spread))
        name, data = files[code]
        started = time.perf_counter()
        with db.session() as s:
            view = deliveries.deliver(
                s, actor_for(code), code, name, io.BytesIO(data).read, terms_accepted=True
            )
        assert view.receipt is not None, view.refused
        with lock:
            sent.append(Sent(view.receipt.delivery_id, started, time.perf_counter()))

    browsers = [threading.Thread(target=browse, daemon=True) for _ in range(args.sessions)]
    for thread in browsers:
        thread.start()
    killed = False
    with concurrent.futures.ThreadPoolExecutor(max_workers=len(chosen)) as pool:
        futures = [pool.submit(deliver, code) for code in chosen]
        while not all(f.done() for f in futures):
            if args.kill and not killed and len(sent) >= len(chosen) // 2:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait()
                worker = _worker()
                killed = True
                print(
                    f"killed the worker with SIGKILL after {len(sent)} receipts; started a new one"
                )
            time.sleep(0.05)
        for future in futures:
            future.result()

    deadline = time.monotonic() + 300
    pending = {s.delivery_id: s for s in sent}
    while pending and time.monotonic() < deadline:
        with db.session() as s:
            done = s.exec(
                select(Delivery.id, Delivery.status).where(Delivery.id.in_(list(pending)))
            ).all()
        now = time.perf_counter()
        for delivery_id, status in done:
            if status != DeliveryStatus.received:
                pending.pop(delivery_id).report = now
        time.sleep(0.05)
    rush_seconds = time.perf_counter() - rush_start
    stop_browsing.set()
    for thread in browsers:
        thread.join()
    cpu, rss = _group_usage(worker.pid)
    os.killpg(worker.pid, signal.SIGTERM)
    worker.wait(timeout=20)

    with db.session() as s:
        ids = [x.delivery_id for x in sent]
        technical = s.exec(
            select(Report.delivery_id).where(
                Report.delivery_id.in_(ids), Report.kind == ReportKind.technical
            )
        ).all()
        statuses = s.exec(select(Delivery.status).where(Delivery.id.in_(ids))).all()
    lost = len(ids) - len(set(technical))
    doubled = len(technical) - len(set(technical))
    receipts = [x.receipt - x.started for x in sent]
    reports = [x.report - x.started for x in sent if x.report is not None]
    ms = 1000
    print(
        f"\nrush: {len(sent)} files over {args.spread:.0f} s, {args.sessions} browsing sessions, "
        f"worker 2 job processes{' (killed halfway)' if killed else ''}; {rush_seconds:.1f} s in all"
    )
    print(
        f"upload → receipt          p50 {_pct(receipts, 0.5) * ms:7.0f} ms   p95 {_pct(receipts, 0.95) * ms:7.0f} ms"
    )
    print(
        f"upload → technical report p50 {_pct(reports, 0.5):7.1f} s    p95 {_pct(reports, 0.95):7.1f} s"
    )
    quiet_p50, quiet_p95 = _pct(quiet, 0.5) * ms, _pct(quiet, 0.95) * ms
    busy_p50, busy_p95 = _pct(browsing, 0.5) * ms, _pct(browsing, 0.95) * ms
    print(f"Berichtenlog call, quiet  p50 {quiet_p50:7.1f} ms   p95 {quiet_p95:7.1f} ms")
    print(
        f"Berichtenlog call, rush   p50 {busy_p50:7.1f} ms   p95 {busy_p95:7.1f} ms "
        f"(×{busy_p50 / quiet_p50:.1f} / ×{busy_p95 / quiet_p95:.1f}; {len(browsing)} calls)"
    )
    print(f"worker (last one): {cpu:.1f} s CPU, {rss:.0f} MB peak RSS summed over its processes")
    verdicts = {
        str(v.value if hasattr(v, "value") else v): statuses.count(v) for v in set(statuses)
    }
    print(f"verdicts: {verdicts}")
    print(f"lost: {lost}, recorded twice: {doubled}")
    return 1 if lost or doubled else 0


if __name__ == "__main__":
    sys.exit(main())
