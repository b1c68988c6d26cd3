"""The production topology under failure: two nodes behind nginx on one port with websockets; a
granian worker killed with SIGKILL is replaced while the node keeps serving; a node killed in
the middle of an upload loses nothing and keeps nothing, and nginx routes around it; a
validation job process killed mid-job still gives the report, once."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlmodel import func, select

pytestmark = pytest.mark.production


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=3) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


def _wait(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def _group(pgid: int) -> list[tuple[int, int, str]]:
    """(pid, parent pid, command line) of every process in a process group."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if int(stat[2]) == pgid and stat[0] != "Z":
            found.append((int(entry), int(stat[1]), cmdline))
    return found


def _listening_inodes(port: int) -> set[str]:
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:  # LISTEN
                inodes.add(fields[9])
    return inodes


def _granian_workers(pgid: int, port: int) -> list[int]:
    """The node's granian workers: children of its `reflex run` process (the group leader)
    that hold the node's listening socket."""
    sockets = {f"socket:[{inode}]" for inode in _listening_inodes(port)}
    found = []
    for pid, ppid, _cmd in _group(pgid):
        if ppid != pgid:
            continue
        try:
            fds = {os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")}
        except OSError:
            continue
        if fds & sockets:
            found.append(pid)
    return sorted(found)


def _supplier_api(production) -> tuple[httpx.Client, dict[str, str]]:
    from cbs_monitor import db
    from cbs_monitor.services import demo_data

    with db.session() as s:
        creds = demo_data.demo_supplier_credentials(s)
    api = httpx.Client(base_url=production.base_url + "/api/v1", timeout=60)
    token = api.post(
        "/token",
        data={"grant_type": "client_credentials"},
        auth=(creds.client_id, creds.client_secret),
    ).json()["access_token"]
    return api, {"Authorization": f"Bearer {token}"}


def _max_size_file(seed: int) -> tuple[str, bytes]:
    from cbs_monitor import clock, db
    from cbs_monitor.protocol.sample import generate_sample
    from cbs_monitor.services import periods

    with db.session() as s:
        period = periods.open_delivery_periods(s)[0].code
    return generate_sample("0363", period, target_bytes=2_500_000, seed=seed, created=clock.today())


def _deliveries_of_amsterdam() -> int:
    from cbs_monitor import db
    from cbs_monitor.models import Delivery

    with db.session() as s:
        return s.exec(
            select(func.count()).select_from(Delivery).where(Delivery.municipality_code == "0363")
        ).one()


def _stored_files() -> int:
    from cbs_monitor.services import storage

    return sum(1 for _ in storage.stored_files())


def _report_arrives(api: httpx.Client, bearer: dict[str, str], status_url: str) -> dict:
    path = status_url.removeprefix("/api/v1")

    def ready():
        status = api.get(path, headers=bearer).json()
        return status if status["stage"] == "klaar" else None

    return _wait(ready, 120, "the technical report")


def _technical_reports(delivery_id: int) -> int:
    from cbs_monitor import db
    from cbs_monitor.models import Report, ReportKind

    with db.session() as s:
        return len(
            s.exec(
                select(Report.id).where(
                    Report.delivery_id == delivery_id, Report.kind == ReportKind.technical
                )
            ).all()
        )


def test_two_nodes_started_one_after_the_other_leave_the_checkout_as_it_was(production):
    """`reflex run` rewrites .gitignore as it starts; two at once once cut it short."""
    from tests.topology import ROOT

    tracked = subprocess.run(
        ["git", "diff", "--stat", "--", ".gitignore"], cwd=ROOT, capture_output=True, text=True
    )
    assert tracked.returncode == 0 and tracked.stdout == "", tracked.stdout
    lines = (ROOT / ".gitignore").read_text().splitlines()
    assert ".venv/" in lines and "test-artifacts/" in lines


def test_two_nodes_serve_one_port_with_websockets(production):
    for _ in range(8):
        assert _status(production.base_url + "/login/") == 200
    log = (production.production_dir / "nginx" / "access.log").read_text()
    for node in (1, 2):
        port = production.node_url(node).rsplit(":", 1)[1]
        assert f"upstream=127.0.0.1:{port}" in log, f"node {node} served nothing"
    host = production.base_url.removeprefix("http://")
    with socket.create_connection(host.split(":")) as conn:  # type: ignore[arg-type]
        conn.sendall(
            (
                "GET /_event/?EIO=4&transport=websocket HTTP/1.1\r\n"
                f"Host: {host}\r\nOrigin: {production.base_url}\r\nUpgrade: websocket\r\n"
                "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
            ).encode()
        )
        assert conn.recv(64).startswith(b"HTTP/1.1 101")


def test_a_granian_worker_killed_with_sigkill_is_replaced_while_the_node_serves(production):
    pgid = production.node_pgid(1)
    node = production.node_url(1)
    port = int(node.rsplit(":", 1)[1])
    workers = _granian_workers(pgid, port)
    assert len(workers) == 2, _group(pgid)
    os.kill(workers[0], signal.SIGKILL)
    killed = time.monotonic()
    # Through nginx every request is answered, from the moment of the kill: a connection the
    # dying worker's socket still took is refused, and nginx sends the GET to the next node.
    via_proxy = []
    while time.monotonic() < killed + 3:
        via_proxy.append(_status(production.base_url + "/ping"))
        time.sleep(0.05)
    assert set(via_proxy) == {200}, via_proxy
    # The node itself serves on its other worker once the dead one's socket is gone.
    direct = []
    while time.monotonic() < killed + 8:
        direct.append(_status(node + "/ping"))
        time.sleep(0.1)
    assert set(direct) == {200}, direct
    replaced = _wait(
        lambda: (w := _granian_workers(pgid, port)) and len(w) == 2 and workers[0] not in w and w,
        30,
        "a new granian worker",
    )
    assert workers[1] in replaced
    assert _status(node + "/healthz") == 200


def test_a_node_killed_during_an_upload_loses_nothing_and_nginx_routes_around_it(
    production, tmp_path
):
    api, bearer = _supplier_api(production)
    name, data = _max_size_file(seed=31)
    boundary = "rushboundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    deliveries, files = _deliveries_of_amsterdam(), _stored_files()

    # Half the file to node 1 directly, then node 1 dies with SIGKILL (portal and worker).
    node_host, node_port = production.node_url(1).removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(node_host, int(node_port), timeout=10)
    conn.putrequest("POST", "/api/v1/deliveries")
    conn.putheader("Authorization", bearer["Authorization"])
    conn.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
    conn.putheader("Content-Length", str(len(body)))
    conn.endheaders()
    conn.send(body[: len(body) // 2])
    time.sleep(0.5)
    os.killpg(production.node_pgid(1), signal.SIGKILL)
    with pytest.raises(OSError):
        conn.send(body[len(body) // 2 :])
        conn.getresponse()
    conn.close()
    assert _deliveries_of_amsterdam() == deliveries, "half a file became a delivery"
    assert _stored_files() == files, "half a file was kept"

    # The supplier sends again through the one port: node 2 takes it, validates it, reports.
    sent = api.post("/deliveries", files={"file": (name, data)}, headers=bearer)
    assert sent.status_code == 202, sent.text
    report = _report_arrives(api, bearer, sent.json()["status_url"])
    assert report["technical_report"]["status"] in {"Goedgekeurd", "Afgekeurd"}
    assert _technical_reports(sent.json()["id"]) == 1
    for _ in range(10):
        assert _status(production.base_url + "/login/") == 200
    _wait(
        lambda: "node 1 is gone; starting it again" in production.log.read_text(),
        30,
        "the script to notice node 1 is gone",
    )
    # The health check took node 1 out of nginx, and lets it back once it serves again.
    _wait(lambda: _status(production.node_url(1) + "/healthz") == 200, 600, "node 1 back")
    _wait(
        lambda: "healthy nodes: 1 2;" in production.log.read_text().split("gone")[-1],
        30,
        "node 1 back in nginx",
    )


def test_a_job_process_killed_mid_validation_still_gives_one_report(production):
    from cbs_monitor import db
    from cbs_monitor.models import Delivery, DeliveryStatus

    api, bearer = _supplier_api(production)
    name, data = _max_size_file(seed=32)
    # A warm job validates a max-size file in a few tenths of a second, too quick to catch for
    # sure: the test holds the reports table, so the job that claimed the delivery waits at
    # recording its reports until it is killed (reads, the claim and the receipt go on).
    with db.get_engine().connect() as held:
        held.execute(text("LOCK TABLE report IN SHARE MODE"))
        sent = api.post("/deliveries", files={"file": (name, data)}, headers=bearer)
        assert sent.status_code == 202, sent.text
        delivery_id = sent.json()["id"]

        def claimed_by() -> str | None:
            with db.session() as s:
                delivery = s.get(Delivery, delivery_id)
                assert delivery.status == DeliveryStatus.received
                return delivery.validation_claimed_by

        claim = _wait(claimed_by, 60, "a worker's claim")
        os.kill(int(claim.split(":")[1]), signal.SIGKILL)
        held.rollback()
    report = _report_arrives(api, bearer, sent.json()["status_url"])
    assert report["technical_report"]["status"] in {"Goedgekeurd", "Afgekeurd"}
    assert _technical_reports(delivery_id) == 1
    with db.session() as s:
        assert s.get(Delivery, delivery_id).validation_attempts == 2
