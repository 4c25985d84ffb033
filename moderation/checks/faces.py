"""The face check: every face in every photo, matched to the register, judged per channel.

A face matched with confidence takes that learner's photo consent for each
target channel; the worst one decides. A face with no confident match needs a
person to identify it (learners without biometric consent are never enrolled,
so this is their lawful path). Faces seen here are never stored as templates:
a photo's boxes and encodings stay in the engine's memory (``analysis_cache``),
keyed by the photo's hash, so checking the same photo again re-matches without
detecting or encoding again.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from concurrent.futures import Executor
from concurrent.futures.process import BrokenProcessPool

import numpy as np

from consent_store.channels import CHANNELS, labels
from consent_store.snapshot import FaceTemplateSet, LearnerRecord
from moderation.checks.base import CheckContext
from moderation.draft import photo_label
from moderation.findings import Finding, Severity
from moderation.images.analysis_cache import FaceAnalysis
from moderation.images.decode import decode
from moderation.images.detection import detect, encode, make_pool
from moderation.images.faces import ENCODING_SIZE, FaceBackend
from moderation.images.matching import Match, TemplateMatcher
from moderation.images.onnx_encoder import face_backend
from moderation.report import FaceBox, FaceReport

BACKEND = "face-backend"  # engine service keys; tests put a fake backend here
POOL = "face-pool"
# Worst first: one channel without consent is enough to block.
_WORST_FIRST = ("never_publish", "refused", "expired", "granted")


def worst(consents: list[str]) -> str:
    return min(consents, key=_WORST_FIRST.index)


class FaceCheck:
    name = "face"

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        for position, report in enumerate(ctx.image_reports):
            found = _faces_in(ctx, report.index)
            faces = [_face_report(box, match, ctx) for box, match in found]
            ctx.image_reports[position] = dataclasses.replace(report, faces=tuple(faces))
            label = photo_label(report.index, ctx.draft.images[report.index].name)
            for number, face in enumerate(faces):
                yield _finding(ctx, report.index, number, face, label)


def _faces_in(ctx: CheckContext, index: int) -> list[tuple[FaceBox, Match]]:
    options = ctx.resources.options
    matcher = _matcher(ctx)
    # Nobody enrolled (or matching off): every face is unknown, so nothing is encoded.
    found = _analysis(ctx, index, need_encodings=bool(matcher.learners))
    encodings = found.encodings if found.encodings is not None and matcher.learners else (
        np.zeros((len(found.boxes), ENCODING_SIZE)))
    matches = matcher.match(encodings, options.face_match_threshold, options.face_match_margin)
    return list(zip(found.boxes, matches, strict=True))


def _analysis(ctx: CheckContext, index: int, need_encodings: bool) -> FaceAnalysis:
    """The photo's faces, found (and encoded) once: a photo seen before comes from the cache."""
    options = ctx.resources.options
    backend: FaceBackend = ctx.resources.service(
        BACKEND, lambda: face_backend(options.face_encoder, options.models_dir))
    cache = ctx.resources.analysis_cache()
    sha = ctx.draft.images[index].sha256
    variant = ("faces", options.detection_plan, id(backend), getattr(backend, "model_path", ""))
    known: FaceAnalysis | None = cache.get(sha, variant)
    if known is not None and (known.encodings is not None or not need_encodings):
        return known
    rgb, pool = _pixels(ctx, index), _pool(ctx)
    try:
        boxes = known.boxes if known else tuple(detect(rgb, backend, options.detection_plan, pool))
        found = FaceAnalysis(boxes, encode(rgb, boxes, backend, pool) if need_encodings else None)
    except BrokenProcessPool:
        # A worker died (e.g. out of memory): this draft fails closed, the next one gets a
        # fresh pool instead of the same broken one.
        ctx.resources.services.pop(POOL, None)
        raise
    cache.put(sha, variant, found)
    return found


def _pixels(ctx: CheckContext, index: int) -> np.ndarray:
    decoded = ctx.decoded.get(index)  # absent when the image check had the photo's facts kept
    if decoded is None:
        image = ctx.draft.images[index]
        decoded = decode(image.data, ctx.resources.options.image_limits, photo_label(index))
    return decoded.rgb()


