"""/healthz: 200 when the node can serve; 503 naming the failed part (and nothing more) when its
database, queue, storage or state store does not answer, so the proxy routes around it."""

from __future__ import annotations

import json

from starlette.testclient import TestClient

from cbs_monitor.api import app as api_app
from cbs_monitor.api.app import build_api
from cbs_monitor.settings import reset_settings

# Nothing listens on port 1 of loopback: a connection there is refused at once.
DEAD_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:1/cbs_monitor"
DEAD_REDIS = "redis://127.0.0.1:1/0"


def test_a_node_that_can_serve_is_healthy(migrated_db):
    response = TestClient(build_api()).get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": True, "job_queue": True, "storage": True},
    }


def test_without_its_database_the_node_fails_its_health_check(migrated_db, monkeypatch):
    monkeypatch.setenv("CBS_MONITOR_DATABASE_URL", DEAD_POSTGRES)
    monkeypatch.setenv("CBS_MONITOR_JOB_QUEUE", "sqlite")
    reset_settings()
    response = TestClient(build_api()).get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail" and body["checks"]["database"] is False
    assert body["checks"]["storage"] is True
    # Only names and booleans: no host, port or driver text for whoever asks.
    assert "127.0.0.1" not in response.text and "psycopg" not in response.text


def test_without_its_state_store_the_node_fails_its_health_check(migrated_db, monkeypatch):
    monkeypatch.setattr(api_app, "_state_store_url", lambda: DEAD_REDIS)
    response = TestClient(build_api()).get("/healthz")
    assert response.status_code == 503
    assert json.loads(response.text)["checks"] == {
        "database": True,
        "job_queue": True,
        "storage": True,
        "state_store": False,
    }


def test_without_its_redis_queue_the_node_fails_its_health_check(migrated_db, monkeypatch):
    monkeypatch.setenv("CBS_MONITOR_JOB_QUEUE", "redis")
    monkeypatch.setenv("CBS_MONITOR_REDIS_URL", DEAD_REDIS)
    reset_settings()
    response = TestClient(build_api()).get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["job_queue"] is False
