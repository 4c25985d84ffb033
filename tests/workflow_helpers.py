"""Helpers for the workflow tests: staff accounts and a check that obeys markers.

``MarkerCheck`` stands in for the real checks so a test can ask for a verdict:
"[review]" in the text makes a review finding, "[block]" a block finding,
"[safeguarding]" a review finding tagged safeguarding.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.engine import Engine as DbEngine
from sqlmodel import Session

from moderation.checks.base import CheckContext
from moderation.findings import Finding, Severity, Span
from moderation.pipeline import Engine
from secondlook.accounts.models import User

STAFF = {
    "alice": "author",
    "bob": "approver",
    "carol": "approver;author",
    "helen": "headteacher;approver",
    "dora": "dsl",
    "adam": "admin",
}


class MarkerCheck:
    name = "tone"

    def run(self, ctx: CheckContext) -> Iterable[Finding]:
        for marker, severity, tags in (("[review]", Severity.REVIEW, ()),
                                       ("[block]", Severity.BLOCK, ()),
                                       ("[safeguarding]", Severity.REVIEW, ("safeguarding",))):
            start = ctx.draft.text.find(marker)
            if start >= 0:
                yield Finding(check=self.name, severity=severity, rule=f"test.{marker[1:-1]}",
                              message=f"marker {marker}", policy="", suggestion="remove it",
                              span=Span(start, start + len(marker), marker), tags=tags)


def marker_engine(nlp) -> Engine:  # noqa: ANN001
    return Engine(nlp=nlp, checks=[MarkerCheck()])


def add_staff(db: DbEngine) -> dict[str, User]:
    with Session(db, expire_on_commit=False) as s:
        users = {name: User(username=name, display_name=name.title(), roles=roles)
                 for name, roles in STAFF.items()}
        s.add_all(users.values())
        s.commit()
    return users


def photo(colour: tuple[int, int, int] = (10, 120, 200), fmt: str = "PNG") -> bytes:
    """A small plain photo that decodes (its bytes change only with the colour)."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(out, format=fmt)
    return out.getvalue()


def gps_jpeg() -> bytes:
    """A phone-style JPEG that says where and with what it was taken."""
    import io

    import piexif
    from PIL import Image

    exif = piexif.dump({
        "0th": {piexif.ImageIFD.Make: b"PhoneCo"},
        "GPS": {piexif.GPSIFD.GPSLatitudeRef: b"N",
                piexif.GPSIFD.GPSLatitude: ((51, 1), (30, 1), (0, 1))},
    })
    out = io.BytesIO()
    Image.new("RGB", (60, 40), (10, 120, 200)).save(out, format="JPEG", exif=exif)
    return out.getvalue()
