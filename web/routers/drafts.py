"""Draft pages: write a post, see the check and the channel previews as you type, fix
findings, save, view, comment, delete."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import select

from consent_store.channels import CHANNELS
from moderation.draft import (
    MAX_TEXT_CHARS,
    Draft,
    DraftError,
    DraftImage,
    UnusableText,
    require_usable_text,
)
from secondlook.deletion import delete_draft
from secondlook.workflow import drafts as workflow
from secondlook.workflow import rules
from secondlook.workflow.comments import add_comment
from secondlook.workflow.models import ImageBlob, Revision, RevisionImage
from secondlook.workflow.photo_checks import defer_check, progress
from secondlook.workflow.views import DraftView, image_input
from web.deps import AuthorDep, CheckerDep, DbDep, EditorDep, JobsDep, SessionDep, StaffDep
from web.draft_render import x_length
from web.drafts_support import (
    channel_accounts,
    chosen_channels,
    draft_context,
    read_photos,
    report_context,
    view_images,
)
from web.errors import workflow_errors
from web.templating import page

router = APIRouter(prefix="/drafts", tags=["drafts"])


@router.get("/new", response_class=HTMLResponse, summary="Write a new post")
def new_draft_page(request: Request, user: AuthorDep) -> HTMLResponse:
    return page(request, "drafts/new.html", {"user": user, "channels": CHANNELS,
                                             "x": x_length("")})


def _unusable(request: Request, text: str) -> HTMLResponse | None:
    """The live panel for a text over the limit: it says why, and checks nothing."""
    if len(text) <= MAX_TEXT_CHARS:
        return None
    try:
        require_usable_text(text)
    except UnusableText as exc:
        return page(request, "drafts/_not_checked.html", {"problem": f"{exc}."})
    return None


@router.post("/check", response_class=HTMLResponse, summary="Check unsaved text as it is typed")
def check_unsaved(
    request: Request, session: SessionDep, checker: CheckerDep, user: AuthorDep,
    text: Annotated[str, Form()] = "", channels: Annotated[list[str] | None, Form()] = None,
) -> HTMLResponse:
    if (refused := _unusable(request, text)) is not None:
        return refused
    try:
        draft = Draft.create(text, [], [c for c in CHANNELS if c in (channels or [])] or None)
    except DraftError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc
    report = checker.run(session, draft).report.to_dict()
    context = report_context(report, text, list(draft.channels), [])
    context["preview"]["accounts"] = channel_accounts(session)
    return page(request, "drafts/_report.html", {
        **context, "live": True, "can_fix": False,
        "photos_pending": "Photos are not checked yet: they are checked when you save the "
                          "draft. Until then this covers the text only."})


@router.post("/length", response_class=HTMLResponse,
             summary="X's weighted character count of the text being typed")
def x_count(request: Request, user: EditorDep, text: Annotated[str, Form()] = "",
            channels: Annotated[list[str] | None, Form()] = None) -> HTMLResponse:
    """Cheap (no check runs), so it follows every keystroke; the full check is debounced."""
    return page(request, "drafts/_x_count.html",
                {"x": x_length(text), "shown": "twitter" in (channels or [])})


def _check_photos(jobs: JobsDep, view: DraftView) -> None:
    """After the commit: the photos' faces are checked by a job (the page follows it)."""
    defer_check(jobs, view)


@router.post("", summary="Save a new draft (its photos are checked in the background)")
def create(
    session: SessionDep, checker: CheckerDep, user: AuthorDep, jobs: JobsDep,
    text: Annotated[str, Form()] = "", channels: Annotated[list[str] | None, Form()] = None,
    photos: Annotated[list[UploadFile] | None, File()] = None,
) -> Response:
    images = read_photos(photos, checker.engine.options.images_per_draft)
    with workflow_errors(session):
        view = workflow.create_draft(session=session, author=user, text=text,
                                     checker=checker.later(),
                                     channels=chosen_channels(channels), images=images)
        session.commit()
    _check_photos(jobs, view)
    return RedirectResponse(f"/drafts/{view.id}", status_code=303)


@router.get("/{draft_id}", response_class=HTMLResponse, summary="A draft: content, report, actions")
def draft_page(request: Request, draft_id: int, session: SessionDep, db: DbDep,
               jobs: JobsDep, user: StaffDep) -> HTMLResponse:
    with workflow_errors(session):
        view = workflow.get_draft(session=session, draft_id=draft_id, user=user)
    photos = progress(db, jobs, view)
    if photos is None and view.photos_unchecked:  # the check ended just now: its findings
        session.expire_all()
        view = workflow.get_draft(session=session, draft_id=draft_id, user=user)
    # While the photos are checked the page reloads itself (a meta refresh: no script).
    return page(request, "drafts/draft.html", {**draft_context(session, view, user),
                                               "photo_progress": photos})


def _edited_images(session: SessionDep, view, alts: list[str], remove: list[str]  # noqa: ANN001
                   ) -> list[DraftImage]:
    kept = []
    for img in view.images:
        if str(img.position) in remove:
            continue
        alt = alts[img.position] if img.position < len(alts) else img.alt
        kept.append(image_input(session, img.sha256, alt.strip(), img.name))
    return kept


