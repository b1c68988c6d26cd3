"""`make bench-rush`: signed-in browsing sessions over Reflex's real websocket.

Each session is one browser tab as Reflex 0.10.1's frontend (reflex_base/.templates/web/utils/
state.js) drives it, without the browser:

- connect: Socket.IO on the path `/_event`, namespace `/_event` (the event URL's path,
  `Config.get_event_namespace`), websocket transport, `?token=<uuid>` (the tab's token), the
  session cookie and the page's Origin as headers, and in the CONNECT packet's auth
  `{"event": <State.hydrate_and_load with router_data>}` (`bootAuth` in state.js,
  `EventNamespace.on_connect` in reflex/app.py). The page's on_load runs on the server.
- an event is `emit("event", {"name": "<full state path>.<handler>", "payload": {...},
  "router_data": {"pathname", "asPath"}})` (`applyEvent`/`withRouterData`); the answer comes
  back as `event` messages `{"delta": {<state path>: {<var>_rx_state_: value}}, "events": []}`.
- switching tabs is a client-side navigation: the frontend sends
  `State.on_load_internal_state.on_load_internal` with the new path (`useEventLoop`'s route
  effect, `onLoadInternalEvent` in the compiled context.js); the server runs the tab's on_load
  and then sets `is_hydrated`. The round-trip ends at the delta with `is_hydrated` true.
- *Tonen* on the Berichtenlog is `MessageLogState.show`; it ends at the delta of that state.

The names come from the classes themselves (`format_event_handler`, as the compiler writes
the page's handlers), so a renamed state or handler shows here at once.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import dataclasses
import random
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import socketio

ROOT = Path(__file__).resolve().parent.parent
NAMESPACE = "/_event"
FIELD = "_rx_state_"
ROUND_TRIP_TIMEOUT = 30.0

Delta = dict[str, dict]


@dataclasses.dataclass(frozen=True)
class Action:
    label: str
    event: str
    path: str
    done: Callable[[Delta], bool]


@dataclasses.dataclass(frozen=True)
class Script:
    """Where a session lands and what it does next, round and round."""

    start: str
    actions: tuple[Action, ...]


@dataclasses.dataclass
class RoundTrip:
    label: str
    at: float  # perf_counter when the event was sent
    seconds: float | None  # None: no answer within ROUND_TRIP_TIMEOUT, or not sent


def _root() -> str:
    from reflex.state import State

    return State.get_full_name()


def _hydrated(delta: Delta) -> bool:
    return delta.get(_root(), {}).get("is_hydrated" + FIELD) is True


def _event_name(handler) -> str:
    from reflex_base.utils import format

    return format.format_event_handler(handler)


def portal_script() -> Script:
    """Switch tabs Aanleveren → Ophalen → Berichtenlog (Tonen) → Intrekken → Berichtenlog
    (Tonen), as a municipal user does."""
    from reflex.state import OnLoadInternalState

    from cbs_monitor import routes
    from cbs_monitor.ui.tabs.berichtenlog import MessageLogState

    navigate = _event_name(OnLoadInternalState.on_load_internal)
    show = _event_name(MessageLogState.show)
    log_state = MessageLogState.get_full_name()

    def tab(path: str) -> Action:
        return Action("tab", navigate, path, _hydrated)

    tonen = Action("Tonen", show, routes.MESSAGE_LOG, lambda delta: log_state in delta)
    return Script(
        routes.DELIVER,
        (
            tab(routes.RETRIEVE),
            tab(routes.MESSAGE_LOG),
            tonen,
            tab(routes.WITHDRAW),
            tab(routes.DELIVER),
            tab(routes.MESSAGE_LOG),
            tonen,
        ),
    )


def bare_script() -> Script:
    """Click Increment on the counter."""
    sys.path.insert(0, str(ROOT / "bench" / "bare_app"))
    from bare_app.state import CounterState

    counter = CounterState.get_full_name()
    return Script(
        "/",
        (
            Action(
                "increment",
                _event_name(CounterState.increment),
                "/",
                lambda delta: counter in delta,
            ),
        ),
    )


def _router(path: str) -> dict:
    return {"pathname": path, "asPath": path}


class Tab:
    """One browser tab of one signed-in user."""

    def __init__(self, base: str, origin: str, script: Script, cookie: str | None) -> None:
        self.base, self.origin, self.script = base, origin, script
        self.cookie = cookie
        self.token = str(uuid.uuid4())
        self.sio = socketio.AsyncClient(
            reconnection=True, reconnection_delay=0.2, reconnection_delay_max=2
        )
        self.sio.on("event", self._on_event, namespace=NAMESPACE)
        self.sio.on("disconnect", self._on_disconnect, namespace=NAMESPACE)
        self._waiting: tuple[Callable[[Delta], bool], asyncio.Future[None]] | None = None
        self.disconnects = 0
        self.redirects: collections.Counter[str] = collections.Counter()  # path -> times
        self.closing = False

    async def _on_event(self, update: dict) -> None:
        delta = update.get("delta") or {}
        for sent in update.get("events") or []:
            if sent.get("name") == "_redirect":  # signed out, no access: the page would leave
                self.redirects[str((sent.get("payload") or {}).get("path"))] += 1
        if self._waiting is not None and not self._waiting[1].done() and self._waiting[0](delta):
            self._waiting[1].set_result(None)

    async def _on_disconnect(self, *_args) -> None:
        if not self.closing:
            self.disconnects += 1

    async def connect(self) -> None:
        from reflex.state import State

        def headers() -> dict[str, str]:
            # A new dict for every (re)connect: python-engineio moves the Cookie header out of the
            # dict it is given into an HTTP session that a reconnect replaces, so a reused dict
            # would reconnect without the cookie (a browser always sends it).
            found = {"Origin": self.origin}
            if self.cookie:
                found["Cookie"] = self.cookie
            return found

        boot = {
            "name": _event_name(State.hydrate_and_load),
            "payload": {},
            "router_data": _router(self.script.start),
        }
        done = self._expect(_hydrated)
        await self.sio.connect(
            f"{self.base}?token={self.token}",
            headers=headers,
            auth={"event": boot},
            transports=["websocket"],
            namespaces=[NAMESPACE],
            socketio_path=NAMESPACE,
            wait_timeout=30,
        )
        await asyncio.wait_for(done, ROUND_TRIP_TIMEOUT)

    def _expect(self, done: Callable[[Delta], bool]) -> asyncio.Future[None]:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting = (done, future)
        return future

    async def act(self, action: Action) -> RoundTrip:
        future = self._expect(action.done)
        started = time.perf_counter()
        message = {"name": action.event, "payload": {}, "router_data": _router(action.path)}
        try:
            await self.sio.emit("event", message, namespace=NAMESPACE)
            await asyncio.wait_for(future, ROUND_TRIP_TIMEOUT)
        except (TimeoutError, socketio.exceptions.SocketIOError):
            return RoundTrip(action.label, started, None)
        return RoundTrip(action.label, started, time.perf_counter() - started)

    async def close(self) -> None:
        self.closing = True
        with contextlib.suppress(Exception):
            await self.sio.disconnect()


class Browsing:
    """N tabs that act in turn, each with a think time between its events, until stopped."""

    def __init__(
        self,
        base: str,
        origin: str,
        script: Script,
        cookies: list[str | None],
        *,
        think: float,
        seed: int = 2,
    ) -> None:
        self.tabs = [Tab(base, origin, script, cookie) for cookie in cookies]
        self.script, self.think = script, think
        self.rng = random.Random(seed)
        self.trips: list[RoundTrip] = []
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    async def connect(self) -> None:
        # A few at a time, as tabs open over a morning rather than in one instant.
        for n in range(0, len(self.tabs), 10):
            await asyncio.gather(*(t.connect() for t in self.tabs[n : n + 10]))

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._run(tab)) for tab in self.tabs]

    async def _run(self, tab: Tab) -> None:
        step = self.rng.randrange(len(self.script.actions))
        while not self._stop.is_set():
            with contextlib.suppress(TimeoutError):
                pause = self.think * self.rng.uniform(0.5, 1.5)
                await asyncio.wait_for(self._stop.wait(), pause)
            if self._stop.is_set():
                return
            self.trips.append(await tab.act(self.script.actions[step % len(self.script.actions)]))
            step += 1

    async def stop(self) -> None:
        self._stop.set()
        await asyncio.gather(*self._tasks)
        await asyncio.gather(*(tab.close() for tab in self.tabs))

    @property
    def disconnects(self) -> int:
        return sum(tab.disconnects for tab in self.tabs)

    @property
    def redirects(self) -> collections.Counter[str]:
        return sum((tab.redirects for tab in self.tabs), collections.Counter())

    def window(self, start: float, end: float, label: str | None = None) -> list[RoundTrip]:
        return [
            t for t in self.trips if start <= t.at < end and (label is None or t.label == label)
        ]
