"""Glue between the draft pages and the workflow services: errors, loading, page context."""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import HTTPException, UploadFile
from sqlmodel import Session, col, select

from consent_store.channels import CHANNELS
from moderation.draft import DraftImage
from secondlook.accounts.models import User
from secondlook.workflow.checking import Checker
from secondlook.workflow.errors import StaleReport
from secondlook.workflow.models import Revision
from secondlook.workflow.recheck import recheck
from secondlook.workflow.rules import allowed_actions
from secondlook.workflow.views import DraftView
from web.draft_render import face_boxes, fixes_for, highlight, image_size
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


def read_photos(files: list[UploadFile] | None) -> list[DraftImage]:
    """Uploaded photos, read in the route's worker thread (routes are sync: no event loop)."""
    photos = []
    for n, upload in enumerate(f for f in files or [] if f.filename):
        data = upload.file.read(MAX_PHOTO_BYTES + 1)
        if len(data) > MAX_PHOTO_BYTES:
            raise HTTPException(status_code=413, detail=f"{upload.filename} is larger than "
                                f"{MAX_PHOTO_BYTES // 2**20} MiB; export a smaller copy")
        photos.append(DraftImage(data=data, alt="", name=upload.filename or f"photo {n + 1}"))
    return photos


def unchecked_photos(report: dict[str, Any], positions: list[int]) -> list[int]:
    """Photos the checks have not looked at: neither checked (an image entry, with its
    faces) nor refused by the image check. A verdict must not claim to cover them."""
    seen = {i["index"] for i in report.get("images", [])}
    seen |= {f["image"] for f in report.get("findings", [])
             if f.get("check") == "image" and f.get("image") is not None}
    return [p for p in positions if p not in seen]


def report_context(report: dict[str, Any], text: str, channels: list[str],
                   images: list[dict[str, Any]]) -> dict[str, Any]:
    """What the report panel needs: marked text, numbered findings with fixes, photo boxes,
    and which photos are not checked yet."""
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
        "unchecked": unchecked,
    }


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


def draft_context(session: Session, view: DraftView, user: User) -> dict[str, Any]:
    history = revisions(session, view.id)
    previous = history[-2] if len(history) > 1 else None
    names = {u.id: u.display_name for u in session.exec(select(User))}
    return {
        "user": user, "view": view, "draft": view.draft, "revision": view.revision,
        "actions": allowed_actions(user, view), "channels": CHANNELS,
        "history": history, "previous": previous, "names": names,
        "changes": text_changes(previous.text, view.revision.text) if previous else [],
        **report_context(view.report, view.revision.text, view.channels, view_images(view)),
    }
