"""Glue between the draft pages and the workflow services: errors, loading, page context."""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import HTTPException, UploadFile
from sqlmodel import Session, col, select

from consent_store.channels import CHANNELS
from consent_store.models import Learner
from moderation.draft import DraftImage
from moderation.images.budget import UnusablePhotos, require_photo_count
from secondlook.accounts.models import Role, User
from secondlook.release.models import ChannelCredential
from secondlook.workflow.checking import PHOTO_PENDING, Checker
from secondlook.workflow.comments import about_label, comments
from secondlook.workflow.errors import StaleReport
from secondlook.workflow.models import Revision
from secondlook.workflow.recheck import recheck
from secondlook.workflow.rules import REVIEWERS, allowed_actions
from secondlook.workflow.views import DraftView
from web.draft_render import face_boxes, fixes_for, highlight, image_size, x_length
from web.errors import workflow_errors

MAX_PHOTO_BYTES = 25 * 1024 * 1024


@contextmanager
def decision_errors(session: Session, *, draft_id: int, checker: Checker) -> Iterator[None]:
    """As ``workflow_errors``; a decision refused because the register changed the report
    also stores the new report (as a system re-check) so the page shows what changed."""
    try:
        with workflow_errors(session):
            yield
    except HTTPException as exc:
        if isinstance(exc.__cause__, StaleReport):
            recheck(session=session, draft_id=draft_id, checker=checker)
            session.commit()
            exc.detail = (f"{exc.detail}. Second Look has re-checked the draft against "
                          "today's register: open it again and read the new findings.")
        raise


def chosen_channels(values: list[str] | None) -> list[str]:
    picked = [c for c in CHANNELS if c in (values or [])]
    if not picked:
        raise HTTPException(status_code=422, detail="tick at least one channel to post to")
    return picked


def read_photos(files: list[UploadFile] | None, limit: int) -> list[DraftImage]:
    """Uploaded photos, read in the route's worker thread (routes are sync: no event loop).
    More than ``limit`` photos are refused by name (422) before any of them is read."""
    chosen = [f for f in files or [] if f.filename]
    try:
        require_photo_count([f.filename or "" for f in chosen], limit)
    except UnusablePhotos as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc
    photos = []
    for n, upload in enumerate(chosen):
        data = upload.file.read(MAX_PHOTO_BYTES + 1)
        if len(data) > MAX_PHOTO_BYTES:
            raise HTTPException(status_code=413, detail=f"{upload.filename} is larger than "
                                f"{MAX_PHOTO_BYTES // 2**20} MiB; export a smaller copy")
        photos.append(DraftImage(data=data, alt="", name=upload.filename or f"photo {n + 1}"))
    return photos


def unchecked_photos(report: dict[str, Any], positions: list[int]) -> list[int]:
    """Photos the checks have not looked at: neither checked (an image entry, with its
    faces, its faces not left to the photo-check job) nor refused by the image check. A
    verdict must not claim to cover them."""
    seen = {i["index"] for i in report.get("images", [])}
    seen |= {f["image"] for f in report.get("findings", [])
             if f.get("check") == "image" and f.get("image") is not None}
    # Decoded, but its faces are left to the photo-check job (still being checked).
    waiting = {f["image"] for f in report.get("findings", [])
               if f.get("rule") == PHOTO_PENDING}
    return [p for p in positions if p not in seen or p in waiting]


def report_context(report: dict[str, Any], text: str, channels: list[str],
                   images: list[dict[str, Any]]) -> dict[str, Any]:
    """What the report panel needs: marked text, numbered findings with fixes, photo boxes,
    and each channel's post as it will appear, and which photos are not checked yet."""
    findings = report.get("findings", [])
    unchecked = unchecked_photos(report, [image["position"] for image in images])
    for image in images:
        image["boxes"] = face_boxes(report, image["position"])
        image["size"] = image_size(report, image["position"])
        image["checked"] = image["position"] not in unchecked
    return {
        "report": report,
        "segments": highlight(text, findings),
        "findings": [(n, f, fixes_for(f, report, channels)) for n, f in enumerate(findings, 1)],
        "images": images,
        "preview": preview_context(text, channels, images),
        "unchecked": unchecked,
    }


