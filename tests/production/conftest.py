"""The production topology (scripts/run-production.sh) started once for these tests, with a
short validation lease so a job of a killed worker comes back within the test's patience."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from tests import topology
from tests.topology import ARTIFACTS


@pytest.fixture(scope="session")
def production():
    ARTIFACTS.mkdir(exist_ok=True)
    data_dir = Path(tempfile.mkdtemp(prefix="cbs-production-"))
    previous = os.environ.get("CBS_MONITOR_VALIDATION_LEASE_SECONDS")
    os.environ["CBS_MONITOR_VALIDATION_LEASE_SECONDS"] = "15"  # inherited by every node
    try:
        with (
            topology.running_portal("production", data_dir, ARTIFACTS / "production.log") as portal,
            topology.pointed_at(portal),
        ):
            yield portal
    finally:
        if previous is None:
            os.environ.pop("CBS_MONITOR_VALIDATION_LEASE_SECONDS", None)
        else:
            os.environ["CBS_MONITOR_VALIDATION_LEASE_SECONDS"] = previous
        shutil.rmtree(data_dir, ignore_errors=True)
