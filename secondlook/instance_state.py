"""Facts about this installation kept in its database: its identity and the data key's
fingerprint.

``instance_id`` is a random name given when the database is created. A copy of the
database (a backup, or an old file put back) keeps it, which is how a recorded audit head
outside the database (``secondlook.audit_heads``) finds the database it belongs to.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel

from consent_store.models import utcnow

INSTANCE_ID = "instance_id"
KEY_FINGERPRINT = "data_key_fingerprint"


class InstanceSetting(SQLModel, table=True):
    __tablename__ = "instance_setting"

    name: str = Field(primary_key=True, max_length=40)
    value: str = Field(max_length=200)
    updated_at: datetime = Field(default_factory=utcnow)


def get(session: Session, name: str) -> str | None:
    row = session.get(InstanceSetting, name)
    return row.value if row else None


def put(session: Session, name: str, value: str) -> None:
    row = session.get(InstanceSetting, name) or InstanceSetting(name=name, value=value)
    row.value, row.updated_at = value, utcnow()
    session.add(row)
    session.flush()


def instance_id(session: Session) -> str:
    """This database's identity; made on first use if the migration did not make one."""
    found = get(session, INSTANCE_ID)
    if found:
        return found
    try:
        with session.begin_nested():
            put(session, INSTANCE_ID, uuid.uuid4().hex)
    except IntegrityError:  # another process made it first
        pass
    return get(session, INSTANCE_ID) or ""
