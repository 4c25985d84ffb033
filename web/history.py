"""The audit log as people read it: who (by name), what (in words), and the details as
short lines, never a Python dict. The log itself stays as it is, for the hash chain."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from consent_store.channels import CHANNELS, label
from secondlook.workflow.models import AuditEntry

SYSTEM_NAME = "Second Look (automatically)"
ACTIONS = {
    "created": "Wrote the post", "revised": "Changed the post",
    "re-checked": "Checked it again", "photos checked": "Checked its photos",
    "photo check failed": "The photo check did not finish",
    "submitted": "Submitted it for approval",
    "approved": "Approved it", "signed off": "Signed it off", "returned": "Returned it",
    "rejected": "Rejected it", "release started": "Started releasing it",
    "channels": "Sent it to the channels", "released": "Released it",
    "release failed": "The release did not finish", "approval expired": "The approval expired",
    "commented": "Commented",
    "face blurred": "Blurred a face", "face blur undone": "Undid a blur",
    "face not a learner": "Said a face is not a learner",
    "face identified": "Said which learner a face is",
    "face decision undone": "Took back a decision about a face",
    "deleted": "Deleted the post", "taken down": "Took it down",
    "register.import": "Imported the consent register",
    "register.enrol": "Enrolled reference photos for face matching",
    "consent.withdraw": "Withdrew consent", "consent.confirm": "Gave a withdrawn consent back",
    "biometrics.delete": "Deleted face templates and reference photos",
    "staff.add": "Added a staff name", "staff.remove": "Removed a staff name",
    "staff.import": "Imported the staff-name list",
    "account.create": "Created an account", "account.password": "Set a password",
    "account.roles": "Changed an account's roles", "account.deactivate": "Switched an account off",
    "account.reactivate": "Switched an account back on",
    "account.email": "Changed an account's email address",
    "channel.credentials_set": "Entered a channel's credentials",
    "channel.credentials_remove": "Removed a channel's credentials",
    "takedown.open": "Put a released post on the takedown list",
    "takedown.delete_failed": "Tried to delete a post on its channel, which refused",
    "key.rotate": "Changed the data key", "key.reset": "Reset the data key",
    "backup": "Made a backup", "restore": "Restored a backup",
    "audit.rollback_accepted": "Accepted a rolled-back database",
}
STATES = {"draft": "a draft", "submitted": "waiting for approval", "approved": "approved",
          "releasing": "being released", "released": "released", "returned": "returned",
          "rejected": "rejected"}
VERDICTS = {"pass": "nothing to stop it", "review": "flagged for the headteacher",
            "block": "cannot be posted"}
POST_STATES = {"posted": "posted", "failed": "not posted", "in_doubt": "may have been posted",
               "sending": "being sent", "pending": "not sent yet",
               "awaiting_link": "waiting for its link"}
LABELS = {"file": "File", "created": "Added", "updated": "Updated", "unchanged": "Unchanged",
          "pruned": "Marked as left", "biometrics_deleted": "Face data deleted for",
          "takedowns": "Posts added to the takedown list", "upn": "Learner (UPN)",
          "photo": "Photo", "face": "Face", "faces": "Faces", "decision": "Decision",
          "note": "Note", "name": "Name", "account": "Account", "about": "About",
          "images": "Photos", "safeguarding": "Safeguarding", "count": "How many",
          "channel": "Channel", "evidence": "Evidence", "held": "Withdrawals kept",
          "confirmed": "Given back", "active": "May sign in", "position": "Log entry",
          "head": "Log head", "database": "Database"}
SKIP = {"from", "revision_from", "signoffs_voided"}
# Details in the order a reader wants them (the log stores them sorted by key).
ORDER = ("comment", "quote", "about", "reason", "role", "system_edit", "verdict", "channels",
         "links", "to")


@dataclass(frozen=True)
class HistoryLine:
    entry: AuditEntry
    who: str
    what: str
    details: list[str]


def _channel(name: str) -> str:
    return label(name) if name in CHANNELS else name


def _roles(value: object) -> str:
    names = [r for r in str(value).split(";") if r]
    words = {"dsl": "safeguarding lead (DSL)"}
    return ", ".join(words.get(r, r) for r in names) or "none"


def _channels(value: Any) -> list[str]:
    if isinstance(value, dict):  # a release: each channel's outcome
        lines = []
        for name, outcome in value.items():
            state = outcome.get("state", "") if isinstance(outcome, dict) else str(outcome)
            line = f"{_channel(name)}: {POST_STATES.get(state, state)}"
            if isinstance(outcome, dict) and outcome.get("url"):
                line += f" – {outcome['url']}"
            if isinstance(outcome, dict) and outcome.get("error"):
                line += f" ({outcome['error']})"
            lines.append(line)
        return lines
    items = value if isinstance(value, list) else [value]
    return ["Channels: " + ", ".join(_channel(str(v)) for v in items)] if items else []


def _plain(value: Any) -> str:
    if isinstance(value, list):
        return "; ".join(_plain(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{_channel(str(k))}: {_plain(v)}" for k, v in value.items())
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _line(key: str, value: Any, action: str = "") -> list[str]:
    if action.startswith("account.") and key in ("role", "to"):
        return [f"Roles: {_roles(value)}"]
    if action.startswith("account.") and key == "from":
        return [f"Roles before: {_roles(value)}"]
    if value in ("", None, [], {}, 0) and key not in ("created", "updated") or key in SKIP:
        return []
    if key == "channel":
        return [f"Channel: {_channel(str(value))}"]
    if key == "channels":
        return _channels(value)
    if key == "links":
        return [f"{_channel(k)}: {v}" for k, v in value.items()] if isinstance(value, dict) \
            else [f"Link: {value}"]
    special = {
        "verdict": lambda v: f"Checks: {VERDICTS.get(v, v)}",
        "to": lambda v: f"Now {STATES.get(v, v)}",
        "reason": lambda v: f"Reason: “{v}”",
        "comment": lambda v: f"“{v}”",
        "quote": lambda v: f"On the words “{v}”",
        "role": lambda v: f"As {'safeguarding lead' if v == 'dsl' else v}",
        "system_edit": lambda v: f"What changed: {v}",
        "approvals_voided": lambda v: f"{v} approval(s) or sign-off(s) no longer count",
        "changes": lambda v: f"Changes: {_plain(v)}",
    }
    if key in special:
        return [special[key](value)]
    return [f"{LABELS.get(key, key.replace('_', ' ').capitalize())}: {_plain(value)}"]


def describe(entry: AuditEntry, names: dict[int, str], *, upns: bool = True) -> HistoryLine:
    """One entry in words; ``names`` maps account ids to the names people know them by.
    With ``upns`` false the learner's UPN is left out, for readers who do not see UPNs."""
    try:
        detail = json.loads(entry.detail or "{}")
    except ValueError:
        detail = {}
    who = SYSTEM_NAME if entry.actor_id is None else names.get(entry.actor_id, entry.actor)
    if not upns:
        detail.pop("upn", None)
    keys = sorted(detail, key=lambda k: (ORDER.index(k) if k in ORDER else len(ORDER), k))
    lines = [text for key in keys for text in _line(key, detail[key], entry.action)]
    return HistoryLine(entry, who, ACTIONS.get(entry.action, entry.action.capitalize()), lines)
