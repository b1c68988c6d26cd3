"""The production topology (scripts/run-production.sh) started once for these tests, with a
short validation lease so a job of a killed worker comes back within the test's patience."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from tests import topology
from tests.conftest import _environment
from tests.topology import ARTIFACTS


@pytest.fixture(scope="session")
def production():
    ARTIFACTS.mkdir(exist_ok=True)
    data_dir = Path(tempfile.mkdtemp(prefix="cbs-production-"))
    # The lease is inherited by every node from this process's environment.
    with _environment({"CBS_MONITOR_VALIDATION_LEASE_SECONDS": "15"}):
        try:
            with (
                topology.running_portal(
                    "production", data_dir, ARTIFACTS / "production.log"
                ) as portal,
                topology.pointed_at(portal),
            ):
                yield portal
        finally:
            # The nodes' own logs outlive the run, for a failure in CI to be read afterwards.
            for log in sorted(data_dir.glob("production/node*/*.log")):
                shutil.copy(log, ARTIFACTS / f"production-{log.parent.name}-{log.name}")
            shutil.rmtree(data_dir, ignore_errors=True)
