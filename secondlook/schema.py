"""Imports every table module so that ``SQLModel.metadata`` knows the whole schema.

A new table module is one line here (Alembic's env and the tests rely on it).
"""

from sqlmodel import SQLModel

import consent_store.models  # noqa: F401
import consent_store.scope  # noqa: F401
import consent_store.templates  # noqa: F401
import consent_store.withdrawals  # noqa: F401
import secondlook.accounts.models  # noqa: F401
import secondlook.instance_state  # noqa: F401
import secondlook.jobs.models  # noqa: F401
import secondlook.mail.models  # noqa: F401
import secondlook.register_preview  # noqa: F401
import secondlook.release.models  # noqa: F401
import secondlook.rule_settings  # noqa: F401
import secondlook.workflow.models  # noqa: F401

metadata = SQLModel.metadata


def ours(name: str | None, type_: str, parent_names: object) -> bool:
    """For Alembic's comparisons: procrastinate's own tables (created by migration 0017
    from its pinned schema) are not described by our models."""
    return not (type_ == "table" and (name or "").startswith("procrastinate_"))
