"""Who may do what to a draft, in one place. Each rule raises a typed error saying why.

Pages call ``allowed_actions`` to decide which buttons to show; the services
call the same rules, so a hidden button and a refused API request agree.
"""

from __future__ import annotations

from secondlook.accounts.models import Role, User
from secondlook.workflow.errors import Conflict, Forbidden, InvalidContent, InvalidTransition
from secondlook.workflow.models import Decision, DraftState
from secondlook.workflow.views import DraftView

REVIEWERS = (Role.APPROVER, Role.HEADTEACHER, Role.DSL)  # a tuple: messages list them in order
EDITABLE = frozenset({DraftState.DRAFT, DraftState.RETURNED, DraftState.SUBMITTED,
                      DraftState.APPROVED})
MIN_REASON = 10  # characters: a sign-off or return must say something


def require_active(user: User) -> None:
    if not user.active:
        raise Forbidden(f"the account {user.username!r} is deactivated")


def require_role(user: User, *roles: Role) -> None:
    require_active(user)
    if not user.role_set() & set(roles):
        names = " or ".join(str(r) for r in roles)
        raise Forbidden(f"this needs the {names} role; {user.username!r} does not hold it")


def is_author(user: User, view: DraftView) -> bool:
    return user.id == view.draft.author_id


def require_view(user: User, view: DraftView) -> None:
    require_active(user)
    if is_author(user, view) or user.id in view.editors:
        return
    if not user.role_set() & {*REVIEWERS, Role.ADMIN}:
        raise Forbidden(f"draft {view.id} belongs to another author")


def require_state(view: DraftView, allowed: set[DraftState] | frozenset[DraftState],
                  doing: str) -> None:
    if view.draft.state not in allowed:
        raise InvalidTransition(f"cannot {doing} draft {view.id}: it is {view.draft.state}")


def require_current(view: DraftView, content_sha256: str) -> None:
    """An approval or sign-off is for the exact content the person saw."""
    if content_sha256 != view.content_sha256:
        raise Conflict(
            f"draft {view.id} changed since you opened it (now revision "
            f"{view.revision.number}); read the new version and decide again"
        )


def require_independent(user: User, view: DraftView, doing: str) -> None:
    """The second colleague is neither the author nor anyone who edited the draft."""
    if is_author(user, view):
        raise Forbidden(f"you wrote draft {view.id}: a colleague must {doing} it, not you")
    if user.id in view.editors:
        raise Forbidden(
            f"you edited draft {view.id} (revision {view.editors[user.id]}): someone who "
            f"did not edit it must {doing} it"
        )


def require_second_person(user: User, earlier: list[Decision], view: DraftView, did: str,
                          doing: str) -> None:
    """A flagged draft needs two people besides its author: one approves, another signs
    off, even when one person holds both roles."""
    if any(d.user_id == user.id for d in earlier):
        raise Forbidden(f"you {did}: draft {view.id} is flagged, so a second colleague "
                        f"must {doing}")


def require_reason(reason: str, doing: str) -> str:
    reason = reason.strip()
    if len(reason) < MIN_REASON:
        raise InvalidContent(
            f"write a reason of at least {MIN_REASON} characters to {doing}; it is kept "
            "in the audit log"
        )
    return reason


def require_not_blocked(view: DraftView, doing: str) -> None:
    if view.verdict == "block":
        raise InvalidTransition(
            f"cannot {doing} draft {view.id}: the checks found something that blocks "
            "release; the author must change the draft first"
        )


def require_photos_checked(view: DraftView, doing: str) -> None:
    """Fail closed: a draft whose photos' faces are not checked yet goes nowhere, whatever
    the text checks found."""
    unchecked = view.photos_unchecked
    if unchecked:
        total = len(view.images)
        raise InvalidTransition(
            f"cannot {doing} draft {view.id}: its photos are still being checked "
            f"({total - len(unchecked)} of {total} checked); wait until the check finishes")


def can_edit(user: User, view: DraftView) -> None:
    require_active(user)
    require_state(view, EDITABLE, "edit")
    if not is_author(user, view) and not user.role_set() & set(REVIEWERS):
        raise Forbidden(f"only the author or a reviewer may edit draft {view.id}")


IDENTIFIERS = (Role.HEADTEACHER, Role.DSL, Role.ADMIN)  # may say which learner a face is


def can_identify(user: User, view: DraftView) -> Role:
    """Saying which learner a face is makes that learner's consent apply: only those who
    hold the register and its safeguarding may, and only while the draft can change."""
    require_role(user, *IDENTIFIERS)
    require_state(view, EDITABLE, "identify a face in")
    return next(r for r in IDENTIFIERS if user.has_role(r))


