"""Enrolment: from reference photos of a learner to stored, encrypted face templates.

It sits above ``consent_store`` (storage) and ``moderation`` (decoding,
detection, encoding), which know nothing of each other. Every photo is
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
from moderation.images.decode import ImageRejected, Limits, decode
from moderation.images.detection import DetectionPlan, detect, encode
from moderation.images.faces import DlibBackend, FaceBackend
from moderation.images.sanitise import sanitise
from secondlook.config import Settings, get_settings


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
    *, session: Session, upn: str, photos: Sequence[ReferencePhotoUpload],
    backend: FaceBackend | None = None, settings: Settings | None = None,
) -> EnrolmentResult:
    settings = settings or get_settings()
    learner = _enrollable(session, upn)
    if not photos:
        raise EnrolmentError("give at least one reference photo of the learner")
    backend = backend or DlibBackend()
    prepared = [_prepare(photo, backend, settings) for photo in photos]
    added, skipped = 0, []
    for item in prepared:
        if has_photo(session=session, upn=upn, sha256=hashlib.sha256(item.clean).hexdigest()):
            skipped.append(item.name)
            continue
        add_template(session=session, upn=upn, encoding=item.encoding, photo=item.clean,
                     settings=settings)
        added += 1
    total = len(list_templates(session=session, upn=upn))
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


def _prepare(photo: ReferencePhotoUpload, backend: FaceBackend, settings: Settings) -> _Prepared:
    limits = Limits(settings.image_max_bytes, settings.image_max_pixels)
    try:
        decoded = decode(photo.data, limits, photo.name)
    except ImageRejected as exc:
        raise EnrolmentError(f"{exc.message} {exc.suggestion}") from exc
    rgb = decoded.rgb()
    plan = DetectionPlan(settings.face_min_px, settings.face_tile_px, settings.face_tile_overlap_px)
    boxes = detect(rgb, backend, plan)
    if len(boxes) != 1:
        found = "no face was found" if not boxes else f"{len(boxes)} faces were found"
        raise EnrolmentError(
            f"{photo.name}: {found}; a reference photo must show the learner's face alone, "
            "clearly and from the front (crop a group photo to the learner)"
        )
    encoding = encode(rgb, boxes, backend)[0]
    return _Prepared(photo.name, sanitise(decoded).data, encoding)
