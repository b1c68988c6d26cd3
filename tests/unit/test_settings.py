"""Settings: embedded defaults, environment overrides, and refusal of nonsense."""

from pathlib import Path

import pytest

from cbs_monitor.settings import Settings


def test_defaults_are_the_embedded_setup():
    s = Settings.from_env({})
    assert s.mode == "development"
    assert s.db_url.startswith("sqlite:///") and s.db_url.endswith("data/cbs_monitor.db")
    assert s.builtin_idp_enabled
    assert s.outbox_dir == Path("data/outbox")
    assert s.max_upload_bytes == 2_621_440
    assert s.demo_data


def test_environment_overrides_with_types():
    s = Settings.from_env(
        {
            "CBS_MONITOR_DATA_DIR": "/tmp/x",
            "CBS_MONITOR_SESSION_IDLE_MINUTES": "30",
            "CBS_MONITOR_ERROR_THRESHOLD_PERCENT": "7.5",
            "CBS_MONITOR_SMTP_STARTTLS": "false",
            "CBS_MONITOR_DATABASE_URL": "postgresql://u@h/db",
        }
    )
    assert s.data_dir == Path("/tmp/x")
    assert s.session_idle_minutes == 30
    assert s.error_threshold_percent == 7.5
    assert s.smtp_starttls is False
    assert s.db_url == "postgresql://u@h/db"


def test_production_needs_secret_and_disables_builtin_idp():
    with pytest.raises(ValueError):
        Settings.from_env({"CBS_MONITOR_MODE": "production"})
    s = Settings.from_env({"CBS_MONITOR_MODE": "production", "CBS_MONITOR_SECRET_KEY": "k"})
    assert not s.builtin_idp_enabled


def test_external_issuer_disables_builtin_idp():
    assert not Settings.from_env(
        {"CBS_MONITOR_OIDC_ISSUER": "https://broker.example"}
    ).builtin_idp_enabled


def test_bad_mode_is_refused():
    with pytest.raises(ValueError):
        Settings.from_env({"CBS_MONITOR_MODE": "demo"})


def test_generated_secret_is_stable(tmp_path):
    s = Settings.from_env({"CBS_MONITOR_DATA_DIR": str(tmp_path)})
    first = s.resolved_secret_key()
    assert len(first) > 40 and s.resolved_secret_key() == first


def test_origins_are_the_base_url_its_loopback_alias_and_the_configured_ones():
    s = Settings.from_env({"CBS_MONITOR_BASE_URL": "http://127.0.0.1:3000/"})
    assert s.origins == ["http://127.0.0.1:3000", "http://localhost:3000"]
    s = Settings.from_env(
        {
            "CBS_MONITOR_BASE_URL": "https://Monitor.example:443/portaal",
            "CBS_MONITOR_ALLOWED_ORIGINS": " https://beta.monitor.example , ",
        }
    )
    assert s.origins == ["https://monitor.example", "https://beta.monitor.example"]
    assert s.https
