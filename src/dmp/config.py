"""The one Settings class: the only reader of the environment (prefix ``DMP_``)."""

from __future__ import annotations

import base64
from functools import cached_property
from pathlib import Path

from pydantic import AnyHttpUrl, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DMP_", extra="ignore")

    # Where the service keeps its local state (SQLite file, blobs, keys, PKI) by default.
    var_dir: Path = Path("var")
    database_url: str = ""
    base_url: AnyHttpUrl = AnyHttpUrl("http://127.0.0.1:8000")
    environment: str = Field(default="development", pattern="^(development|demo|test|production)$")

    # Master key wrapping every dossier's data key: base64 of 32 bytes, or a key file.
    master_key: str = ""
    master_key_file: Path | None = None
    # Older master keys still accepted for unwrapping during a rotation ("id:base64,...").
    previous_master_keys: str = ""
    # Key of the INS blind index; derived from the master key when not given.
    blind_index_key: str = ""

    # argon2id cost of patient and professional passwords (RFC 9106: 64 MiB, 3 passes).
    password_hash_time_cost: int = Field(default=3, ge=1)
    password_hash_memory_kib: int = Field(default=64 * 1024, ge=1024)

    creation_code_validity_days: int = 61  # "valid 2 months"
    retention_years_after_closure: int = 10
    # Cooling-off before a requested deletion is carried out (cancellable until then).
    deletion_grace_days: int = 7
    # A minor who comes of age has this many months to consent to keep their DMP; without
    # that consent the dossier is closed (reason "other"), its data kept as after any closure.
    majority_consent_months: int = Field(default=6, ge=1, le=60)
    max_document_bytes: int = 20 * 1024 * 1024

    blob_backend: str = Field(default="filesystem", pattern="^(filesystem|s3)$")
    blob_dir: Path | None = None
    s3_endpoint_url: str = ""
    s3_bucket: str = "opendmp"
    s3_region: str = "us-east-1"
    s3_access_key: str = ""
    s3_secret_key: str = ""

    smtp_host: str = "127.0.0.1"
    smtp_port: int = 8025
    mail_sender: str = "ne-pas-repondre@dmp.example.fr"
    # Production relays want STARTTLS and a login; the local sink wants neither.
    smtp_starttls: bool = False
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_timeout_seconds: float = 10.0
    # SMS: an HTTP gateway when a URL is set, otherwise one JSON file per SMS (development).
    sms_gateway_url: AnyHttpUrl | None = None
    sms_gateway_token: str = ""
    sms_sender: str = "DMP"
    sms_dir: Path | None = None

    # People's logins (patients, representatives, portal professionals, agents).
    otp_validity_minutes: int = Field(default=10, ge=1, le=60)
    otp_max_sends: int = Field(default=3, ge=1)  # per challenge: caps SMS/e-mail bombing
    login_max_failures: int = Field(default=3, ge=1)
    login_lockout_minutes: int = Field(default=15, ge=1)
    session_idle_minutes: int = Field(default=15, ge=1)
    session_absolute_hours: int = Field(default=12, ge=1)
    session_cookie_name: str = "dmp_session"
    # Passkeys (WebAuthn): the relying party id is the host of base_url, its origin the origin.
    webauthn_rp_name: str = "DMP — Dossier Médical Partagé"

    pki_ca_bundle: Path | None = None
    pki_crl_file: Path | None = None

    # Notifications: the transactional outbox and the worker that delivers it.
    mail_sink_dir: Path | None = None  # where the local SMTP sink (demo, tests) keeps mail
    letters_dir: Path | None = None  # postal letters queue (PDF) for people without e-mail/SMS
    outbox_batch_size: int = Field(default=50, ge=1, le=1000)
    outbox_max_attempts: int = Field(default=8, ge=1)
    outbox_backoff_seconds: float = Field(default=30.0, gt=0)
    outbox_backoff_cap_seconds: float = Field(default=3600.0, gt=0)
    # A claimed message not marked within the lease is considered abandoned and retried.
    outbox_lease_seconds: int = Field(default=300, ge=30)
    # Codes are sent by the request right after commit; the worker only steps in after this.
    outbox_fast_path_grace_seconds: int = Field(default=60, ge=1)
    outbox_keep_days: int = Field(default=30, ge=1)
    worker_poll_seconds: float = Field(default=2.0, gt=0)

    # Feeds and scheduled jobs.
    # Delay between a dossier's creation and its first reimbursement feed; None: 24 h,
    # immediate in the demo.
    first_feed_delay_seconds: int | None = Field(default=None, ge=0)
    # Where the first feed comes from: "none" (the insurer pushes to /feeds) or "demo"
    # (fictitious lines, for the demonstration only); None: "demo" in the demo.
    reimbursement_source: str | None = Field(default=None, pattern="^(none|demo)$")
    reimbursement_window_months: int = Field(default=24, ge=1)
    feed_max_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)
    creation_code_keep_days: int = Field(default=90, ge=1)
    blob_gc_grace_minutes: int = Field(default=60, ge=5)
    jobs_keep_days: int = Field(default=30, ge=1)

    @field_validator("database_url")
    @classmethod
    def _known_driver(cls, value: str) -> str:
        if value and not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError(
                "DMP_DATABASE_URL must use sqlite+aiosqlite:// or postgresql+asyncpg://"
            )
        return value

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite+aiosqlite:///{self.var_dir / 'dmp.sqlite3'}"

    @property
    def effective_blob_dir(self) -> Path:
        return self.blob_dir or self.var_dir / "blobs"

    @property
    def effective_sms_dir(self) -> Path:
        return self.sms_dir or self.var_dir / "sms"

    @property
    def effective_mail_sink_dir(self) -> Path:
        return self.mail_sink_dir or self.var_dir / "mail"

    @property
    def effective_letters_dir(self) -> Path:
        return self.letters_dir or self.var_dir / "letters"

    @property
    def effective_first_feed_delay_seconds(self) -> int:
        if self.first_feed_delay_seconds is not None:
            return self.first_feed_delay_seconds
        return 0 if self.environment == "demo" else 24 * 3600

    @property
    def effective_reimbursement_source(self) -> str:
        if self.reimbursement_source is not None:
            return self.reimbursement_source
        return "demo" if self.environment == "demo" else "none"

    @property
    def public_base_url(self) -> str:
        return str(self.base_url).rstrip("/")

    @cached_property
    def master_key_bytes(self) -> bytes:
        if self.master_key:
            raw = self.master_key
        elif self.master_key_file is not None:
            raw = self.master_key_file.read_text().strip()
        else:
            key_file = self.var_dir / "master.key"
            if not key_file.exists():
                raise RuntimeError(
                    "no master key: set DMP_MASTER_KEY or DMP_MASTER_KEY_FILE "
                    "(`dmp keys init` writes one under var/)"
                )
            raw = key_file.read_text().strip()
        key = base64.b64decode(raw)
        if len(key) != 32:
            raise ValueError("the master key must be 32 bytes, base64-encoded")
        return key

    @cached_property
    def previous_master_key_bytes(self) -> dict[str, bytes]:
        keys: dict[str, bytes] = {}
        for item in filter(None, (p.strip() for p in self.previous_master_keys.split(","))):
            key_id, _, encoded = item.partition(":")
            keys[key_id] = base64.b64decode(encoded)
        return keys


def get_settings() -> Settings:
    return Settings()
