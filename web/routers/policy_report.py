"""The policy-review report page and its exports (headteacher, DSL, admin)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from consent_store.models import utcnow
from secondlook.accounts.models import Role, User
from secondlook.release.policy_report import Period, PolicyReport, build_report
from secondlook.release.policy_report_export import body_html, to_csv, to_html
from web.deps import SessionDep, require_role
from web.templating import page

router = APIRouter(prefix="/reports", tags=["reports"])
ReviewerDep = Annotated[User, Depends(require_role(Role.HEADTEACHER, Role.DSL, Role.ADMIN))]


def _period(start: date | None, end: date | None) -> Period:
    """Default: the last 365 days, the policy's annual review."""
    end = end or utcnow().date()
    try:
        return Period(start or end - timedelta(days=364), end)
    except ValueError as exc:
        raise HTTPException(status_code=422, detail=f"{exc}: swap the dates") from exc


def _report(session: SessionDep, start: date | None = None,
            end: date | None = None) -> PolicyReport:
    return build_report(session=session, period=_period(start, end))


ReportDep = Annotated[PolicyReport, Depends(_report)]


def _filename(report: PolicyReport, ext: str) -> str:
    return f"policy-review-{report.period.start}-to-{report.period.end}.{ext}"


@router.get("/policy", response_class=HTMLResponse, summary="The policy-review report")
def policy_page(request: Request, user: ReviewerDep, report: ReportDep) -> HTMLResponse:
    query = urlencode({"start": report.period.start, "end": report.period.end})
    links = {"page": "/reports/policy", "csv": f"/reports/policy.csv?{query}",
             "html": f"/reports/policy.html?{query}"}
    body = body_html(report, generated=utcnow(), links=links, zone=request.app.state.zone)
    return page(request, "reports/policy.html",
                                      {"user": user, "body": body})


@router.get("/policy.csv", summary="The policy-review report as CSV")
def policy_csv(user: ReviewerDep, report: ReportDep) -> Response:
    return Response(to_csv(report), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{_filename(report, "csv")}"'})


@router.get("/policy.html", summary="The policy-review report as one HTML file")
def policy_html(request: Request, user: ReviewerDep, report: ReportDep) -> Response:
    return Response(to_html(report, generated=utcnow(), zone=request.app.state.zone),
                    media_type="text/html; charset=utf-8",
                    headers={"Content-Disposition":
                             f'attachment; filename="{_filename(report, "html")}"'})
