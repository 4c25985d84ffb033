"""Admin: the consent register — import the MIS export, see consents, withdraw consent."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session, col, or_, select

from consent_store.channels import CHANNELS
from consent_store.models import Learner
from consent_store.register_import import RegisterImportError, decode_register
from consent_store.templates import list_templates
from consent_store.withdrawals import history as withdrawal_history
from moderation.checks.faces import BACKEND as FACE_BACKEND
from moderation.images.faces import DlibBackend
from secondlook.accounts.models import User
from secondlook.enrolment import EnrolmentError, ReferencePhotoUpload, enrol
from secondlook.register_preview import (
    Preview,
    PreviewOutdated,
    RegisterPreview,
    keep,
    preview,
)
from secondlook.register_preview import confirm as confirm_preview
from secondlook.withdrawal import (
    ConsentGiven,
    Withdrawal,
    WithdrawalError,
    confirm_consent,
    withdraw,
)
from web.deps import AdminDep, CheckerDep, SessionDep, SettingsDep
from web.templating import page

router = APIRouter(prefix="/admin/register", tags=["admin"])
PAGE_SIZE = 200


def _render(request: Request, name: str, status: int = 200, **context: object) -> HTMLResponse:
    return page(request, name, context, status)


def _learners(session: Session, q: str) -> list[Learner]:
    query = select(Learner).order_by(col(Learner.left), Learner.last_name, Learner.first_name)
    if q.strip():
        like = f"%{q.strip()}%"
        query = query.where(or_(
            col(Learner.first_name).ilike(like), col(Learner.last_name).ilike(like),
            col(Learner.preferred_name).ilike(like), col(Learner.upn).ilike(like),
            col(Learner.year_group).ilike(like),
        ))
    return list(session.exec(query.limit(PAGE_SIZE)))


@router.get("", response_class=HTMLResponse, summary="The register: learners and consents")
def register_page(request: Request, session: SessionDep, admin: AdminDep,
                  q: str = "") -> HTMLResponse:
    return _render(request, "admin/register.html", user=admin, learners=_learners(session, q),
                   q=q, page_size=PAGE_SIZE, result=None, problems=None)


@router.post("/import", response_class=HTMLResponse,
             summary="Preview a register CSV: what importing it will change")
def import_register_page(
    request: Request, session: SessionDep, settings: SettingsDep, admin: AdminDep,
    file: Annotated[UploadFile, File()], prune: Annotated[bool, Form()] = False,
) -> HTMLResponse:
    name = file.filename or "the uploaded file"
    raw = file.file.read(settings.max_register_bytes + 1)
    try:
        if len(raw) > settings.max_register_bytes:
            raise RegisterImportError(name, [
                f"the file is larger than {settings.max_register_bytes // 2**20} MiB; "
                "export only the current register"])
        text = decode_register(raw, name)
        shown = preview(db=request.app.state.db, text=text, name=name, prune=prune,
                        actor=admin)
    except RegisterImportError as exc:
        return _problems(request, session, admin, exc, name)
    return _preview_page(request, session, admin, shown, text)


def _problems(request: Request, session: Session, admin: User, exc: RegisterImportError,
              name: str) -> HTMLResponse:
    session.rollback()
    return _render(request, "admin/register.html", 400, user=admin, q="",
                   learners=_learners(session, ""), page_size=PAGE_SIZE, result=None,
                   problems=exc.problems, file_name=name)


def _preview_page(request: Request, session: Session, admin: User, shown: Preview, text: str,
                  outdated: bool = False) -> HTMLResponse:
    stored = keep(session=session, shown=shown, text=text, user=admin)
    session.commit()
    return _render(request, "admin/register_preview.html", 409 if outdated else 200,
                   user=admin, preview=shown, preview_id=stored.id, outdated=outdated)


@router.post("/import/{preview_id}/confirm", response_class=HTMLResponse,
             summary="Apply a previewed register import, exactly as previewed")
def confirm_import_page(
    request: Request, preview_id: int, session: SessionDep, admin: AdminDep,
    changes: Annotated[str, Form()] = "",
) -> HTMLResponse:
    try:
        outcome = confirm_preview(session=session, preview_id=preview_id, changes_sha256=changes,
                                  user=admin)
        session.commit()
    except LookupError as exc:
        session.rollback()
        raise HTTPException(status_code=409, detail=str(exc)) from exc
    except PreviewOutdated as exc:
        session.rollback()
        row = session.get(RegisterPreview, preview_id)
        text = row.text if row else ""
        return _preview_page(request, session, admin, exc.fresh, text, outdated=True)
    except RegisterImportError as exc:
        return _problems(request, session, admin, exc, exc.path)
    return _render(request, "admin/register.html", user=admin, q="", page_size=PAGE_SIZE,
                   learners=_learners(session, ""), result=outcome.summary(), problems=None,
                   held=outcome.result.held)


def _learner(session: Session, upn: str) -> Learner:
    learner = session.get(Learner, upn)
    if learner is None:
        raise HTTPException(status_code=404, detail=f"no learner with UPN {upn} in the register")
    return learner


def _learner_page(request: Request, session: Session, admin: User, learner: Learner,
                  status: int = 200, error: str | None = None, done: str = "") -> HTMLResponse:
    enrolled = list_templates(session=session, upn=learner.upn)
    return _render(request, "admin/learner.html", status, user=admin, learner=learner,
                   channels=CHANNELS, error=error, done=done, enrolled=enrolled,
                   withdrawals=withdrawal_history(session=session, upn=learner.upn))


@router.get("/{upn}", response_class=HTMLResponse, summary="One learner's consents")
def learner_page(request: Request, upn: str, session: SessionDep, admin: AdminDep,
                 done: str = "") -> HTMLResponse:
    return _learner_page(request, session, admin, _learner(session, upn), done=done)


@router.post("/{upn}/enrol", response_class=HTMLResponse, summary="Add reference photos")
def enrol_photos(
    request: Request, upn: str, session: SessionDep, admin: AdminDep, checker: CheckerDep,
    photos: Annotated[list[UploadFile] | None, File()] = None,
) -> Response:
    learner = _learner(session, upn)
    uploads = [ReferencePhotoUpload(name=f.filename or "photo", data=f.file.read())
               for f in photos or [] if f.filename]
    try:
        engine = checker.engine
        result = enrol(session=session, upn=upn, photos=uploads, key=checker.key,
                       options=engine.options, backend=engine.service(FACE_BACKEND, DlibBackend),
                       actor=admin)
    except EnrolmentError as exc:
        session.rollback()
        return _learner_page(request, session, admin, learner, 400, error=str(exc))
    session.commit()
    skipped = f"; already enrolled: {', '.join(result.skipped)}" if result.skipped else ""
    done = quote(f"{result.added} reference photo(s) enrolled, {result.total} in all{skipped}")
    return RedirectResponse(f"/admin/register/{quote(upn)}?done={done}", status_code=303)


@router.post("/{upn}/withdraw", response_class=HTMLResponse, summary="Withdraw consent")
def withdraw_consent(
    request: Request, upn: str, session: SessionDep, admin: AdminDep,
    photo: Annotated[list[str] | None, Form()] = None,
    name: Annotated[str, Form()] = "",
    biometric: Annotated[bool, Form()] = False,
    reason: Annotated[str, Form()] = "",
) -> Response:
    learner = _learner(session, upn)
    ask = Withdrawal(upn=upn, photo_channels=frozenset(photo or []), name=name or None,
                     biometric=biometric, reason=reason)
    try:
        result = withdraw(session=session, request=ask, actor=admin)
    except WithdrawalError as exc:
        session.rollback()
        return _learner_page(request, session, admin, learner, 400, error=str(exc))
    session.commit()
    done = quote("; ".join(result.changed))
    return RedirectResponse(f"/admin/register/{quote(upn)}?done={done}", status_code=303)


@router.post("/{upn}/confirm", response_class=HTMLResponse,
             summary="Give back withdrawn consent, with evidence")
def confirm_consent_page(
    request: Request, upn: str, session: SessionDep, admin: AdminDep,
    evidence: Annotated[str, Form()] = "",
    photo: Annotated[list[str] | None, Form()] = None,
    name: Annotated[str, Form()] = "",
    biometric: Annotated[bool, Form()] = False,
) -> Response:
    learner = _learner(session, upn)
    ask = ConsentGiven(upn=upn, evidence=evidence, photo_channels=frozenset(photo or []),
                       name=name or None, biometric=biometric)
    try:
        changed = confirm_consent(session=session, request=ask, actor=admin)
    except WithdrawalError as exc:
        session.rollback()
        return _learner_page(request, session, admin, learner, 400, error=str(exc))
    session.commit()
    done = quote("; ".join(changed) + f" (evidence: {evidence.strip()})")
    return RedirectResponse(f"/admin/register/{quote(upn)}?done={done}", status_code=303)
