"""Channel credentials, entered by an admin and stored sealed (AES-GCM).

Only the account name (page id, X username) is stored in clear, for the admin
page; tokens are decrypted only to build an adapter just before sending.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlmodel import Session

from consent_store.models import utcnow
from secondlook.accounts.models import Role, User
from secondlook.release.errors import NotConfigured
from secondlook.release.models import ChannelCredential
from secondlook.release.sealing import seal, unseal


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
                    actor: User | None, key: bytes) -> ChannelCredential:
    """Store (replace) a channel's credentials. ``actor`` None: the local CLI."""
    if actor is not None and not actor.has_role(Role.ADMIN):
        raise PermissionError("only an admin may enter channel credentials")
    spec = _validate(channel, values)
    secrets = {name: values[name].strip() for name in spec.secret_fields}
    sealed = seal(json.dumps(secrets).encode(), key=key, context=f"channel:{channel}")
    row = session.get(ChannelCredential, channel) or ChannelCredential(channel=channel, sealed=b"")
    row.account, row.sealed = values[spec.account_field].strip(), sealed
    row.updated_by_id = actor.id if actor else None
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    return row


def load_credentials(*, session: Session, channel: str, key: bytes) -> dict[str, str]:
    row = session.get(ChannelCredential, channel)
    if row is None:
        raise NotConfigured(f"no credentials for {channel}: an admin must enter them "
                            f"(`secondlook channel set {channel} ...`)")
    secrets = json.loads(unseal(row.sealed, key=key, context=f"channel:{channel}"))
    return {SPECS[channel].account_field: row.account, **secrets}
