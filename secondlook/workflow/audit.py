"""The append-only, hash-chained audit log and its verification.

Each entry's hash covers its own fields and the previous entry's hash, so an
edited entry no longer matches its hash and a deleted one leaves a gap in the
positions or a broken link. Appends are serialised by updating the single
``audit_head`` row first: SQLite takes its write lock there, PostgreSQL a row
lock, so two concurrent appends can never chain to the same predecessor.

Each school's entries also form a chain of their own (``school_seq``, ``school_prev_sha256``,
both under the entry's hash; each school's head in ``audit_school_head``), so a school's
data protection officer verifies their school's log (``verify_school``) without reading
another school's entries: an entry of theirs edited, deleted or cut off the end breaks their
chain. Entries written before schools had chains (number 0) are in the trust-wide chain only.

A chain that is whole can still be short: an old copy of the database file put back
verifies perfectly. So each verification and each backup records the head it saw
(position and hash) in the database and outside it (``secondlook.audit_heads``), and
``verify`` checks the log still holds that entry with that hash.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlmodel import Session, col, select

from consent_store.models import utcnow
from consent_store.scope import FIRST_SCHOOL_ID, all_schools, current_scope
from secondlook.accounts.models import User
from secondlook.workflow.models import (
    AuditCheckpoint,
    AuditEntry,
    AuditHead,
    AuditSchoolHead,
)

GENESIS = "0" * 64
SYSTEM = "system"

# Only these keys may appear in an entry's detail: the log must never hold a
# face encoding, a password, a token or image bytes, whatever a caller passes.
DETAIL_KEYS = frozenset({
    "from", "to", "verdict", "reason", "role", "channels", "images", "system_edit",
    "revision_from", "links", "note", "safeguarding", "approvals_voided", "signoffs_voided",
    # register administration
    "file", "created", "updated", "unchanged", "pruned", "biometrics_deleted", "takedowns",
    "upn", "changes", "held", "confirmed", "evidence", "count",
    # accounts (the account changed; its roles or access), channels, keys, backups
    "account", "active", "channel", "position", "head", "database",
    # the conversation on a draft, staff names
    "about", "quote", "comment", "name",
    # decisions about faces (photo and face numbers as people count them, from 1)
    "photo", "face", "faces", "decision",
    # a school's (or the trust's) setting of a rule of the packs
    "rule",
})


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def entry_hash(entry: AuditEntry) -> str:
    """The hash over everything an entry says, including the previous hash."""
    fields = {
        "position": entry.position,
        "created_at": _stamp(entry.created_at),
        "actor_id": entry.actor_id,
        "actor": entry.actor,
        "action": entry.action,
        "draft_id": entry.draft_id,
        "revision": entry.revision,
        "content_sha256": entry.content_sha256,
        "detail": entry.detail,
        "prev_sha256": entry.prev_sha256,
    }
    if getattr(entry, "school_seq", 0):  # in its school's chain (older entries keep their hash)
        fields |= {"school_id": entry.school_id, "school_seq": entry.school_seq,
                   "school_prev_sha256": entry.school_prev_sha256}
    blob = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _canonical_detail(detail: dict[str, Any] | None) -> str:
    detail = detail or {}
    unknown = sorted(set(detail) - DETAIL_KEYS)
    if unknown:
        raise ValueError(f"audit detail keys not allowed: {', '.join(unknown)}")
    return json.dumps(detail, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _claim_positions(session: Session, count: int) -> tuple[int, str]:
    """Lock the head and take ``count`` positions; returns (first, previous hash)."""
    row = session.execute(
        text("UPDATE audit_head SET position = position + :n WHERE id = 1 "
             "RETURNING position, entry_sha256"), {"n": count}
    ).first()
    if row is None:  # a database created without the migration's head row
        session.add(AuditHead(id=1, position=count, entry_sha256=GENESIS))
        session.flush()
        return 1, GENESIS
    return int(row[0]) - count + 1, str(row[1])


def _claim_school_positions(session: Session, school_id: int, count: int) -> tuple[int, str]:
    """Take ``count`` numbers in the school's chain; (first, the school's previous hash).
    Called with the trust-wide head already locked, so a school's first row cannot race."""
    row = session.execute(
        text("UPDATE audit_school_head SET position = position + :n WHERE school_id = :s "
             "RETURNING position, entry_sha256"), {"n": count, "s": school_id}).first()
    if row is None:
        session.add(AuditSchoolHead(school_id=school_id, position=count, entry_sha256=GENESIS))
        session.flush()
        return 1, GENESIS
    return int(row[0]) - count + 1, str(row[1])