def _matcher(ctx: CheckContext) -> TemplateMatcher:
    if not ctx.resources.options.face_matching:
        # Matching turned off (the school's DPIA): nobody is enrolled as far as this
        # check knows, so no face is encoded and a person identifies every one.
        return ctx.resources.service("face-matcher-off", lambda: TemplateMatcher(
            FaceTemplateSet()))
    matcher: TemplateMatcher = ctx.resources.per_register(
        ctx.register, "face-matcher", lambda: TemplateMatcher(ctx.register.templates))
    return matcher


def _pool(ctx: CheckContext) -> Executor | None:
    workers = ctx.resources.options.face_workers or os.cpu_count() or 1
    if workers < 2:
        return None
    pool: Executor = ctx.resources.service(POOL, lambda: make_pool(workers))
    return pool


def _face_report(box: FaceBox, match: Match, ctx: CheckContext) -> FaceReport:
    rec = ctx.register.learner(match.upn) if match.upn else None
    if rec is None or rec.left:
        unknown = {channel: "unknown" for channel in ctx.draft.channels}
        return FaceReport(box, None, None, "unknown", unknown)
    channels = {c: rec.photo_consent(c, ctx.today) for c in ctx.draft.channels}
    return FaceReport(box, rec.upn, match.distance, worst(list(channels.values())), dict(channels))


def _finding(ctx: CheckContext, image: int, number: int, face: FaceReport, label: str) -> Finding:
    where = f"Face {number + 1} in {label}"
    rec = ctx.register.learner(face.learner) if face.learner else None
    if rec is None:
        rule, severity, message, suggestion = _unknown(where, ctx.resources.options.face_matching)
    else:
        rule, severity, message, suggestion = _known(where, rec, face, ctx)
    return Finding(
        check="face", severity=severity, rule=rule, message=message, policy="",
        suggestion=suggestion, learner=face.learner, image=image, face=number,
    )


def _unknown(where: str, matching: bool = True) -> tuple[str, Severity, str, str]:
    why = (
        "does not confidently match any learner enrolled for face matching. A person must "
        "identify them: learners without biometric consent are never matched."
        if matching else
        "needs a person to identify them: face matching is turned off for this school.")
    return (
        "faces.unidentified",
        Severity.REVIEW,
        f"{where} {why}",
        "Check the consent register for this person, or blur the face, or remove the photo.",
    )


def _known(
    where: str, rec: LearnerRecord, face: FaceReport, ctx: CheckContext
) -> tuple[str, Severity, str, str]:
    who = f"{where} matches {rec.display_name} ({rec.year_group or 'no year group'})"
    if rec.biometric_objection or not rec.biometric_consent:
        return (
            "faces.biometric-objection", Severity.BLOCK,
            f"{who}, who must not be matched by face (objection or no biometric consent); "
            "their face template should already have been deleted.",
            "Blur the face or remove the photo, and tell the data protection officer.",
        )
    if face.consent == "never_publish":
        return (
            "faces.never-publish", Severity.BLOCK,
            f"{who}, who must never appear in school publications.",
            "Blur the face (use the blurred copy) or remove the photo.",
        )
    if face.consent == "granted":
        return ("faces.consent-granted", Severity.INFO,
                f"{who}; photo consent is given for every channel of this post.", "")
    missing = [c for c, v in face.channels.items() if v != "granted"]
    names = labels(missing)
    if face.consent == "expired":
        rule, why = "faces.consent-expired", f"photo consent has expired ({names})"
    else:
        rule, why = "faces.no-photo-consent", f"no photo consent for {names}"
    return rule, Severity.BLOCK, f"{who}: {why}.", _fix(rec, ctx)


def _fix(rec: LearnerRecord, ctx: CheckContext) -> str:
    allowed = [c for c in CHANNELS if rec.photo_consent(c, ctx.today) == "granted"]
    fix = "Blur the face (use the blurred copy), remove the photo"
    if allowed:
        return f"{fix}, or post to {labels(allowed)} only."
    return f"{fix}."
