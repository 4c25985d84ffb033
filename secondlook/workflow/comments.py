"""The conversation on a draft: comments between author, approver and headteacher.

A comment is about the post as a whole, its text (optionally quoting the words meant) or
one photo. Comments are kept with the draft and written to the audit log, so the history
shows the conversation beside the decisions it led to.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from secondlook.accounts.models import User
from secondlook.workflow import rules
from secondlook.workflow.errors import InvalidContent
from secondlook.workflow.models import Comment
from secondlook.workflow.revisions import record
from secondlook.workflow.views import DraftView, load_view

MAX_COMMENT = 2000
MAX_QUOTE = 300


def about_label(about: str) -> str:
    """"photo 2", "the text" or "the post", as the page and the history say it."""
    if about.startswith("photo:"):
        return f"photo {about.split(':', 1)[1]}"
    return "the text" if about == "text" else "the post"


def _about(view: DraftView, about: str, quote: str) -> str:
    about = about.strip() or ("text" if quote else "")
    if about in ("", "text"):
        return about
    number = about.removeprefix("photo:")
    if not about.startswith("photo:") or not number.isdigit() or \
            not 1 <= int(number) <= len(view.images):
        raise InvalidContent(f"draft {view.id} has no {about_label(about)}: choose the post, "
                             "its text or one of its photos")
    return about


def _quote(view: DraftView, quote: str) -> str:
    quote = " ".join(quote.split())
    if len(quote) > MAX_QUOTE:
        raise InvalidContent(f"quote at most {MAX_QUOTE} characters of the text")
    if quote and quote.casefold() not in " ".join(view.revision.text.split()).casefold():
        raise InvalidContent(f"the words “{quote}” are not in the text of draft {view.id}; "
                             "copy them from the post")
    return quote


def add_comment(*, session: Session, draft_id: int, user: User, body: str, about: str = "",
                quote: str = "") -> Comment:
    """Anyone who may see the draft may comment on it, at any stage."""
    view = load_view(session, draft_id)
    rules.require_view(user, view)
    body = body.strip()
    if not body:
        raise InvalidContent("write something to comment")
    if len(body) > MAX_COMMENT:
        raise InvalidContent(f"a comment is at most {MAX_COMMENT} characters; this one has "
                             f"{len(body)}")
    quote = _quote(view, quote)
    about = _about(view, about, quote)
    assert user.id is not None
    comment = Comment(draft_id=draft_id, revision=view.revision.number, user_id=user.id,
                      about=about, quote=quote, body=body)
    session.add(comment)
    session.flush()
    record(session, view, user, "commented", about=about_label(about), quote=quote,
           comment=body)
    return comment


def comments(*, session: Session, draft_id: int) -> list[Comment]:
    """A draft's conversation, oldest first."""
    query = select(Comment).where(Comment.draft_id == draft_id)
    return list(session.exec(query.order_by(col(Comment.created_at), col(Comment.id))))