@dataclass(frozen=True, slots=True)
class Event:
    """What to record; who and when are added by ``append_many``."""

    action: str
    draft_id: int | None = None
    revision: int | None = None
    content_sha256: str = ""
    detail: dict[str, Any] | None = None


def append_many(*, session: Session, actor: User | None,
                events: Sequence[Event]) -> list[AuditEntry]:
    """Add entries at the end of the chain, in order (in the caller's transaction)."""
    if not events:
        return []
    details = [_canonical_detail(e.detail) for e in events]  # refuse before taking positions
    position, previous = _claim_positions(session, len(events))
    entries, now = [], utcnow()
    scope = current_scope()  # the instance's own events (a key rotation): the first school's
    school_id = scope if isinstance(scope, int) else FIRST_SCHOOL_ID
    seq, school_previous = _claim_school_positions(session, school_id, len(events))
    for offset, (event, detail) in enumerate(zip(events, details, strict=True)):
        entry = AuditEntry(
            position=position + offset, school_id=school_id, created_at=now,
            actor_id=actor.id if actor else None,
            actor=actor.username if actor else SYSTEM, action=event.action,
            draft_id=event.draft_id, revision=event.revision,
            content_sha256=event.content_sha256, detail=detail, prev_sha256=previous,
            school_seq=seq + offset, school_prev_sha256=school_previous)
        entry.entry_sha256 = previous = school_previous = entry_hash(entry)
        entries.append(entry)
    session.add_all(entries)
    session.execute(text("UPDATE audit_head SET entry_sha256 = :h WHERE id = 1"), {"h": previous})
    session.execute(text("UPDATE audit_school_head SET entry_sha256 = :h WHERE school_id = :s"),
                    {"h": previous, "s": school_id})
    session.flush()
    return entries


