"""Enrolment: from reference photos of a learner to stored, encrypted face templates.

It sits in ``secondlook``, above ``consent_store`` (storage) and ``moderation``
(decoding, detection, encoding), because it needs both: ``moderation`` reads the
register but never writes it, and ``consent_store`` knows nothing of faces in
photos. Every photo is
checked before anything is stored, so a bad photo leaves the learner as they
were. Only learners with biometric consent, no objection and still on roll
can be enrolled.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sqlmodel import Session

from consent_store.models import Learner
from consent_store.templates import add_template, has_photo, list_templates
from moderation.images.decode import ImageRejected, decode
from moderation.images.detection import detect, encode
from moderation.images.faces import DlibBackend, FaceBackend
from moderation.images.sanitise import sanitise
from moderation.options import CheckOptions
from secondlook.accounts.models import User
from secondlook.keys import DataKeyRefused, confirm_key
from secondlook.workflow import audit


class EnrolmentError(ValueError):
    """Enrolment refused; the message says which learner or photo and what to do."""


@dataclass(frozen=True, slots=True)
class ReferencePhotoUpload:
    name: str  # file name, for messages
    data: bytes


@dataclass(frozen=True, slots=True)
class _Prepared:
    name: str
    clean: bytes  # metadata-free copy: what is stored
    encoding: np.ndarray


@dataclass(frozen=True, slots=True)
class EnrolmentResult:
    upn: str
    display_name: str
    added: int
    skipped: tuple[str, ...]  # photos already enrolled for this learner
    total: int


def enrol(
    *, session: Session, upn: str, photos: Sequence[ReferencePhotoUpload], key: bytes,
    options: CheckOptions, backend: FaceBackend | None = None, actor: User | None = None,
) -> EnrolmentResult:
    learner = _enrollable(session, upn)
    if not photos:
        raise EnrolmentError("give at least one reference photo of the learner")
    try:
        confirm_key(session=session, key=key)
    except DataKeyRefused as exc:
        raise EnrolmentError(str(exc)) from exc
    backend = backend or DlibBackend()
    prepared = [_prepare(photo, backend, options) for photo in photos]
    added, skipped = 0, []
    for item in prepared:
        if has_photo(session=session, upn=upn, sha256=hashlib.sha256(item.clean).hexdigest()):
            skipped.append(item.name)
            continue
        add_template(session=session, upn=upn, encoding=item.encoding, photo=item.clean,
                     key=key)
        added += 1
    total = len(list_templates(session=session, upn=upn))
    if added:
        audit.append(session=session, actor=actor, action="register.enrol",
                     detail={"upn": upn, "count": added})
    name = f"{learner.preferred_name or learner.first_name} {learner.last_name}"
    return EnrolmentResult(upn, name, added, tuple(skipped), total)


def _enrollable(session: Session, upn: str) -> Learner:
    learner = session.get(Learner, upn)
    if learner is None:
        raise EnrolmentError(
            f"{upn} is not in the register; check the UPN or import the register first"
        )
    who = f"{upn} ({learner.first_name} {learner.last_name})"
    if learner.left:
        raise EnrolmentError(f"{who} has left the school; leavers are never enrolled")
    if learner.biometric_objection:
        raise EnrolmentError(
            f"{who} objects to face matching, which overrides parental consent; "
            "their faces stay unknown and are identified by a person"
        )
    if not learner.biometric_consent:
        raise EnrolmentError(
            f"{who} has no biometric consent in the register; record the parent's written "
            "consent (biometric_consent=yes) and import the register before enrolling"
        )
    return learner


def _prepare(photo: ReferencePhotoUpload, backend: FaceBackend,
             options: CheckOptions) -> _Prepared:
    try:
        decoded = decode(photo.data, options.image_limits, photo.name)
    except ImageRejected as exc:
        raise EnrolmentError(f"{exc.message} {exc.suggestion}") from exc
    rgb = decoded.rgb()
    boxes = detect(rgb, backend, options.detection_plan)
    if len(boxes) != 1:
        found = "no face was found" if not boxes else f"{len(boxes)} faces were found"
        raise EnrolmentError(
            f"{photo.name}: {found}; a reference photo must show the learner's face alone, "
            "clearly and from the front (crop a group photo to the learner)"
        )
    encoding = encode(rgb, boxes, backend)[0]
    return _Prepared(photo.name, sanitise(decoded).data, encoding)
