"""The user table. Roles are a set: a user may hold several."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from consent_store.models import utcnow


class TokenScope(StrEnum):
    """What an API token may do; its user's roles still apply on top."""

    READ = "read"  # GET requests: drafts, queues, audit trails
    DRAFT = "draft"  # also check, create, edit, fix and submit drafts
    APPROVE = "approve"  # also approve, sign off, return, reject and release


class Role(StrEnum):
    AUTHOR = "author"
    APPROVER = "approver"
    HEADTEACHER = "headteacher"
    DSL = "dsl"
    ADMIN = "admin"


class UserBase(SQLModel):
    username: str = Field(index=True, unique=True, max_length=80)
    display_name: str = Field(max_length=120)
    roles: str = Field(default="", max_length=200)  # ";"-separated Role values
    active: bool = True
    # Where notifications go; None: this account gets none (it still sees the app's counts).
    email: str | None = Field(default=None, max_length=254)

    def role_set(self) -> frozenset[Role]:
        return frozenset(Role(r) for r in self.roles.split(";") if r)

    def has_role(self, role: Role) -> bool:
        return role in self.role_set()


class User(UserBase, table=True):
    __tablename__ = "user_account"

    id: int | None = Field(default=None, primary_key=True)
    password_hash: str = Field(default="", max_length=255)  # argon2id; never in a response
    created_at: datetime = Field(default_factory=utcnow)


class UserCreate(SQLModel):
    """What an admin (or the first-admin setup page) supplies to create an account."""

    username: str
    display_name: str
    roles: frozenset[Role] = frozenset()
    password: str
    email: str | None = None


class WebSession(SQLModel, table=True):
    """A signed-in browser. Only a hash of the cookie value is stored, so a copy of the
    database cannot be used to sign in."""

    __tablename__ = "web_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(index=True, unique=True, max_length=64)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    # Synchronizer token for forms and htmx requests made with this session.
    csrf_token: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime = Field(default_factory=utcnow)


class ApiToken(SQLModel, table=True):
    """A per-user token for scripts (``Authorization: Bearer …``); stored hashed."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    name: str = Field(max_length=80)
    token_hash: str = Field(index=True, unique=True, max_length=64)
    prefix: str = Field(max_length=12)  # shown in lists so a user can tell tokens apart
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime | None = None
    revoked: bool = False
    scopes: str = Field(default=TokenScope.READ.value, max_length=40)  # ";"-separated
    expires_at: datetime | None = None  # None only for tokens made before tokens expired

    def scope_set(self) -> frozenset[TokenScope]:
        return frozenset(TokenScope(s) for s in self.scopes.split(";") if s)


class LoginThrottleRecord(SQLModel, table=True):
    """Failed-login backoff for one (username, address) pair, shared by every server process.

    The key is a hash of the pair, so usernames typed at the login form (sometimes a
    password in the wrong box) are not kept. Times are seconds since the epoch.
    """

    __tablename__ = "login_throttle"

    key: str = Field(primary_key=True, max_length=64)
    failures: int = 0
    delay: float = 0.0  # seconds the pair must wait after its last attempt
    next_allowed: float = Field(default=0.0, index=True)


class SetupLink(SQLModel, table=True):
    """The one-time link that creates the first admin: one row, a hash of its token."""

    __tablename__ = "setup_link"

    id: int = Field(default=1, primary_key=True)
    token_hash: str = Field(max_length=64)
    issued_at: datetime = Field(default_factory=utcnow)
    used_at: datetime | None = None


class ServerSecret(SQLModel, table=True):
    """Random keys every server process must share (the pre-sign-in CSRF key)."""

    __tablename__ = "server_secret"

    name: str = Field(primary_key=True, max_length=40)
    value: str = Field(max_length=128)
    created_at: datetime = Field(default_factory=utcnow)
