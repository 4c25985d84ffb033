"""The staff-name list: people the checks never flag as unknown (``StaffMember`` rows).

Managed on the web (one name at a time, or a CSV replacing the list) and by
``secondlook staff import``. Staff accounts count as staff too: their display names are
added to the register snapshot above this layer (``secondlook.workflow.snapshots``), with
``staff_from_name`` reading a name the way people write it ("Mrs Jones", "Sarah Jones").
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from consent_store.models import StaffMember
from consent_store.snapshot import StaffRecord

TITLES = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "dame", "rev",
                    "revd", "fr", "sr", "lady", "lord"})
MAX_PART = 100


class StaffNameError(ValueError):
    """A staff name that cannot be stored; the message says why."""


def staff_from_name(name: str) -> StaffRecord:
    """"Mrs Sarah Jones" -> (Mrs, Sarah, Jones); "Mrs Jones" -> (Mrs, "", Jones);
    a single word is a surname when titled, else a first name."""
    words = name.replace(",", " ").split()
    title = ""
    if words and words[0].rstrip(".").lower() in TITLES:
        title = words.pop(0)
    if not words:
        return StaffRecord(title, "", "")
    if len(words) == 1:
        return StaffRecord(title, "", words[0]) if title else StaffRecord("", words[0], "")
    return StaffRecord(title, " ".join(words[:-1]), words[-1])


def list_staff(*, session: Session) -> list[StaffMember]:
    return list(session.exec(select(StaffMember).order_by(
        col(StaffMember.last_name), col(StaffMember.first_name), col(StaffMember.id))))


def add_staff(*, session: Session, title: str, first_name: str, last_name: str) -> StaffMember:
    title, first, last = (" ".join(v.split()) for v in (title, first_name, last_name))
    if not first and not last:
        raise StaffNameError("give a first name or a surname (or both)")
    for what, value in (("title", title), ("first name", first), ("surname", last)):
        if len(value) > MAX_PART:
            raise StaffNameError(f"the {what} is longer than {MAX_PART} characters")
    same = select(StaffMember).where(col(StaffMember.title) == title,
                                     col(StaffMember.first_name) == first,
                                     col(StaffMember.last_name) == last)
    if session.exec(same).first() is not None:
        raise StaffNameError(f"{full_name(title, first, last)} is already on the list")
    row = StaffMember(title=title, first_name=first, last_name=last)
    session.add(row)
    session.flush()
    return row


def remove_staff(*, session: Session, staff_id: int) -> StaffMember:
    row = session.get(StaffMember, staff_id)
    if row is None:
        raise StaffNameError(f"there is no staff name with id {staff_id}")
    session.delete(row)
    session.flush()
    return row


def full_name(title: str, first: str, last: str) -> str:
    return " ".join(p for p in (title, first, last) if p)
