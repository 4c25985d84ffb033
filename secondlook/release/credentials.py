"""Channel credentials, entered by an admin and stored sealed (AES-GCM).

Only the account name (page id, X username) is stored in clear, for the admin
page; tokens are decrypted only to build an adapter just before sending.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from consent_store.models import utcnow
from secondlook.accounts.models import Role, User
from secondlook.release.errors import NotConfigured
from secondlook.release.models import ChannelCredential
from secondlook.release.sealing import seal, unseal
from secondlook.workflow import audit


@dataclass(frozen=True, slots=True)
class CredentialSpec:
    account_field: str  # stored in clear
    secret_fields: tuple[str, ...]


SPECS: dict[str, CredentialSpec] = {
    "facebook": CredentialSpec(account_field="page_id", secret_fields=("token",)),
    "twitter": CredentialSpec(account_field="username", secret_fields=("token",)),
}


class CredentialError(ValueError):
    """Credentials that cannot be stored as given."""


def _validate(channel: str, values: dict[str, str]) -> CredentialSpec:
    spec = SPECS.get(channel)
    if spec is None:
        raise CredentialError(f"{channel!r} takes no credentials: use one of {', '.join(SPECS)}"
                              " (Class Dojo is released by hand)")
    for name in (spec.account_field, *spec.secret_fields):
        if not values.get(name, "").strip():
            raise CredentialError(f"{channel}: {name} is missing")
    return spec


def set_credentials(*, session: Session, channel: str, values: dict[str, str],
                    actor: User | None, key: bytes, account_name: str = "",
                    expires_at: datetime | None = None) -> ChannelCredential:
    """Store (replace) a channel's credentials. ``actor`` None: the local CLI.
    ``account_name`` and ``expires_at``: what the connection test learnt, if one ran."""
    from secondlook.keys import DataKeyRefused, confirm_key

    if actor is not None and not actor.has_role(Role.ADMIN):
        raise PermissionError("only an admin may enter channel credentials")
    spec = _validate(channel, values)
    try:
        confirm_key(session=session, key=key)
    except DataKeyRefused as exc:
        raise CredentialError(str(exc)) from exc
    secrets = {name: values[name].strip() for name in spec.secret_fields}
    sealed = seal(json.dumps(secrets).encode(), key=key, context=f"channel:{channel}")
    row = credential_row(session, channel) or ChannelCredential(channel=channel, sealed=b"")
    row.account, row.sealed = values[spec.account_field].strip(), sealed
    row.account_name, row.expires_at = account_name[:200], expires_at
    row.updated_by_id = actor.id if actor else None
    row.updated_at = utcnow()
    session.add(row)
    audit.append(session=session, actor=actor, action="channel.credentials_set",
                 detail={"channel": channel, "account": row.account})
    session.flush()
    return row


def remove_credentials(*, session: Session, channel: str, actor: User | None) -> bool:
    """Forget a channel's credentials (posts to it can no longer be released); False if
    none were stored."""
    if actor is not None and not actor.has_role(Role.ADMIN):
        raise PermissionError("only an admin may remove channel credentials")
    row = credential_row(session, channel)
    if row is None:
        return False
    session.delete(row)
    audit.append(session=session, actor=actor, action="channel.credentials_remove",
                 detail={"channel": channel, "account": row.account})
    session.flush()
    return True


def credential_row(session: Session, channel: str) -> ChannelCredential | None:
    """This school's credentials for ``channel`` (the scope picks the school)."""
    query = select(ChannelCredential).where(ChannelCredential.channel == channel)
    return session.exec(query).first()


def sealed_rows(*, session: Session) -> Iterator[tuple[ChannelCredential, str]]:
    """Every stored credential with the context it is sealed to (for a key rotation)."""
    for row in session.exec(select(ChannelCredential).order_by(col(ChannelCredential.channel))):
        yield row, f"channel:{row.channel}"


def load_credentials(*, session: Session, channel: str, key: bytes) -> dict[str, str]:
    row = credential_row(session, channel)
    if row is None:
        raise NotConfigured(f"no credentials for {channel}: an admin must enter them "
                            f"(`secondlook channel set {channel} ...`)")
    secrets = json.loads(unseal(row.sealed, key=key, context=f"channel:{channel}"))
    return {SPECS[channel].account_field: row.account, **secrets}


EXPIRY_WARNING = timedelta(days=14)


def expiring(*, session: Session, now: datetime,
             within: timedelta = EXPIRY_WARNING) -> list[ChannelCredential]:
    """Channels whose token has expired or expires within ``within``, soonest first."""
    query = select(ChannelCredential).where(col(ChannelCredential.expires_at).is_not(None),
                                            col(ChannelCredential.expires_at) <= now + within)
    return list(session.exec(query.order_by(col(ChannelCredential.expires_at))))
