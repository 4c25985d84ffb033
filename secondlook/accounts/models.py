"""The user table. Roles are a set: a user may hold several."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from consent_store.models import utcnow


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

    def role_set(self) -> frozenset[Role]:
        return frozenset(Role(r) for r in self.roles.split(";") if r)

    def has_role(self, role: Role) -> bool:
        return role in self.role_set()


class User(UserBase, table=True):
    __tablename__ = "user_account"

    id: int | None = Field(default=None, primary_key=True)
    password_hash: str = Field(default="", max_length=255)  # argon2id; never in a response
    created_at: datetime = Field(default_factory=utcnow)


class UserPublic(UserBase):
    id: int