def append(
    *,
    session: Session,
    actor: User | None,
    action: str,
    draft_id: int | None = None,
    revision: int | None = None,
    content_sha256: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add one entry at the end of the chain (in the caller's transaction)."""
    event = Event(action, draft_id, revision, content_sha256, detail)
    return append_many(session=session, actor=actor, events=[event])[0]


def history(*, session: Session, draft_id: int) -> list[AuditEntry]:
    """A draft's whole history, oldest first."""
    query = select(AuditEntry).where(AuditEntry.draft_id == draft_id)
    return list(session.exec(query.order_by(col(AuditEntry.position))))


@dataclass(frozen=True, slots=True)
class Tampering:
    position: int
    problem: str

    def __str__(self) -> str:
        return f"entry {self.position}: {self.problem}"


@dataclass(frozen=True, slots=True)
class Verification:
    entries: int
    head_sha256: str
    problems: tuple[Tampering, ...]
    school_id: int | None = None  # None: the trust-wide chain
    unchained: int = 0  # a school's entries from before school chains (trust-wide chain only)

    @property
    def ok(self) -> bool:
        return not self.problems


def _entries(session: Session, batch: int = 1000) -> Iterator[AuditEntry]:
    """All entries in position order, a batch at a time (the log only grows)."""
    after = 0
    while True:
        query = select(AuditEntry).where(AuditEntry.position > after)
        rows = list(session.exec(query.order_by(col(AuditEntry.position)).limit(batch)))
        yield from rows
        if len(rows) < batch:
            return
        after = rows[-1].position


def _check_entry(entry: AuditEntry, expected: int, previous: str) -> list[Tampering]:
    problems = []
    if entry.position != expected:
        gap = str(expected) if entry.position == expected + 1 else \
            f"{expected} to {entry.position - 1}"
        problems.append(Tampering(expected, f"missing: entry {gap} was deleted"))
    elif entry.prev_sha256 != previous:
        problems.append(Tampering(entry.position - 1, "edited: the entry after it "
                                  f"({entry.position}) no longer chains to it"))
    if entry_hash(entry) != entry.entry_sha256:
        problems.append(Tampering(entry.position, "edited: its contents no longer match "
                                  "its hash"))
    return problems


@dataclass(frozen=True, slots=True)
class RecordedHead:
    """A head seen earlier: the log must still hold entry ``position`` with this hash."""

    position: int
    sha256: str
    recorded_at: str  # ISO 8601, UTC
    source: str  # "audit verify", "backup /srv/backups/monday", ...
    where: str  # "the database" or the head file's path

    def seen(self) -> str:
        return f"recorded by {self.source} on {self.recorded_at[:19]} UTC ({self.where})"


def verify(*, session: Session, heads: Sequence[RecordedHead] = ()) -> Verification:
    """Walk the chain from the start; report every position where it breaks, and check it
    against the last head recorded in the database and any ``heads`` recorded elsewhere."""
    # One chain for the whole trust (entries carry their school): walked whole.
    with all_schools():
        return _verify(session, heads)


def _verify(session: Session, heads: Sequence[RecordedHead]) -> Verification:
    problems: list[Tampering] = []
    previous, expected, count = GENESIS, 1, 0
    for entry in _entries(session):
        problems.extend(_check_entry(entry, expected, previous))
        previous, expected, count = entry.entry_sha256, entry.position + 1, count + 1
    problems.extend(_check_end(session, expected, previous))
    seen: set[tuple[int, str]] = set()
    for head in (*heads, *last_recorded(session)):
        if (head.position, head.sha256) not in seen:  # the same head in both places: once
            seen.add((head.position, head.sha256))
            problems.extend(_check_recorded(session, head, expected - 1))
    return Verification(entries=count, head_sha256=previous, problems=tuple(problems))


def last_recorded(session: Session, school_id: int | None = None) -> list[RecordedHead]:
    """The last head recorded in the database for the trust-wide chain, or for a school's."""
    query = select(AuditCheckpoint).where(AuditCheckpoint.chain_school_id == school_id)
    row = session.exec(query.order_by(col(AuditCheckpoint.id).desc())).first()
    if row is None:
        return []
    return [RecordedHead(row.position, row.entry_sha256, _stamp(row.recorded_at), row.source,
                         "the database")]


def record_head(*, session: Session, result: Verification, source: str) -> RecordedHead:
    """Remember the head a verification or a backup saw (in the caller's transaction)."""
    row = AuditCheckpoint(position=result.entries, entry_sha256=result.head_sha256,
                          chain_school_id=result.school_id, source=source[:300])
    session.add(row)
    session.flush()
    return RecordedHead(row.position, row.entry_sha256, _stamp(row.recorded_at), row.source,
                        "the database")


def _check_recorded(session: Session, head: RecordedHead, last: int) -> list[Tampering]:
    if head.position == 0:
        return []
    if head.position > last:
        return [Tampering(last + 1, f"missing: the log ends at entry {last}, but entry "
                          f"{head.position} was {head.seen()}: entries {last + 1} to "
                          f"{head.position} are gone. The database was rolled back (an older "
                          "copy of its file put back?) or the end of the log was deleted; "
                          "put the latest backup back with `secondlook restore DIR`")]
    found = session.exec(select(AuditEntry.entry_sha256)
                         .where(AuditEntry.position == head.position)).first()
    if found != head.sha256:
        return [Tampering(head.position, f"rewritten: its hash is no longer the one "
                          f"{head.seen()}")]
    return []


def _check_end(session: Session, expected: int, previous: str) -> list[Tampering]:
    """The head row remembers the last position and hash: catches a cut-off tail."""
    head = session.get(AuditHead, 1)
    if head is None:
        return []
    if head.position >= expected:
        last = str(expected) if head.position == expected else f"{expected} to {head.position}"
        return [Tampering(expected, f"missing: entry {last} (the end of the log) was deleted")]
    if head.entry_sha256 != previous and expected > 1:
        return [Tampering(expected - 1, "the last entry does not match the recorded head "
                          "of the log: it was edited")]
    return []


def verify_school(*, session: Session, school_id: int,
                  heads: Sequence[RecordedHead] = ()) -> Verification:
    """Walk one school's own chain: its entries in their school order, each linked to the
    one before and matching its hash, up to the school's recorded head and any ``heads``
    recorded earlier (positions in the school's chain). Reads no other school's entry."""
    with all_schools():
        problems: list[Tampering] = []
        previous, expected, count = GENESIS, 1, 0
        for entry in _school_entries(session, school_id):
            problems.extend(_check_school_entry(entry, expected, previous))
            previous, expected, count = entry.entry_sha256, entry.school_seq + 1, count + 1
        problems.extend(_check_school_end(session, school_id, expected, previous))
        seen: set[tuple[int, str]] = set()
        for head in (*heads, *last_recorded(session, school_id)):
            if (head.position, head.sha256) not in seen:
                seen.add((head.position, head.sha256))
                problems.extend(_check_school_recorded(session, school_id, head, expected - 1))
        unchained = len(session.exec(select(AuditEntry.position).where(
            AuditEntry.school_id == school_id, AuditEntry.school_seq == 0)).all())
    return Verification(entries=count, head_sha256=previous, problems=tuple(problems),
                        school_id=school_id, unchained=unchained)


def _school_entries(session: Session, school_id: int, batch: int = 1000
                    ) -> Iterator[AuditEntry]:
    after = 0
    while True:
        query = select(AuditEntry).where(AuditEntry.school_id == school_id,
                                         AuditEntry.school_seq > after)
        rows = list(session.exec(query.order_by(col(AuditEntry.school_seq)).limit(batch)))
        yield from rows
        if len(rows) < batch:
            return
        after = rows[-1].school_seq


def _check_school_entry(entry: AuditEntry, expected: int, previous: str) -> list[Tampering]:
    problems = []
    where = f"(log position {entry.position})"
    if entry.school_seq != expected:
        gap = str(expected) if entry.school_seq == expected + 1 else \
            f"{expected} to {entry.school_seq - 1}"
        problems.append(Tampering(expected, f"missing: the school's entry {gap} was deleted"))
    elif entry.school_prev_sha256 != previous:
        problems.append(Tampering(entry.school_seq - 1, "edited: the school's entry after it "
                                  f"({entry.school_seq}) no longer chains to it"))
    if entry_hash(entry) != entry.entry_sha256:
        problems.append(Tampering(entry.school_seq, f"edited {where}: its contents no longer "
                                  "match its hash"))
    return problems


def _check_school_end(session: Session, school_id: int, expected: int,
                      previous: str) -> list[Tampering]:
    head = session.get(AuditSchoolHead, school_id)
    if head is None:
        return []
    if head.position >= expected:
        last = str(expected) if head.position == expected else f"{expected} to {head.position}"
        return [Tampering(expected, f"missing: the school's entry {last} (the end of its log) "
                          "was deleted")]
    if head.entry_sha256 != previous and expected > 1:
        return [Tampering(expected - 1, "the school's last entry does not match its recorded "
                          "head: it was edited")]
    return []


def _check_school_recorded(session: Session, school_id: int, head: RecordedHead,
                           last: int) -> list[Tampering]:
    if head.position == 0:
        return []
    if head.position > last:
        return [Tampering(last + 1, f"missing: the school's log ends at entry {last}, but "
                          f"entry {head.position} was {head.seen()}: entries {last + 1} to "
                          f"{head.position} are gone. The database was rolled back or the "
                          "end of the log was deleted; put the latest backup back with "
                          "`secondlook restore DIR`")]
    found = session.exec(select(AuditEntry.entry_sha256).where(
        AuditEntry.school_id == school_id, AuditEntry.school_seq == head.position)).first()
    if found != head.sha256:
        return [Tampering(head.position, f"rewritten: its hash is no longer the one "
                          f"{head.seen()}")]
    return []
