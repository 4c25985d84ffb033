"""Import staff names (title, first_name, last_name): they are never flagged as unknown people."""

from __future__ import annotations

import csv
import io

from sqlmodel import Session, delete

from consent_store.models import StaffMember
from consent_store.register_import import RegisterImportError

COLUMNS = ("title", "first_name", "last_name")


def parse_staff(text: str, name: str) -> list[StaffMember]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in COLUMNS if c not in header]
    unknown = [c for c in header if c not in COLUMNS]
    problems = [f"line 1: missing column {c!r}" for c in missing]
    problems += [f"line 1: unknown column {c!r}; expected {', '.join(COLUMNS)}" for c in unknown]
    if problems:
        raise RegisterImportError(name, problems)
    staff = []
    for record in reader:
        row = {k.strip().lower(): (v or "").strip() for k, v in record.items() if k}
        if not any(row.values()):
            continue
        if not row["first_name"] and not row["last_name"]:
            problems.append(f"line {reader.line_num}: a staff member needs a first or last name")
            continue
        staff.append(StaffMember(title=row["title"], first_name=row["first_name"],
                                 last_name=row["last_name"]))
    if not staff and not problems:
        problems.append("the file has a header but no staff")
    if problems:
        raise RegisterImportError(name, problems)
    return staff


def replace_staff(session: Session, staff: list[StaffMember]) -> int:
    """The staff list is replaced whole: the file is the current list."""
    session.exec(delete(StaffMember))  # type: ignore[call-overload]
    session.add_all(staff)
    session.flush()
    return len(staff)