def can_submit(user: User, view: DraftView) -> None:
    require_active(user)
    require_state(view, {DraftState.DRAFT, DraftState.RETURNED}, "submit")
    if not is_author(user, view):
        raise Forbidden(f"only the author may submit draft {view.id}")
    require_not_blocked(view, "submit")
    require_photos_checked(view, "submit")


def can_approve(user: User, view: DraftView) -> None:
    require_role(user, Role.APPROVER)
    require_state(view, {DraftState.SUBMITTED}, "approve")
    require_independent(user, view, "approve")
    require_not_blocked(view, "approve")
    require_photos_checked(view, "approve")
    if view.approvals:
        raise InvalidTransition(f"draft {view.id} is already approved for this revision")
    require_second_person(user, view.sign_offs, view, "signed it off", "approve")


def signer_role(user: User, view: DraftView) -> Role:
    """Headteacher signs off any flagged draft; the DSL those with safeguarding findings."""
    if user.has_role(Role.HEADTEACHER):
        return Role.HEADTEACHER
    if user.has_role(Role.DSL) and view.revision.safeguarding:
        return Role.DSL
    if user.has_role(Role.DSL):
        raise Forbidden(f"draft {view.id} has no safeguarding finding: the headteacher "
                        "signs it off")
    raise Forbidden("signing off needs the headteacher role (or DSL for safeguarding)")


def can_sign_off(user: User, view: DraftView) -> Role:
    require_active(user)
    role = signer_role(user, view)
    require_state(view, {DraftState.SUBMITTED}, "sign off")
    if not view.needs_sign_off:
        raise InvalidTransition(f"draft {view.id} has verdict {view.verdict}: there is "
                                "nothing to sign off")
    require_independent(user, view, "sign off")
    require_photos_checked(view, "sign off")
    if view.sign_offs:
        raise InvalidTransition(f"draft {view.id} is already signed off for this revision")
    require_second_person(user, view.approvals, view, "approved it", "sign it off")
    return role


def can_return(user: User, view: DraftView) -> None:
    require_role(user, *REVIEWERS)
    require_state(view, {DraftState.SUBMITTED, DraftState.APPROVED}, "return")
    if is_author(user, view):
        raise Forbidden(f"draft {view.id} is your own: edit it instead of returning it to "
                        "yourself")


def can_reject(user: User, view: DraftView) -> Role:
    require_active(user)
    role = signer_role(user, view)
    require_state(view, {DraftState.SUBMITTED, DraftState.APPROVED, DraftState.RETURNED},
                  "reject")
    return role


def can_release(user: User, view: DraftView, states: set[DraftState]) -> None:
    require_active(user)
    if not is_author(user, view) and not user.role_set() & {Role.APPROVER, Role.HEADTEACHER}:
        raise Forbidden(f"only the author or an approver may release draft {view.id}")
    require_state(view, states, "release")
    require_photos_checked(view, "release")
    if not view.requirements_met:
        raise InvalidTransition(f"draft {view.id} lacks an approval or sign-off for its "
                                "current content")


DELETABLE = frozenset({DraftState.DRAFT, DraftState.RETURNED, DraftState.SUBMITTED,
                       DraftState.APPROVED, DraftState.REJECTED})


def can_delete(user: User, view: DraftView) -> None:
    """Only its author deletes a draft, and only one that never went out."""
    require_active(user)
    if not is_author(user, view):
        raise Forbidden(f"only the author of draft {view.id} may delete it")
    if view.draft.released_at is not None or view.draft.state not in DELETABLE:
        raise InvalidTransition(f"draft {view.id} is {view.draft.state}: a post that was "
                                "released stays, so the record of what went out is kept")


ACTIONS = {
    "edit": can_edit,
    "identify": can_identify,
    "submit": can_submit,
    "approve": can_approve,
    "signoff": can_sign_off,
    "return": can_return,
    "reject": can_reject,
    "release": lambda user, view: can_release(user, view, {DraftState.APPROVED}),
    "delete": can_delete,
}


def allowed_actions(user: User, view: DraftView) -> frozenset[str]:
    """The actions this user may take on this draft now (the buttons to show)."""
    allowed = set()
    for name, rule in ACTIONS.items():
        try:
            rule(user, view)
        except (Forbidden, InvalidTransition, InvalidContent):
            continue
        allowed.add(name)
    return frozenset(allowed)
