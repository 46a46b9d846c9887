"""One place that reads EDULOOP_* environment variables (no side effects at import)."""
from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path

APP_VERSION = "0.1.0"
# Every variable _read_settings reads (a test checks the list is complete).
ENV_NAMES = (
    "EDULOOP_ADMIN_PASSWORD",
    "EDULOOP_ALERT_CTR_DROP_PCT",
    "EDULOOP_ALERT_ERRORS_PER_HOUR",
    "EDULOOP_ALERT_PSI",
    "EDULOOP_DATA_DIR",
    "EDULOOP_DB",
    "EDULOOP_DEPLOYED_AT",
    "EDULOOP_ENV",
    "EDULOOP_EVENTS_DIR",
    "EDULOOP_LAKE",
    "EDULOOP_MAX_REQUEST_BYTES",
    "EDULOOP_MAX_UPLOAD_BYTES",
    "EDULOOP_MODELS_DIR",
    "EDULOOP_NOTIFY_BACKOFF_S",
    "EDULOOP_NOTIFY_RETRIES",
    "EDULOOP_NOTIFY_TIMEOUT_S",
    "EDULOOP_NOTIFY_WEBHOOK_URL",
    "EDULOOP_PASS_MARK",
    "EDULOOP_PREDICT_BATCH_LIMIT",
    "EDULOOP_PROMOTE_TOLERANCE",
    "EDULOOP_REGION",
    "EDULOOP_RETRAIN_CRON",
    "EDULOOP_SMTP_FROM",
    "EDULOOP_SMTP_HOST",
    "EDULOOP_SMTP_PASSWORD",
    "EDULOOP_SMTP_PORT",
    "EDULOOP_SMTP_STARTTLS",
    "EDULOOP_SMTP_TO",
    "EDULOOP_SMTP_USER",
    "EDULOOP_TRAIN_MAX_ROWS",
    "EDULOOP_WRITER_MEMORY_LIMIT",
)


@dataclass(frozen=True)
class Settings:
    """Runtime settings; every path lives under one data folder unless overridden."""

    data_dir: Path
    db_path: Path
    events_dir: Path
    models_dir: Path
    # The event lake (Hive-partitioned Parquet, lake/events/date=YYYY-MM-DD/part-*.parquet): any folder
    # or mounted object store (EDULOOP_LAKE).
    lake_dir: Path
    admin_password: str | None
    environment: str
    region: str
    deployed_at: str | None
    pass_mark: float
    max_upload_bytes: int
    predict_batch_limit: int
    writer_memory_limit: str
    # Alert thresholds (monitor and the Operations tab): a variant's latest-day CTR this many %
    # below its trailing 7-day CTR (EDULOOP_ALERT_CTR_DROP_PCT), more errors than this in one hour
    # (EDULOOP_ALERT_ERRORS_PER_HOUR), a feature PSI above this (EDULOOP_ALERT_PSI).
    alert_ctr_drop_pct: float = 30.0
    alert_errors_per_hour: int = 10
    alert_psi: float = 0.25
    # Model loop: daily retraining schedule of `python -m pipelines scheduler` (cron, UTC;
    # EDULOOP_RETRAIN_CRON), the largest training sample drawn from core.students by `train`/`retrain`
    # (EDULOOP_TRAIN_MAX_ROWS; the rest is only scored), and how much worse (relative, on test RMSE
    # and PR-AUC) a candidate may be than production and still be promoted (EDULOOP_PROMOTE_TOLERANCE).
    retrain_cron: str = "0 3 * * *"
    train_max_rows: int = 50_000
    promote_tolerance: float = 0.05
    # One body size limit for every HTTP route (EDULOOP_MAX_REQUEST_BYTES), chunked bodies included;
    # the default leaves room for a 20 MB upload sent base64-encoded inside a Dash callback.
    max_request_bytes: int = 30 * 1024 * 1024
    # Alert notifications (pipelines/notify.py): a webhook gets a JSON POST, SMTP an e-mail, each
    # retried with exponential back-off (EDULOOP_NOTIFY_RETRIES attempts after the first, starting
    # at EDULOOP_NOTIFY_BACKOFF_S seconds) in a background thread. Unset URL/host = channel off.
    notify_webhook_url: str | None = None
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_from: str = "eduloop@localhost"
    smtp_to: tuple[str, ...] = ()
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    notify_retries: int = 4
    notify_backoff_s: float = 2.0
    notify_timeout_s: float = 10.0

    @property
    def app_version(self) -> str:
        """Version string of this build."""
        return APP_VERSION

    @property
    def alert_thresholds(self) -> dict[str, float]:
        """Keyword arguments of analytics.alerts.AlertThresholds from these settings."""
        return {"ctr_drop_pct": self.alert_ctr_drop_pct, "errors_per_hour": self.alert_errors_per_hour,
                "psi_major": self.alert_psi}


