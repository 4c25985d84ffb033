"""What a register import will change, shown before it is applied.

``preview`` runs the real import (``register_service.import_register``) in a transaction
of its own and rolls it back, so what it lists is what applying does: learners added,
updated, consents narrowed or widened, withdrawals the file would undo (held until
confirmed with evidence), learners missing from the file, takedowns it would open.

The web keeps the previewed file in ``register_preview`` (for the admin who uploaded it,
for a day), and *Confirm* applies it only if applying changes exactly what the preview
listed: ``Preview.changes_sha256`` is compared with the digest of the real outcome, in
the same transaction, which is rolled back if they differ (the register changed in
between). The command line does the same with the file's sha256 (``--expect-sha256``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Column, Text
from sqlalchemy.engine import Engine as DbEngine
from sqlmodel import Field, Session, SQLModel, col, delete

from consent_store.models import Learner, school_field, utcnow
from consent_store.register_diff import consent_changes, other_changes
from secondlook.accounts.models import User
from secondlook.register_service import RegisterImportOutcome, import_register

KEEP = timedelta(days=1)


class RegisterPreview(SQLModel, table=True):
    """An uploaded register file waiting for the admin's confirmation."""

    __tablename__ = "register_preview"

    id: int | None = Field(default=None, primary_key=True)
    school_id: int | None = school_field()
    file_name: str = Field(max_length=255)
    file_sha256: str = Field(max_length=64)
    text: str = Field(sa_column=Column(Text, nullable=False))
    prune: bool = False
    changes_sha256: str = Field(max_length=64)
    made_by_id: int | None = None
    made_at: datetime = Field(default_factory=utcnow)


@dataclass(frozen=True, slots=True)
class Line:
    upn: str
    name: str
    what: str = ""

    def __str__(self) -> str:
        return f"{self.upn} {self.name}" + (f": {self.what}" if self.what else "")


@dataclass
class Preview:
    file_name: str
    file_sha256: str
    prune: bool
    changes_sha256: str = ""
    added: list[Line] = field(default_factory=list)
    updated: list[Line] = field(default_factory=list)
    narrowed: list[Line] = field(default_factory=list)
    widened: list[Line] = field(default_factory=list)
    held: list[Line] = field(default_factory=list)  # withdrawals the file would undo
    missing: list[Line] = field(default_factory=list)
    unchanged: int = 0
    takedowns: int = 0
    biometrics_deleted: int = 0

    @property
    def changes_anything(self) -> bool:
        return bool(self.added or self.updated or (self.prune and self.missing))

    def text(self) -> str:
        """The preview as the command line prints it."""
        left = " (marked as left: --prune)" if self.prune else " (kept; --prune marks them left)"
        sections = [
            ("added", self.added), ("updated", self.updated),
            ("consent narrowed", self.narrowed), ("consent widened", self.widened),
            ("consent withdrawn in Second Look that the file would give back: stays "
             "withdrawn unless confirmed with --confirm UPN=EVIDENCE", self.held),
            ("in the register but missing from the file" + left, self.missing),
        ]
        out = [f"Preview of {self.file_name} (sha256 {self.file_sha256}); nothing was "
               "changed.",
               f"{len(self.added)} to add, {len(self.updated)} to update, {self.unchanged} "
               f"unchanged, {len(self.narrowed)} narrowed, {len(self.widened)} widened, "
               f"{len(self.held)} held, {len(self.missing)} missing."]
        for title, lines in sections:
            if lines:
                out.append(f"{len(lines)} {title}:")
                out += [f"  {line}" for line in lines]
        if self.takedowns:
            out.append(f"{self.takedowns} released post(s) would go on the takedown list.")
        if self.biometrics_deleted:
            out.append(f"Face templates of {self.biometrics_deleted} learner(s) would be "
                       "deleted.")
        return "\n".join(out)