@router.post("/{draft_id}/check", response_class=HTMLResponse, summary="Check unsaved edits")
def check_edits(
    request: Request, draft_id: int, session: SessionDep, checker: CheckerDep,
    user: EditorDep, text: Annotated[str, Form()] = "",
    channels: Annotated[list[str] | None, Form()] = None,
    alt: Annotated[list[str] | None, Form()] = None,
) -> HTMLResponse:
    if (refused := _unusable(request, text)) is not None:
        return refused
    with workflow_errors(session):
        view = workflow.get_draft(session=session, draft_id=draft_id, user=user)
        images = _edited_images(session, view, alt or [], [])
    try:
        draft = Draft.create(text, images, chosen_channels(channels))
    except DraftError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc
    report = checker.run(session, draft).report.to_dict()
    shown = view_images(view)
    for entry, image in zip(shown, images, strict=False):
        entry["alt"] = image.alt
    context = report_context(report, text, list(draft.channels), shown)
    context["preview"]["accounts"] = channel_accounts(session)
    return page(request, "drafts/_report.html", {
        **context, "live": True, "can_fix": False, "draft_id": draft_id,
        "photos_pending": "Photos you add are checked when you save; the photos already "
                          "saved are checked here."})


@router.post("/{draft_id}/edit", summary="Save changes (a new revision)")
def save_edits(
    draft_id: int, session: SessionDep, checker: CheckerDep, user: EditorDep, jobs: JobsDep,
    revision: Annotated[int, Form()], text: Annotated[str, Form()] = "",
    channels: Annotated[list[str] | None, Form()] = None,
    alt: Annotated[list[str] | None, Form()] = None,
    remove: Annotated[list[str] | None, Form()] = None,
    photos: Annotated[list[UploadFile] | None, File()] = None,
) -> Response:
    added = read_photos(photos, checker.engine.options.images_per_draft)
    with workflow_errors(session):
        view = workflow.get_draft(session=session, draft_id=draft_id, user=user)
        images = _edited_images(session, view, alt or [], remove or []) + added
        view = workflow.revise(session=session, draft_id=draft_id, user=user,
                               checker=checker.later(), text=text,
                               channels=chosen_channels(channels), images=images,
                               expected_revision=revision)
        session.commit()
    _check_photos(jobs, view)
    return RedirectResponse(f"/drafts/{draft_id}", status_code=303)


@router.post("/{draft_id}/fix/blur", summary="One-click fix: use a blurred copy of a photo")
def fix_blur(draft_id: int, session: SessionDep, checker: CheckerDep, user: EditorDep,
             jobs: JobsDep, image: Annotated[int, Form()]) -> Response:
    with workflow_errors(session):
        view = workflow.apply_blurred_copy(session=session, draft_id=draft_id, user=user,
                                           image=image, checker=checker.later())
        session.commit()
    _check_photos(jobs, view)
    return RedirectResponse(f"/drafts/{draft_id}", status_code=303)


@router.post("/{draft_id}/fix/drop-channel", summary="One-click fix: stop posting to a channel")
def fix_drop_channel(draft_id: int, session: SessionDep, checker: CheckerDep,
                     user: EditorDep, channel: Annotated[str, Form()]) -> Response:
    with workflow_errors(session):
        workflow.drop_channel(session=session, draft_id=draft_id, user=user, channel=channel,
                              checker=checker)
        session.commit()
    return RedirectResponse(f"/drafts/{draft_id}", status_code=303)


@router.get("/{draft_id}/images/{sha256}", summary="A photo of a draft, as it will be posted")
def draft_image(draft_id: int, sha256: str, session: SessionDep, user: StaffDep
                ) -> Response:
    with workflow_errors(session):
        workflow.get_draft(session=session, draft_id=draft_id, user=user)
    belongs = session.exec(
        select(RevisionImage.id).join(Revision, Revision.id == RevisionImage.revision_id)
        .where(Revision.draft_id == draft_id, RevisionImage.sha256 == sha256)).first()
    blob = session.get(ImageBlob, sha256) if belongs else None
    if blob is None:
        raise HTTPException(status_code=404, detail="this draft has no such photo")
    return Response(blob.data, media_type=blob.media_type)


@router.post("/{draft_id}/comments", summary="Add to the conversation on a draft")
def comment(draft_id: int, session: SessionDep, user: StaffDep,
            body: Annotated[str, Form()] = "", about: Annotated[str, Form()] = "",
            quote: Annotated[str, Form()] = "") -> Response:
    with workflow_errors(session):
        add_comment(session=session, draft_id=draft_id, user=user, body=body, about=about,
                    quote=quote)
        session.commit()
    return RedirectResponse(f"/drafts/{draft_id}?done=commented#conversation", status_code=303)


@router.get("/{draft_id}/delete", response_class=HTMLResponse, summary="Confirm deleting")
def confirm_delete(request: Request, draft_id: int, session: SessionDep,
                   user: AuthorDep) -> HTMLResponse:
    with workflow_errors(session):
        view = workflow.get_draft(session=session, draft_id=draft_id, user=user)
        rules.can_delete(user, view)
    return page(request, "drafts/delete.html", {"user": user, "view": view,
                                                "images": view_images(view)})


@router.post("/{draft_id}/delete", summary="Delete a draft that was never released")
def delete(draft_id: int, session: SessionDep, user: AuthorDep, checker: CheckerDep,
           confirm: Annotated[str, Form()] = "") -> Response:
    if confirm != "delete":
        raise HTTPException(status_code=422, detail="confirm on the delete page: nothing "
                            "was deleted")
    with workflow_errors(session):
        delete_draft(session=session, draft_id=draft_id, user=user, checker=checker)
        session.commit()
    return RedirectResponse(f"/?deleted={draft_id}", status_code=303)