def get_settings(env: dict[str, str] | None = None) -> Settings:
    """Read settings from the environment (or the given mapping)."""
    if env is None:
        # Called on every request: parse once per distinct set of values.
        return _settings_for(tuple(map(os.environ.get, ENV_NAMES)))
    return _read_settings(env)


@functools.lru_cache(maxsize=8)
def _settings_for(values: tuple[str | None, ...]) -> Settings:
    return _read_settings({k: v for k, v in zip(ENV_NAMES, values) if v is not None})


def _read_settings(env) -> Settings:
    data_dir = Path(env.get("EDULOOP_DATA_DIR", "data"))
    return Settings(
        data_dir=data_dir,
        db_path=Path(env.get("EDULOOP_DB") or data_dir / "warehouse.duckdb"),
        events_dir=Path(env.get("EDULOOP_EVENTS_DIR") or data_dir / "events"),
        models_dir=Path(env.get("EDULOOP_MODELS_DIR") or data_dir / "models"),
        lake_dir=Path(env.get("EDULOOP_LAKE") or data_dir / "lake"),
        admin_password=env.get("EDULOOP_ADMIN_PASSWORD") or None,
        environment=env.get("EDULOOP_ENV", "demo"),
        region=env.get("EDULOOP_REGION", "local"),
        deployed_at=env.get("EDULOOP_DEPLOYED_AT"),
        pass_mark=float(env.get("EDULOOP_PASS_MARK", "50")),
        max_upload_bytes=int(env.get("EDULOOP_MAX_UPLOAD_BYTES", str(20 * 1024 * 1024))),
        predict_batch_limit=int(env.get("EDULOOP_PREDICT_BATCH_LIMIT", "10000")),
        writer_memory_limit=env.get("EDULOOP_WRITER_MEMORY_LIMIT", "2GB"),
        alert_ctr_drop_pct=float(env.get("EDULOOP_ALERT_CTR_DROP_PCT", "30")),
        alert_errors_per_hour=int(env.get("EDULOOP_ALERT_ERRORS_PER_HOUR", "10")),
        alert_psi=float(env.get("EDULOOP_ALERT_PSI", "0.25")),
        retrain_cron=env.get("EDULOOP_RETRAIN_CRON") or "0 3 * * *",
        train_max_rows=int(env.get("EDULOOP_TRAIN_MAX_ROWS", "50000")),
        promote_tolerance=float(env.get("EDULOOP_PROMOTE_TOLERANCE", "0.05")),
        max_request_bytes=int(env.get("EDULOOP_MAX_REQUEST_BYTES", str(30 * 1024 * 1024))),
        notify_webhook_url=env.get("EDULOOP_NOTIFY_WEBHOOK_URL") or None,
        smtp_host=env.get("EDULOOP_SMTP_HOST") or None,
        smtp_port=int(env.get("EDULOOP_SMTP_PORT", "25")),
        smtp_from=env.get("EDULOOP_SMTP_FROM") or "eduloop@localhost",
        smtp_to=tuple(a.strip() for a in env.get("EDULOOP_SMTP_TO", "").split(",") if a.strip()),
        smtp_user=env.get("EDULOOP_SMTP_USER") or None,
        smtp_password=env.get("EDULOOP_SMTP_PASSWORD") or None,
        smtp_starttls=env.get("EDULOOP_SMTP_STARTTLS", "0").lower() in ("1", "true", "yes"),
        notify_retries=int(env.get("EDULOOP_NOTIFY_RETRIES", "4")),
        notify_backoff_s=float(env.get("EDULOOP_NOTIFY_BACKOFF_S", "2")),
        notify_timeout_s=float(env.get("EDULOOP_NOTIFY_TIMEOUT_S", "10")),
    )
