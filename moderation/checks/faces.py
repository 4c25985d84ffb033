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
from collections.abc import Iterator, Sequence
from concurrent.futures import Executor
from concurrent.futures.process import BrokenProcessPool

import numpy as np

from consent_store.channels import CHANNELS, labels
from consent_store.snapshot import FaceTemplateSet, LearnerRecord
from moderation.checks.base import CheckContext
from moderation.draft import photo_label
from moderation.face_decisions import (
    BLURRED,
    IDENTIFIED,
    NOT_LEARNER,
    FaceDecision,
    decision_for,
)
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
            decided = with_decisions(found, ctx.face_decisions.get(report.sha256, ()))
            faces = [_face_report(box, match, decision, ctx) for box, match, decision in decided]
            ctx.image_reports[position] = dataclasses.replace(report, faces=tuple(faces))
            label = photo_label(report.index, ctx.draft.images[report.index].name)
            for number, (face, (_, _, decision)) in enumerate(zip(faces, decided, strict=True)):
                yield _finding(ctx, report.index, number, face, label, decision)


def with_decisions(found: list[tuple[FaceBox, Match]], decisions: Sequence[FaceDecision]
                   ) -> list[tuple[FaceBox, Match | None, FaceDecision | None]]:
    """Each face with the decision about it; a box Second Look blurred that detection no
    longer finds is kept (no match), so faces keep their numbers and the blur is shown.
    In reading order, as detection gives them."""
    out: list[tuple[FaceBox, Match | None, FaceDecision | None]] = [
        (box, match, decision_for(box, decisions)) for box, match in found]
    for decision in decisions:
        if decision.kind == BLURRED and decision_for(decision.box, [d for _, _, d in out
                                                                    if d is not None]) is None:
            out.append((decision.box, None, decision))
    return sorted(out, key=lambda item: (item[0].top, item[0].left))


def _faces_in(ctx: CheckContext, index: int) -> list[tuple[FaceBox, Match]]:
    options = ctx.resources.options
    matcher = _matcher(ctx)
    # Nobody enrolled (or matching off): every face is unknown, so nothing is encoded.
    found = _analysis(ctx, index, need_encodings=bool(matcher.learners))
    encodings = found.encodings if found.encodings is not None and matcher.learners else (
        np.zeros((len(found.boxes), ENCODING_SIZE)))
    matches = matcher.match_photo(encodings, options.face_match_threshold,
                                  options.face_match_margin)
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


def _face_report(box: FaceBox, match: Match | None, decision: FaceDecision | None,
                 ctx: CheckContext) -> FaceReport:
    upn = match.upn if match else None
    distance = match.distance if match else None
    applied = _applies(decision, upn)
    if applied is not None and applied.kind == IDENTIFIED:
        upn, distance = applied.upn, None  # a person identified it: no distance to show
    rec = ctx.register.learner(upn) if upn else None
    if rec is None or rec.left:
        face = FaceReport(box, None, None, "unknown",
                          {channel: "unknown" for channel in ctx.draft.channels})
    else:
        channels: dict[str, str] = {c: rec.photo_consent(c, ctx.today) for c in ctx.draft.channels}
        face = FaceReport(box, rec.upn, distance, worst(list(channels.values())), channels)
    return dataclasses.replace(
        face, decision=applied.kind if applied else None,
        decided_by=applied.by if applied else "",
        nearest=match.nearest if match else None, runner_up=match.runner_up if match else None)


def _applies(decision: FaceDecision | None, matched: str | None) -> FaceDecision | None:
    """A blur or "not a learner" counts only for a face the matcher did not recognise: a
    confident match to a learner is not overruled by the author (fail closed). Who it is,
    said by an admin, headteacher or DSL, always counts."""
    if decision is None or (matched is not None and decision.kind != IDENTIFIED):
        return None
    return decision


def _finding(ctx: CheckContext, image: int, number: int, face: FaceReport, label: str,
             decision: FaceDecision | None) -> Finding:
    where = f"Face {number + 1} in {label}"
    rec = ctx.register.learner(face.learner) if face.learner else None
    if face.decision == BLURRED:
        rule, severity, message, suggestion = _blurred(where, face)
    elif face.decision == NOT_LEARNER:
        rule, severity, message, suggestion = _not_learner(where, face)
    elif face.decision == IDENTIFIED and rec is not None:
        rule, severity, message, suggestion = _known(where, rec, face, ctx)
    elif decision is not None and decision.kind == IDENTIFIED:
        rule, severity, message, suggestion = _identified_gone(where, decision)
    elif rec is None:
        rule, severity, message, suggestion = _unknown(where, ctx.resources.options.face_matching)
    else:
        rule, severity, message, suggestion = _known(where, rec, face, ctx)
        if decision is not None:  # overruled: say so, so nobody thinks it was ignored
            message += (f" ({decision.by} marked it {_WORDS[decision.kind]}, but it matches "
                        "an enrolled learner, so that does not count.)")
    return Finding(
        check="face", severity=severity, rule=rule, message=message, policy="",
        suggestion=suggestion, learner=face.learner, image=image, face=number,
    )


_WORDS = {BLURRED: "blurred", NOT_LEARNER: "not a learner", IDENTIFIED: "identified"}


def _blurred(where: str, face: FaceReport) -> tuple[str, Severity, str, str]:
    return ("faces.blurred", Severity.INFO,
            f"{where} is blurred (by {face.decided_by}): it cannot be recognised.", "")


def _not_learner(where: str, face: FaceReport) -> tuple[str, Severity, str, str]:
    return ("faces.not-a-learner", Severity.INFO,
            f"{where}: {face.decided_by} says this is not a learner (an adult or a visitor). "
            "Whoever approves the post should check that.", "")


def _identified_gone(where: str, decision: FaceDecision) -> tuple[str, Severity, str, str]:
    return ("faces.identified-not-on-register", Severity.REVIEW,
            f"{where} was identified by {decision.by} as a learner who is no longer on the "
            "consent register.",
            "Blur this face or remove the photo; or identify the face again.")


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
        "Blur this face, or say it is not a learner (an adult or a visitor); a headteacher, "
        "the safeguarding lead or an admin can say which learner it is.",
    )


def _known(
    where: str, rec: LearnerRecord, face: FaceReport, ctx: CheckContext
) -> tuple[str, Severity, str, str]:
    whom = f"{rec.display_name} ({rec.year_group or 'no year group'})"
    who = (f"{where} is {whom}, as {face.decided_by} identified"
           if face.decision == IDENTIFIED else f"{where} matches {whom}")
    # A person's identification uses no face matching: no biometric consent is needed.
    if face.decision != IDENTIFIED and (rec.biometric_objection or not rec.biometric_consent):
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
            "Blur this face or remove the photo.",
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
    fix = "Blur this face, remove the photo"
    if allowed:
        return f"{fix}, or post to {labels(allowed)} only."
    return f"{fix}."
