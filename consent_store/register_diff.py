"""What one learner's change does to their consents: narrowed, widened, or neither.

A change is read field by field (``LearnerChange.fields``: field -> (old, new)). Narrowed:
a photo channel removed, name consent reduced, biometric consent withdrawn or an objection
recorded, never-publish set, consents ending sooner. Widened: the reverse. Everything else
(names, year group, aliases) is an update that touches no consent.
"""

from __future__ import annotations

from datetime import date

from consent_store.channels import label
from consent_store.register_import import LearnerChange

NAME_RANK = {"none": 0, "first": 1, "full": 2}
NAME_WORDS = {"none": "no name", "first": "first name only", "full": "full name"}
CONSENT_FIELDS = frozenset({"photo_channels", "name_consent", "biometric_consent",
                            "biometric_objection", "never_publish", "consent_expires"})


def _channels(value: object) -> set[str]:
    return {p.strip() for p in str(value or "").split(";") if p.strip()}


def _labels(channels: set[str]) -> str:
    return ", ".join(label(c) for c in sorted(channels))


def _day(value: object) -> str:
    return f"{value:%-d %b %Y}" if isinstance(value, date) else "no end date"


def consent_changes(change: LearnerChange) -> tuple[list[str], list[str]]:
    """(narrowed, widened): each a list of what changed, in words."""
    f, narrowed, widened = change.fields, [], []
    if "photo_channels" in f:
        old, new = (_channels(v) for v in f["photo_channels"])
        if old - new:
            narrowed.append(f"photos no longer on {_labels(old - new)}")
        if new - old:
            widened.append(f"photos now also on {_labels(new - old)}")
    if "name_consent" in f:
        old_n, new_n = (str(v) for v in f["name_consent"])
        words = f"name: {NAME_WORDS.get(old_n, old_n)} → {NAME_WORDS.get(new_n, new_n)}"
        (narrowed if NAME_RANK.get(new_n, 0) < NAME_RANK.get(old_n, 0) else widened).append(words)
    _flag(f, "biometric_consent", narrowed, widened, lose="face matching consent withdrawn",
          gain="face matching consent given")
    _flag(f, "biometric_objection", widened, narrowed, lose="objection to face matching lifted",
          gain="objects to face matching")
    _flag(f, "never_publish", widened, narrowed, lose="never-publish lifted",
          gain="never publish")
    if "consent_expires" in f:
        old_d, new_d = f["consent_expires"]
        sooner = new_d is not None and (old_d is None or new_d < old_d)  # type: ignore[operator]
        words = f"consents end: {_day(old_d)} → {_day(new_d)}"
        (narrowed if sooner else widened).append(words)
    return narrowed, widened


def _flag(fields: dict[str, tuple[object, object]], key: str, on_loss: list[str],
          on_gain: list[str], *, lose: str, gain: str) -> None:
    """A yes/no field: losing it goes to ``on_loss``, gaining it to ``on_gain``."""
    if key not in fields:
        return
    old, new = (bool(v) for v in fields[key])
    if old and not new:
        on_loss.append(lose)
    elif new and not old:
        on_gain.append(gain)


def other_changes(change: LearnerChange) -> list[str]:
    """The fields changed that are not consents (names, year group, back on roll)."""
    words = {"first_name": "first name", "last_name": "last name",
             "preferred_name": "preferred name", "aliases": "aliases",
             "year_group": "year group", "left": "back on roll"}
    return [words.get(k, k) for k in change.fields if k not in CONSENT_FIELDS]
