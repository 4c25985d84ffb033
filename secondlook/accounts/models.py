"""The user table. Roles are a set: a user may hold several."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from consent_store.models import utcnow
from consent_store.scope import FIRST_SCHOOL_ID, current_scope


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


class TrustRole(StrEnum):
    """Roles held at the trust, for every school of it."""

    TRUST_ADMIN = "trust_admin"  # an admin at every school
    TRUST_COMMS = "trust_comms"  # the trust's comms officer: may draft for any school


# What a trust role makes its holder at each school.
TRUST_GRANTS: dict[TrustRole, frozenset[Role]] = {
    TrustRole.TRUST_ADMIN: frozenset({Role.ADMIN}),
    TrustRole.TRUST_COMMS: frozenset({Role.AUTHOR}),
}


@dataclass(frozen=True)
class Roles:
    """Who a person is where: roles per school, and roles at the trust.

    Stored as one ``;``-joined text: ``author`` (at the first school), ``2:headteacher``
    (at school 2), ``trust_comms`` (at the trust). A single-school install only ever
    writes the first form, exactly what it stored before schools existed.
    """

    by_school: dict[int, frozenset[Role]]
    trust: frozenset[TrustRole]

    @staticmethod
    def parse(text: str) -> Roles:
        by_school: dict[int, set[Role]] = {}
        trust: set[TrustRole] = set()
        for token in (t.strip() for t in text.split(";")):
            if not token:
                continue
            if token in TrustRole._value2member_map_:
                trust.add(TrustRole(token))
                continue
            school, _, name = token.rpartition(":")
            school_id = int(school) if school else FIRST_SCHOOL_ID
            by_school.setdefault(school_id, set()).add(Role(name))
        return Roles({k: frozenset(v) for k, v in by_school.items()}, frozenset(trust))

    def text(self) -> str:
        parts = [r.value if school == FIRST_SCHOOL_ID else f"{school}:{r.value}"
                 for school in sorted(self.by_school) for r in Role
                 if r in self.by_school[school]]
        return ";".join([*parts, *(t.value for t in TrustRole if t in self.trust)])

    def at(self, school_id: int) -> frozenset[Role]:
        granted = frozenset().union(*(TRUST_GRANTS[t] for t in self.trust))
        return self.by_school.get(school_id, frozenset()) | granted

    def with_school(self, school_id: int, roles: frozenset[Role]) -> Roles:
        by_school = {**self.by_school, school_id: frozenset(roles)}
        return Roles({k: v for k, v in by_school.items() if v}, self.trust)

    def schools(self) -> frozenset[int] | None:
        """The schools this person works at; None: all of them (a trust role)."""
        return None if self.trust else frozenset(self.by_school)


class UserBase(SQLModel):
    username: str = Field(index=True, unique=True, max_length=80)
    display_name: str = Field(max_length=120)
    roles: str = Field(default="", max_length=200)  # see Roles: per school, and trust
    active: bool = True
    # Where notifications go; None: this account gets none (it still sees the app's counts).
    email: str | None = Field(default=None, max_length=254)

    def all_roles(self) -> Roles:
        return Roles.parse(self.roles)

    def role_set(self) -> frozenset[Role]:
        """The roles at the school this work is for (``consent_store.scope``)."""
        scope = current_scope()
        if not isinstance(scope, int):
            return frozenset()
        return self.all_roles().at(scope)

    def trust_roles(self) -> frozenset[TrustRole]:
        return self.all_roles().trust

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