def preview_context(text: str, channels: list[str], images: list[dict[str, Any]],
                    accounts: dict[str, str] | None = None) -> dict[str, Any]:
    """Each channel's post as the channel will show it: X gets its weighted count and the
    part beyond 280 marked; X shows at most four photos, Facebook a grid of five."""
    return {"text": text, "channels": channels, "images": images, "x": x_length(text),
            "accounts": accounts or {}}


def channel_accounts(session: Session) -> dict[str, str]:
    """The names the previews show: the page's name, or the X account; else a placeholder."""
    out = {"facebook": "Your school's Facebook page", "twitter": "Your school on X",
           "twitter_handle": "@yourschool", "classdojo": "School Story"}
    for row in session.exec(select(ChannelCredential)):
        if row.channel == "facebook" and row.account_name:
            out["facebook"] = row.account_name
        if row.channel == "twitter":
            out["twitter"] = row.account_name or row.account
            out["twitter_handle"] = f"@{row.account}"
    return out


def view_images(view: DraftView) -> list[dict[str, Any]]:
    return [{"position": img.position, "sha256": img.sha256, "alt": img.alt, "name": img.name,
             "url": f"/drafts/{view.id}/images/{img.sha256}"} for img in view.images]


def revisions(session: Session, draft_id: int) -> list[Revision]:
    query = select(Revision).where(Revision.draft_id == draft_id)
    return list(session.exec(query.order_by(col(Revision.number))))


def text_changes(before: str, after: str) -> list[tuple[str, str]]:
    """Word-level changes between two revisions: ("-", words) removed, ("+", words) added."""
    a, b = before.split(), after.split()
    out: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b).get_opcodes():
        if op in ("replace", "delete"):
            out.append(("-", " ".join(a[i1:i2])))
        if op in ("replace", "insert"):
            out.append(("+", " ".join(b[j1:j2])))
    return out


def primary_action(actions: frozenset[str], view: DraftView, user: User) -> str:
    """The one decision the page offers as its main button. Someone who may both approve
    and sign off a flagged draft signs it off: only a headteacher (or the DSL) can, and a
    colleague approves it."""
    if "signoff" in actions:
        return "signoff"
    for action in ("approve", "submit", "release"):
        if action in actions:
            return action
    return ""


def draft_context(session: Session, view: DraftView, user: User) -> dict[str, Any]:
    history = revisions(session, view.id)
    previous = history[-2] if len(history) > 1 else None
    people = list(session.exec(select(User)))
    names = {u.id: u.display_name for u in people}
    actions = allowed_actions(user, view)
    context = {
        "user": user, "view": view, "draft": view.draft, "revision": view.revision,
        "actions": actions, "primary": primary_action(actions, view, user),
        "channels": CHANNELS, "status": view.status,
        "history": history, "previous": previous, "names": names,
        "roles": {u.id: _main_role(u) for u in people},
        "comments": comments(session=session, draft_id=view.id), "about_label": about_label,
        "signed_off_by": ", ".join(names.get(d.user_id, "?") for d in view.sign_offs),
        "changes": text_changes(previous.text, view.revision.text) if previous else [],
        **report_context(view.report, view.revision.text, view.channels, view_images(view)),
    }
    context["preview"]["accounts"] = channel_accounts(session)
    context.update(face_context(session, view, user, actions))
    return context


def face_context(session: Session, view: DraftView, user: User,
                 actions: frozenset[str]) -> dict[str, Any]:
    """Who may say which learner a face is (and the learners to choose from), and whether
    the matcher's distances are shown: to those who review, not to every author."""
    has_faces = any(r.get("faces") for r in view.report.get("images", []))
    can_identify = has_faces and "identify" in actions
    learners = (list(session.exec(select(Learner).where(col(Learner.left).is_(False))
                                  .order_by(col(Learner.last_name), col(Learner.first_name))))
                if can_identify else [])
    return {"can_identify": can_identify, "learners": learners,
            "show_distances": bool(user.role_set() & {*REVIEWERS, Role.ADMIN})}


def _main_role(user: User) -> str:
    """The role a comment is written in, as people would name it."""
    for role, words in ((Role.HEADTEACHER, "headteacher"), (Role.DSL, "safeguarding lead"),
                        (Role.APPROVER, "approver"), (Role.AUTHOR, "author"),
                        (Role.ADMIN, "admin")):
        if user.has_role(role):
            return words
    return ""