def file_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def changes_digest(outcome: RegisterImportOutcome) -> str:
    """A digest of everything an import changed: equal digests, equal changes."""
    r = outcome.result
    blob = json.dumps({
        "created": sorted(r.created), "absent": sorted(r.absent), "pruned": sorted(r.pruned),
        "updated": sorted([c.upn, sorted([k, str(a), str(b)] for k, (a, b) in c.fields.items())]
                          for c in r.updated),
        "held": sorted(h.upn for h in r.held), "confirmed": sorted(r.confirmed.items()),
        "purged": sorted(r.purged), "takedowns": outcome.takedowns,
    }, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


def _name(session: Session, upn: str) -> str:
    learner = session.get(Learner, upn)
    return f"{learner.first_name} {learner.last_name}" if learner else ""


def describe(session: Session, outcome: RegisterImportOutcome, *, name: str, text: str,
             prune: bool) -> Preview:
    """The preview of an outcome, read inside the transaction that produced it."""
    r = outcome.result
    p = Preview(file_name=name, file_sha256=file_sha256(text), prune=prune,
                changes_sha256=changes_digest(outcome), unchanged=r.unchanged,
                takedowns=outcome.takedowns, biometrics_deleted=len(r.purged))
    p.added = [Line(u, _name(session, u)) for u in r.created]
    for change in r.updated:
        who = _name(session, change.upn)
        narrowed, widened = consent_changes(change)
        p.updated.append(Line(change.upn, who, "; ".join(narrowed + widened
                                                         + other_changes(change))))
        if narrowed:
            p.narrowed.append(Line(change.upn, who, "; ".join(narrowed)))
        if widened:
            p.widened.append(Line(change.upn, who, "; ".join(widened)))
    p.held = [Line(h.upn, h.name, "; ".join(h.withdrawn)) for h in r.held]
    p.missing = [Line(u, _name(session, u)) for u in r.absent]
    return p


def preview(*, db: DbEngine, text: str, name: str, prune: bool = False,
            actor: User | None = None, confirm: Mapping[str, str] | None = None) -> Preview:
    """What importing ``text`` would change now; nothing is written (raises
    ``RegisterImportError`` for a file that would be refused)."""
    with Session(db) as session:
        try:
            outcome = import_register(session=session, text=text, name=name, prune=prune,
                                      actor=actor, confirm=confirm)
            session.flush()
            return describe(session, outcome, name=name, text=text, prune=prune)
        finally:
            session.rollback()


def keep(*, session: Session, shown: Preview, text: str, user: User) -> RegisterPreview:
    """Store the previewed file for its confirmation; older previews are forgotten."""
    session.exec(delete(RegisterPreview).where(  # type: ignore[call-overload]
        col(RegisterPreview.made_at) < utcnow() - KEEP))
    row = RegisterPreview(file_name=shown.file_name, file_sha256=shown.file_sha256, text=text,
                          prune=shown.prune, changes_sha256=shown.changes_sha256,
                          made_by_id=user.id)
    session.add(row)
    session.flush()
    return row


class PreviewOutdated(Exception):
    """Applying would change something else than the preview showed."""

    def __init__(self, fresh: Preview) -> None:
        super().__init__("the register changed since the preview")
        self.fresh = fresh


def confirm(*, session: Session, preview_id: int, changes_sha256: str,
            user: User) -> RegisterImportOutcome:
    """Apply a stored preview in the caller's transaction, only if the outcome is exactly
    what was previewed (else ``PreviewOutdated`` with the new preview; roll back)."""
    row = session.get(RegisterPreview, preview_id)
    if row is None or row.made_by_id != user.id or row.made_at < utcnow() - KEEP:
        raise LookupError("that preview is gone (each lasts a day, for the admin who made "
                          "it): upload the file again")
    if row.changes_sha256 != changes_sha256 or row.file_sha256 != file_sha256(row.text):
        raise LookupError("that confirmation does not match the preview: upload the file again")
    outcome = import_register(session=session, text=row.text, name=row.file_name,
                              prune=row.prune, actor=user)
    session.flush()
    if changes_digest(outcome) != row.changes_sha256:
        fresh = describe(session, outcome, name=row.file_name, text=row.text, prune=row.prune)
        raise PreviewOutdated(fresh)
    session.delete(row)
    return outcome
