"""Import the register CSV (an MIS export): validate everything, then upsert in one transaction.

Nothing of a file is written unless every row is valid. Learners absent from
the file are reported; with ``prune`` they are marked as left (never deleted
here, so past posts can still be traced for takedowns).

A consent withdrawn in Second Look (``consent_store.withdrawals``) stays withdrawn: a
row that would give it back is applied with that consent held at its withdrawn level,
and listed, unless the admin confirms that learner with evidence (``Confirmations``).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlmodel import Session, select
from sqlmodel import col as column

from consent_store import withdrawals
from consent_store.channels import CHANNELS
from consent_store.models import Learner, utcnow
from consent_store.scope import all_schools

REQUIRED = (
    "upn", "first_name", "last_name", "year_group", "photo_consent", "name_consent",
    "biometric_consent", "consent_expires",
)
OPTIONAL = ("preferred_name", "aliases", "biometric_objection", "never_publish")
_UPN = re.compile(r"^[A-Z][0-9]{11}[0-9A-Z]$")


class RegisterImportError(ValueError):
    """The file was refused; ``problems`` lists every reason, each with its place."""

    def __init__(self, path: str, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        shown = "\n".join(f"  {p}" for p in problems[:50])
        more = f"\n  … and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(
            f"{path}: register not imported, nothing was changed "
            f"({len(problems)} problem(s)):\n{shown}{more}"
        )


@dataclass
class LearnerChange:
    upn: str
    fields: dict[str, tuple[object, object]]  # field -> (old, new)

    @property
    def narrowed_photo_channels(self) -> frozenset[str]:
        old, new = self.fields.get("photo_channels", ("", ""))
        return frozenset(_split(str(old))) - frozenset(_split(str(new)))

    @property
    def biometric_withdrawn(self) -> bool:
        old_c, new_c = self.fields.get("biometric_consent", (False, False))
        old_o, new_o = self.fields.get("biometric_objection", (False, False))
        return bool(old_c and not new_c) or bool(new_o and not old_o)


@dataclass(frozen=True)
class HeldWidening:
    """A learner whose row would give back a consent withdrawn in Second Look: not applied."""

    upn: str
    name: str
    consents: tuple[str, ...]  # photo:<channel>, name, biometric
    file_values: dict[str, object]  # photo_channels, name_consent, biometric_consent
    withdrawn: tuple[str, ...]  # each active withdrawal, described

    def describe(self) -> str:
        return f"{self.upn} {self.name}: " + "; ".join(self.withdrawn)


@dataclass(frozen=True)
class Confirmations:
    """The admin confirms giving consent back to these learners, with evidence for each."""

    evidence: Mapping[str, str]  # UPN -> e.g. "new consent form dated 2027-01-10"
    by: str
    by_id: int | None = None


@dataclass
class ImportResult:
    created: list[str] = field(default_factory=list)
    updated: list[LearnerChange] = field(default_factory=list)
    unchanged: int = 0
    absent: list[str] = field(default_factory=list)  # current learners not in the file
    pruned: list[str] = field(default_factory=list)  # marked as left by --prune
    purged: list[str] = field(default_factory=list)  # learners whose biometric data was deleted
    returned: list[str] = field(default_factory=list)  # previously left, back in the file
    held: list[HeldWidening] = field(default_factory=list)  # widening not applied
    confirmed: dict[str, str] = field(default_factory=dict)  # UPN -> evidence, applied

    def summary(self) -> str:
        lines = [
            f"{len(self.created)} learner(s) added, {len(self.updated)} updated, "
            f"{self.unchanged} unchanged."
        ]
        if self.returned:
            lines.append(f"{len(self.returned)} learner(s) marked as left are back on roll.")
        if self.pruned:
            lines.append(f"{len(self.pruned)} learner(s) not in the file marked as left: "
                         + ", ".join(self.pruned[:20]))
        elif self.absent:
            lines.append(
                f"{len(self.absent)} learner(s) in the register are not in this file and were "
                f"kept: {', '.join(self.absent[:20])}. Use --prune to mark them as left."
            )
        if self.purged:
            lines.append(
                f"Face templates and reference photos deleted for {len(self.purged)} learner(s) "
                f"(consent withdrawn, objection or left): {', '.join(self.purged[:20])}."
            )
        if self.confirmed:
            lines.append(f"Consent given back, as confirmed with evidence, for "
                         f"{len(self.confirmed)} learner(s): {', '.join(sorted(self.confirmed))}.")
        if self.held:
            lines.append(
                f"{len(self.held)} learner(s) have a consent withdrawal recorded in Second Look "
                "that this file would undo; it stays withdrawn for them (the rest of their row "
                "was applied):")
            lines += [f"  {h.describe()}" for h in self.held]
        return "\n".join(lines)


def _split(value: str) -> list[str]:
    return [p.strip() for p in value.split(";") if p.strip()]


def read_register_file(path: Path, max_bytes: int) -> str:
    """The file's text; refused before parsing if too big, empty or not UTF-8."""
    name = str(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise RegisterImportError(name, [f"cannot read the file: {exc.strerror}"]) from exc
    if size > max_bytes:
        raise RegisterImportError(name, [
            f"the file is {size / 2**20:.1f} MiB; the limit is {max_bytes / 2**20:.0f} MiB "
            "(SECONDLOOK_MAX_REGISTER_BYTES). Export only the current register."
        ])
    return decode_register(path.read_bytes(), name)


def decode_register(raw: bytes, name: str) -> str:
    try:
        text = raw.decode("utf-8-sig")  # Excel writes a BOM; accept it
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise RegisterImportError(name, [
            f"line {line}, column {col}: byte 0x{raw[exc.start]:02x} is not UTF-8. "
            "Export the file as 'CSV UTF-8' from your MIS or spreadsheet."
        ]) from exc
    if not text.strip():
        raise RegisterImportError(name, ["the file is empty: expected a header row and learners"])
    return text


@dataclass
class _Row:
    line: int
    values: dict[str, object]


def _parse_bool(raw: str, column: str, *, optional: bool) -> bool:
    v = raw.strip().lower()
    if v in ("yes", "y", "true", "1"):
        return True
    if v in ("no", "n", "false", "0") or (optional and v == ""):
        return False
    raise ValueError(f"column {column}: {raw!r} is not 'yes' or 'no'")


def _parse_photo(raw: str) -> str:
    parts = [p.lower() for p in _split(raw)]
    if parts == ["all"]:
        return ";".join(CHANNELS)
    if parts == ["none"] or not parts:
        if not parts:
            raise ValueError("column photo_consent: empty; write 'none' if there is no consent")
        return ""
    unknown = [p for p in parts if p not in CHANNELS]
    if unknown:
        raise ValueError(
            f"column photo_consent: unknown channel {unknown[0]!r}; use "
            f"{', '.join(CHANNELS)}, 'all' or 'none', separated by ';'"
        )
    return ";".join(c for c in CHANNELS if c in parts)


def _parse_date(raw: str) -> date | None:
    v = raw.strip()
    if not v:
        raise ValueError("column consent_expires: empty; an ISO date like 2027-07-31 is required")
    try:
        return date.fromisoformat(v)
    except ValueError:
        raise ValueError(
            f"column consent_expires: {raw!r} is not an ISO date (YYYY-MM-DD)"
        ) from None


def _text(raw: str, column: str, *, required: bool, limit: int = 100) -> str:
    v = raw.strip()
    if required and not v:
        raise ValueError(f"column {column}: empty")
    if len(v) > limit:
        raise ValueError(f"column {column}: longer than {limit} characters")
    return v


_PARSERS: dict[str, Callable[[str], object]] = {
    "first_name": lambda v: _text(v, "first_name", required=True),
    "last_name": lambda v: _text(v, "last_name", required=True),
    "preferred_name": lambda v: _text(v, "preferred_name", required=False),
    "aliases": lambda v: ";".join(_split(_text(v, "aliases", required=False, limit=500))),
    "year_group": lambda v: _text(v, "year_group", required=True, limit=50),
    "photo_consent": _parse_photo,
    "name_consent": lambda v: _choice(v, "name_consent", ("full", "first", "none")),
    "biometric_consent": lambda v: _parse_bool(v, "biometric_consent", optional=False),
    "biometric_objection": lambda v: _parse_bool(v, "biometric_objection", optional=True),
    "never_publish": lambda v: _parse_bool(v, "never_publish", optional=True),
    "consent_expires": _parse_date,
}
_FIELD_OF = {"photo_consent": "photo_channels"}


def _choice(raw: str, column: str, allowed: tuple[str, ...]) -> str:
    v = raw.strip().lower()
    if v not in allowed:
        raise ValueError(f"column {column}: {raw!r} is not one of {', '.join(allowed)}")
    return v


def _check_header(header: list[str]) -> list[str]:
    problems = []
    cols = [h.strip().lower() for h in header]
    for col in cols:
        if col not in REQUIRED and col not in OPTIONAL:
            problems.append(
                f"line 1: unknown column {col!r}; expected columns are "
                f"{', '.join(REQUIRED + OPTIONAL)}"
            )
    for col in REQUIRED:
        if col not in cols:
            problems.append(f"line 1: missing column {col!r}")
    dupes = sorted({c for c in cols if cols.count(c) > 1})
    problems += [f"line 1: column {c!r} appears more than once" for c in dupes]
    return problems


def parse_register(text: str, name: str) -> list[_Row]:
    """Every row validated; raises ``RegisterImportError`` listing all problems."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as exc:
        raise RegisterImportError(name, [f"line 1: cannot read the header ({exc})"]) from exc
    problems = _check_header(header)
    if problems:
        raise RegisterImportError(name, problems)
    cols = [h.strip().lower() for h in header]
    rows: list[_Row] = []
    seen: dict[str, int] = {}
    try:
        for record in reader:
            line = reader.line_num
            if not any(c.strip() for c in record):
                continue
            row = _parse_row(record, cols, line, problems)
            if row is None:
                continue
            upn = str(row.values["upn"])
            if upn in seen:
                problems.append(f"line {line}, column upn: duplicate UPN {upn} (first on line "
                                f"{seen[upn]})")
            seen.setdefault(upn, line)
            rows.append(row)
    except csv.Error as exc:
        problems.append(f"line {reader.line_num}: malformed CSV ({exc})")
    if not rows and not problems:
        problems.append("the file has a header but no learners")
    if problems:
        raise RegisterImportError(name, problems)
    return rows


def _parse_row(record: list[str], cols: list[str], line: int, problems: list[str]) -> _Row | None:
    if len(record) != len(cols):
        problems.append(f"line {line}: {len(record)} fields, but the header has {len(cols)}")
        return None
    raw = dict(zip(cols, record, strict=True))
    values: dict[str, object] = {}
    upn = raw["upn"].strip().upper()
    if not _UPN.match(upn):
        problems.append(f"line {line}, column upn: {raw['upn']!r} is not a 13-character UPN "
                        "(a letter, 11 digits, then a digit or letter)")
    values["upn"] = upn
    ok = True
    for col, parse in _PARSERS.items():
        if col not in raw:
            values[_FIELD_OF.get(col, col)] = parse("") if col in OPTIONAL else None
            continue
        try:
            values[_FIELD_OF.get(col, col)] = parse(raw[col])
        except ValueError as exc:
            problems.append(f"line {line}, {exc}")
            ok = False
    return _Row(line, values) if ok else None


_CONSENT_FIELDS = ("photo_channels", "name_consent", "biometric_consent")
_Held = tuple[HeldWidening, withdrawals.Limits]


def apply_register(
    session: Session, rows: list[_Row], *, prune: bool = False, today: date | None = None,
    confirm: Confirmations | None = None, name: str = "the register",
) -> ImportResult:
    """Upsert validated rows. The caller's transaction makes it all or nothing."""
    result = ImportResult()
    existing = {row.upn: row for row in session.exec(select(Learner))}
    _refuse_other_schools(session, rows, existing, name)
    held = _widenings(session, rows, existing)
    _check_confirmations(confirm, held, name)
    in_file = set()
    for row in rows:
        upn = str(row.values["upn"])
        in_file.add(upn)
        values = row.values
        if upn in held:
            values = _hold_or_confirm(session, held[upn], values, confirm, result)
        _upsert(session, existing.get(upn), values, result)
    for upn, learner in sorted(existing.items()):
        if upn in in_file or learner.left:
            continue
        result.absent.append(upn)
        if prune:
            learner.left = True
            learner.updated_at = utcnow()
            session.add(learner)
            result.pruned.append(upn)
    session.flush()
    _purge_biometrics(session, result)
    return result


def _refuse_other_schools(session: Session, rows: list[_Row], existing: dict[str, Learner],
                          name: str) -> None:
    """A UPN is national and held by one school of the trust at a time: one on another
    school's register cannot be added here. Says only that the UPN is taken, never which
    school has it or anything about the learner."""
    new = {str(r.values["upn"]): r.line for r in rows if str(r.values["upn"]) not in existing}
    if not new:
        return
    with all_schools():
        taken = set(session.exec(select(Learner.upn).where(column(Learner.upn).in_(sorted(new)))))
    if taken:
        raise RegisterImportError(name, [
            f"line {new[upn]}: UPN {upn} is already on another school's register in this "
            "trust (a UPN belongs to one school at a time; ask the trust admin)"
            for upn in sorted(taken, key=new.__getitem__)])


def _widenings(session: Session, rows: list[_Row],
               existing: dict[str, Learner]) -> dict[str, _Held]:
    """Rows that would give back a withdrawn consent, with the limits that stop them."""
    limits = withdrawals.active_limits(session)
    out: dict[str, _Held] = {}
    for row in rows:
        upn = str(row.values["upn"])
        if upn not in limits or upn not in existing:
            continue
        limit, active = limits[upn]
        consents = limit.widened_by(row.values)
        if not consents:
            continue
        learner = existing[upn]
        out[upn] = (HeldWidening(
            upn=upn, name=f"{learner.first_name} {learner.last_name}", consents=consents,
            file_values={k: row.values[k] for k in _CONSENT_FIELDS},
            withdrawn=tuple(w.describe() for w in active
                            if w.consent in consents)), limit)
    return out


def _check_confirmations(confirm: Confirmations | None,
                         held: dict[str, _Held], name: str) -> None:
    if confirm is None:
        return
    problems = []
    for upn, evidence in sorted(confirm.evidence.items()):
        if upn not in held:
            problems.append(f"confirmation for {upn}: this file gives back no consent that was "
                            "withdrawn for that learner; there is nothing to confirm")
        elif not evidence.strip():
            problems.append(f"confirmation for {upn}: give the evidence, e.g. "
                            f"{upn}='new consent form dated 2027-01-10'")
    if problems:
        raise RegisterImportError(name, problems)


def _hold_or_confirm(session: Session, item: _Held,
                     values: dict[str, object], confirm: Confirmations | None,
                     result: ImportResult) -> dict[str, object]:
    held, limit = item
    if confirm is not None and held.upn in confirm.evidence:
        evidence = confirm.evidence[held.upn].strip()
        withdrawals.lift(session=session, upn=held.upn, consents=held.consents,
                         name_value=str(values["name_consent"]), evidence=evidence,
                         by=confirm.by)
        result.confirmed[held.upn] = evidence
        # Withdrawals the file does not override (e.g. another channel) still hold.
        remaining = withdrawals.active_limits(session).get(held.upn)
        return remaining[0].clamp(values) if remaining else values
    result.held.append(held)
    return limit.clamp(values)


def _purge_biometrics(session: Session, result: ImportResult) -> None:
    """Withdrawal, an objection or leaving deletes templates and photos in the same transaction."""
    from consent_store.templates import purge_biometrics

    due = [c.upn for c in result.updated if c.biometric_withdrawn] + result.pruned
    for upn in sorted(set(due)):
        if purge_biometrics(session=session, upn=upn):
            result.purged.append(upn)


def _upsert(session: Session, learner: Learner | None, values: dict[str, object],
            result: ImportResult) -> None:
    if learner is None:
        session.add(Learner(**values))  # type: ignore[arg-type]
        result.created.append(str(values["upn"]))
        return
    changed = {k: (getattr(learner, k), v) for k, v in values.items() if getattr(learner, k) != v}
    if learner.left:
        learner.left = False
        result.returned.append(learner.upn)
        changed["left"] = (True, False)
    if not changed:
        result.unchanged += 1
        return
    for key, (_, new) in changed.items():
        setattr(learner, key, new)
    learner.updated_at = utcnow()
    session.add(learner)
    result.updated.append(LearnerChange(learner.upn, changed))


def import_register_file(
    session: Session, path: Path, *, prune: bool = False, max_bytes: int = 50 * 1024 * 1024
) -> ImportResult:
    """Read, validate and apply a register file within the caller's transaction."""
    text = read_register_file(path, max_bytes)
    rows = parse_register(text, str(path))
    return apply_register(session, rows, prune=prune, name=str(path))
