"""One Settings object read from CBS_MONITOR_* environment variables, with embedded defaults."""

from __future__ import annotations

import dataclasses
import functools
import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

PREFIX = "CBS_MONITOR_"


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on", "ja"}


@dataclasses.dataclass(frozen=True)
class Settings:
    """Every knob of the portal. The defaults are the embedded set-up (laptop/demo)."""

    # "development" (embedded defaults) or "production" (no built-in identity provider, no demo data).
    mode: str = "development"
    data_dir: Path = Path("data")
    # Empty means: an SQLite file inside data_dir.
    database_url: str = ""
    base_url: str = "http://127.0.0.1:3000"
    # Further origins (comma separated, e.g. "https://monitor.example,https://beta.monitor.example")
    # that may call the portal from a browser with the user's cookie: CORS and the websocket.
    allowed_origins: str = ""
    timezone: str = "Europe/Amsterdam"
    # Clock: a fixed ISO moment ("2026-03-12T09:00") or a shift in days from the real clock.
    clock_fixed: str = ""
    clock_shift_days: float = 0.0
    secret_key: str = ""
    # Identity: an external OIDC issuer (eHerkenning broker) or the built-in provider.
    builtin_idp: bool = True
    oidc_issuer: str = ""
    oidc_client_id: str = "cbs-monitor"
    oidc_client_secret: str = ""
    oidc_org_claim: str = "urn:etoegang:core:LegalSubjectID"
    oidc_employee_claim: str = "sub"
    session_idle_minutes: int = 15
    session_max_hours: int = 8
    verification_code_days: int = 14
    verification_code_attempts: int = 5
    # Login flood: /auth/login starts per client (IP address) per 5 minutes, and login attempts in
    # flight in all (each is a database row until it comes back or expires).
    login_rate_limit: int = 30
    login_attempts_max: int = 10_000
    # Reverse proxies in front of the portal that append to X-Forwarded-For (nginx: 1). 0 trusts
    # no such header: the client is the connection's peer. Reflex gets the same number.
    trusted_proxy_hops: int = 0
    # Mail: SMTP when smtp_host is set, else .eml files in outbox_dir.
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_starttls: bool = True
    smtp_user: str = ""
    smtp_password: str = ""
    mail_from: str = "CBS Monitor <noreply@cbs-monitor.local>"
    # Protocol and reports.
    max_upload_bytes: int = 2_621_440
    error_threshold_percent: float = 5.0
    change_threshold_percent: float = 20.0
    # "automatic": op-orde report released right after technical approval; "review": CBS releases it.
    readiness_release: str = "automatic"
    reminder_working_days: int = 5
    retention_days: int = 365
    # Delivered files: "local" (a folder in data_dir, one machine) or "database" (the portal's own
    # database, which every portal node and worker machine reaches).
    file_storage: str = "local"
    # A stored file that no delivery points at is removed by the scheduler this long after it was
    # written (the delivery's row commits within seconds of the file).
    stray_file_minutes: int = 30
    demo_data: bool = True
    scheduler_enabled: bool = True
    # One scheduler acts across all nodes (a lease in the database, renewed every third of it):
    # when the leader dies without handing over, another takes over within 4/3 of this.
    scheduler_lease_seconds: float = 30.0
    cbs_form_url: str = (
        "https://www.cbs.nl/nl-nl/deelnemers-enquetes/decentrale-overheden/monitor-sociaal-domein"
    )
    # Validation jobs (Huey): "sqlite" (a file in data_dir, no server), "postgres" (the portal's
    # database) or "redis" (redis_url). Workers per node; a claim older than the lease is a
    # worker that died, and the job runs again; after max_attempts it ends as "technische fout".
    job_queue: str = "sqlite"
    redis_url: str = ""
    validation_workers: int = 2
    validation_lease_seconds: float = 120.0
    validation_max_attempts: int = 3
    # Fairness and a bounded queue: files waiting per municipality, and in all.
    max_pending_per_municipality: int = 3
    max_pending_total: int = 500
    # The embedded set-up: the server starts one worker process for its data dir. In production
    # each node runs `cbs-monitor worker` itself.
    worker_in_server: bool = True
    # Supplier API (/api/v1): bearer token lifetime, and requests per minute per client (the
    # token endpoint counts per client id, so a wrong secret cannot be tried endlessly).
    api_token_seconds: int = 900
    api_rate_per_minute: int = 120
    api_token_rate_per_minute: int = 20

    @functools.cached_property
    def db_url(self) -> str:
        # Once per Settings: every database session asks (resolve() is a syscall per part).
        return self.database_url or f"sqlite:///{(self.data_dir / 'cbs_monitor.db').resolve()}"

    @property
    def storage_dir(self) -> Path:
        return self.data_dir / "files"

    @property
    def outbox_dir(self) -> Path:
        return self.data_dir / "outbox"

    @property
    def base_origin(self) -> str:
        """The origin (scheme://host[:port]) of base_url."""
        return origin_of(self.base_url)

    @property
    def origins(self) -> list[str]:
        """Every origin a browser page may call the portal from: the base URL's (with its loopback
        alias, 127.0.0.1 and localhost being one machine) and the configured extra ones."""
        found = [self.base_origin]
        parts = urlsplit(self.base_url)
        alias = {"127.0.0.1": "localhost", "localhost": "127.0.0.1"}.get(parts.hostname or "")
        if alias:
            found.append(origin_of(parts._replace(netloc=alias + _port_suffix(parts)).geturl()))
        found += [origin_of(o) for o in self.allowed_origins.split(",") if o.strip()]
        return list(dict.fromkeys(found))

    @property
    def https(self) -> bool:
        return self.base_url.startswith("https://")

    @property
    def production(self) -> bool:
        return self.mode == "production"

    @property
    def demo_data_enabled(self) -> bool:
        """Demo data is for the embedded set-up only: never seeded in production."""
        return self.demo_data and not self.production

    @property
    def builtin_idp_enabled(self) -> bool:
        return self.builtin_idp and not self.production and not self.oidc_issuer

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for field in dataclasses.fields(cls):
            raw = env.get(PREFIX + field.name.upper())
            if raw is None:
                continue
            default = field.default
            if isinstance(default, bool):
                values[field.name] = _bool(raw)
            elif isinstance(default, int):
                values[field.name] = int(raw)
            elif isinstance(default, float):
                values[field.name] = float(raw)
            elif isinstance(default, Path):
                values[field.name] = Path(raw)
            else:
                values[field.name] = raw
        settings = cls(**values)
        if settings.mode not in {"development", "production"}:
            raise ValueError(
                f"{PREFIX}MODE must be development or production, not {settings.mode!r}"
            )
        if settings.job_queue not in {"sqlite", "postgres", "redis", "immediate"}:
            raise ValueError(f"{PREFIX}JOB_QUEUE must be sqlite, postgres, redis or immediate")
        if settings.file_storage not in {"local", "database"}:
            raise ValueError(f"{PREFIX}FILE_STORAGE must be local or database")
        if settings.readiness_release not in {"automatic", "review"}:
            raise ValueError(f"{PREFIX}READINESS_RELEASE must be automatic or review")
        if settings.production and not settings.secret_key:
            raise ValueError(f"{PREFIX}SECRET_KEY is required in production")
        return settings

    def ensure_dirs(self) -> None:
        for path in (self.data_dir, self.storage_dir, self.outbox_dir):
            path.mkdir(parents=True, exist_ok=True)

    def resolved_secret_key(self) -> str:
        """The configured key, or one generated once into the data directory (development only)."""
        return self.secret_key or self._generated_secret_key

    @functools.cached_property
    def _generated_secret_key(self) -> str:
        # Read once per Settings: each event's frame signs its logout form with it.
        self.ensure_dirs()
        path = self.data_dir / "secret.key"
        if not path.exists():
            tmp = path.with_suffix(".tmp")
            tmp.write_text(secrets.token_urlsafe(48))
            os.chmod(tmp, 0o600)
            os.replace(tmp, path)
        return path.read_text().strip()


def _port_suffix(parts) -> str:
    return f":{parts.port}" if parts.port else ""


def origin_of(url: str) -> str:
    """A URL's origin as browsers send it in the Origin header (default ports left out)."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {url!r}")
    default = {"http": 80, "https": 443}[scheme]
    port = f":{parts.port}" if parts.port and parts.port != default else ""
    return f"{scheme}://{parts.hostname.lower()}{port}"


@functools.lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings.from_env()


def reset_settings() -> None:
    """Forget the cached settings (tests change the environment)."""
    get_settings.cache_clear()
