"""Release test helpers: photos and an approved draft made through the workflow."""

from __future__ import annotations

from sqlmodel import Session

from consent_store.db import session_scope
from moderation.draft import DraftImage
from secondlook.workflow import drafts
from secondlook.workflow.views import load_view
from tests.fakes.content import jpeg

PHOTOS = [DraftImage(jpeg((200, 30, 30)), alt="Year 4 relay team crossing the line",
                     name="relay.jpg"),
          DraftImage(jpeg((30, 30, 200)), alt="Parents cheering", name="crowd.jpg")]


def approved_draft(db, staff, mengine, channels, text="Sports day! Well done all.",  # noqa: ANN001
                   photos=PHOTOS, when=None) -> int:  # noqa: ANN001
    with session_scope(db) as s:
        view = drafts.create_draft(session=s, author=staff["alice"], text=text,
                                   channels=channels, images=photos, checker=mengine)
        drafts.submit(session=s, draft_id=view.id, user=staff["alice"])
        drafts.approve(session=s, draft_id=view.id, user=staff["bob"],
                       content_sha256=view.content_sha256)
        return view.id


def state_of(db, draft_id: int):  # noqa: ANN001, ANN201
    with Session(db) as s:
        return load_view(s, draft_id).draft
