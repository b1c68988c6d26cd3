"""Granian, as `reflex run --env prod` starts it, replaces a worker process that dies.

Reflex 0.10 builds granian's server with fixed arguments (`run_granian_backend_prod` in
reflex/utils/exec.py) and has no setting for granian's `respawn_failed_workers`, which is off by
default: a worker killed with SIGKILL (the OOM killer, say) then shuts the whole node down. This
turns respawning on for every granian server started in this process; rxconfig.py calls it, and
Reflex loads rxconfig.py in the process that starts granian. Granian itself still gives up on a
worker that dies again within 5.5 s of its respawn (a crash loop), and the node then exits so its
supervisor (systemd, or scripts/run-production.sh) and the proxy's health check take over.
"""

from __future__ import annotations

import functools
from typing import Any

_MARK = "_cbs_monitor_respawns"


def respawn_failed_workers() -> None:
    try:
        from granian.server import common
    except ImportError:  # granian is Reflex's server; without it there is nothing to set
        return
    original = common.AbstractServer.__init__
    if getattr(original, _MARK, False):
        return

    @functools.wraps(original)
    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("respawn_failed_workers", True)
        original(self, *args, **kwargs)

    setattr(init, _MARK, True)
    common.AbstractServer.__init__ = init  # type: ignore[method-assign]
