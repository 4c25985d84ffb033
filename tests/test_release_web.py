"""The release pages: release an approved post, finish Class Dojo by its link, enter
channel credentials, and clear the headteacher's takedown list."""

from __future__ import annotations

import io
import zipfile

from secondlook.accounts.models import Role
from secondlook.release.takedowns import open_takedowns
from tests.fakes import x as xfake
from tests.release_helpers import approved_draft
from tests.web_support import add_user, make_app, signed_in

pytest_plugins = [
    "tests.workflow_support", "tests.fakes.fixtures", "tests.release_support"]


def _app(db, settings, nlp):  # noqa: ANN001, ANN202
    return make_app(db, nlp, home=settings.home, data_key=settings.data_key,
                    facebook_graph_url=settings.facebook_graph_url,
                    x_api_url=settings.x_api_url)


def test_release_page_sends_the_post_and_takes_the_class_dojo_link(
        sqlite_db, staff, mengine, configured, blank_nlp, fake_facebook) -> None:
    draft_id = approved_draft(sqlite_db, staff, mengine, ["facebook", "classdojo"])
    app = _app(sqlite_db, configured, blank_nlp)
    client, csrf = signed_in(app, sqlite_db, staff["alice"])
    assert f'href="/drafts/{draft_id}/release"' in client.get(f"/drafts/{draft_id}").text
    page = client.get(f"/drafts/{draft_id}/release")
    assert page.status_code == 200 and "Release now" in page.text
    sent = client.post(f"/drafts/{draft_id}/release", data={"csrf_token": csrf},
                       follow_redirects=True)
    assert "Posted on Facebook. Class Dojo: waiting for its link." in sent.text
    (post,) = fake_facebook.posts
    assert f"https://www.facebook.com/{post.id}" in sent.text
    zipped = client.post(f"/drafts/{draft_id}/release/classdojo.zip", data={"csrf_token": csrf})
    assert zipfile.ZipFile(io.BytesIO(zipped.content)).read("post.txt") == \
        b"Sports day! Well done all."
    bad = client.post(f"/drafts/{draft_id}/release/classdojo/link",
                      data={"csrf_token": csrf, "url": "https://example.com/x"})
    assert bad.status_code == 422 and "not a Class Dojo link" in bad.text
    done = client.post(f"/drafts/{draft_id}/release/classdojo/link",
                       data={"csrf_token": csrf, "url": "https://home.classdojo.com/#/s/1"},
                       follow_redirects=True)
    assert "Link recorded." in done.text and ">Released</p>" in done.text


def test_a_released_draft_cannot_be_released_again_from_the_page(
        sqlite_db, staff, mengine, configured, blank_nlp, fake_facebook) -> None:
    draft_id = approved_draft(sqlite_db, staff, mengine, ["facebook"], photos=[])
    app = _app(sqlite_db, configured, blank_nlp)
    client, csrf = signed_in(app, sqlite_db, staff["bob"])
    assert client.post(f"/drafts/{draft_id}/release", data={"csrf_token": csrf},
                       follow_redirects=False).status_code == 303
    again = client.post(f"/drafts/{draft_id}/release", data={"csrf_token": csrf})
    assert again.status_code == 409 and "released" in again.text
    assert len(fake_facebook.posts) == 1


def test_admin_enters_a_token_that_is_never_shown_again(sqlite_db, settings, blank_nlp) -> None:
    app = _app(sqlite_db, settings, blank_nlp)
    admin = add_user(sqlite_db, "admin1", Role.ADMIN)
    client, csrf = signed_in(app, sqlite_db, admin)
    page = client.post("/admin/channels/twitter", follow_redirects=True, data={
        "csrf_token": csrf, "account": "@oakfieldpri", "token": xfake.TOKEN})
    assert "X (Twitter) is connected" in page.text and "oakfieldpri" in page.text
    assert xfake.TOKEN not in page.text
    missing = client.post("/admin/channels/facebook", data={"csrf_token": csrf,
                                                            "account": "", "token": "t"})
    assert missing.status_code == 422 and "is not a Facebook page id" in missing.text


def test_the_headteacher_clears_the_takedown_list(sqlite_db, settings, blank_nlp) -> None:
    from dataclasses import replace

    from sqlmodel import Session

    from consent_store.db import session_scope
    from consent_store.register_import import LearnerChange
    from secondlook.release import publishing
    from secondlook.release.adapters import Published
    from tests.fakes.content import content

    class Posted:
        channel = "facebook"

        def publish(self, item):  # noqa: ANN001, ANN202
            return Published("1", "https://www.facebook.com/1122_77")

    item = replace(content(channels=("facebook",)), pictured=("A123456789012",))
    publishing.publish(db=sqlite_db, content=item, adapter=Posted(), user_id=1)
    with session_scope(sqlite_db) as s:
        open_takedowns(session=s, changes=[LearnerChange("A123456789012",
                                                         {"never_publish": (False, True)})])
    app = _app(sqlite_db, settings, blank_nlp)
    head = add_user(sqlite_db, "head1", Role.HEADTEACHER)
    client, csrf = signed_in(app, sqlite_db, head)
    page = client.get("/takedowns")
    assert "https://www.facebook.com/1122_77" in page.text and "never-publish set" in page.text
    with Session(sqlite_db) as s:
        from secondlook.release.takedowns import takedown_queue
        (entry,) = takedown_queue(session=s)
    done = client.post(f"/takedowns/{entry.id}/done", follow_redirects=True,
                       data={"csrf_token": csrf, "note": "deleted from the page"})
    assert "Marked as taken down." in done.text and "Nothing to take down." in done.text


def test_the_json_api_releases_and_takes_a_link(sqlite_db, staff, mengine, configured,
                                                blank_nlp, fake_x) -> None:
    from tests.fakes.server import Fault
    from tests.web_support import api_token

    draft_id = approved_draft(sqlite_db, staff, mengine, ["twitter"], photos=[])
    app = _app(sqlite_db, configured, blank_nlp)
    from fastapi.testclient import TestClient

    client = TestClient(app)
    client.headers["Authorization"] = f"Bearer {api_token(sqlite_db, staff['alice'])}"
    fake_x.faults.add("tweets", Fault(500, apply=True))
    out = client.post(f"/api/drafts/{draft_id}/release").json()
    assert out["state"] == "approved" and out["channels"][0]["state"] == "in_doubt"
    assert client.get(f"/api/drafts/{draft_id}/release").json()["channels"][0]["state"] == \
        "in_doubt"
    missing = client.post(f"/api/drafts/{draft_id}/release/twitter/link", json={})
    assert missing.status_code == 422
    link = f"https://x.com/oakfieldpri/status/{fake_x.posts[0].id}"
    done = client.post(f"/api/drafts/{draft_id}/release/twitter/link", json={"url": link})
    assert done.json()["state"] == "released" and done.json()["channels"][0]["url"] == link
    assert len(fake_x.posts) == 1


def test_the_class_dojo_download_is_a_post_that_records_the_hand_out(
        sqlite_db, staff, mengine, configured, blank_nlp) -> None:
    """A GET changes nothing (a link preview or a prefetch cannot hand a post out); the
    download is a form post, and from then on the copy may be online until its link."""
    from sqlmodel import Session, select

    from secondlook.release.models import ChannelPost

    draft_id = approved_draft(sqlite_db, staff, mengine, ["classdojo"], photos=[])
    client, csrf = signed_in(_app(sqlite_db, configured, blank_nlp), sqlite_db, staff["alice"])
    assert client.get(f"/drafts/{draft_id}/release/classdojo.zip").status_code == 405
    with Session(sqlite_db) as s:
        assert s.exec(select(ChannelPost)).all() == []
    for _ in range(2):
        got = client.post(f"/drafts/{draft_id}/release/classdojo.zip", data={"csrf_token": csrf})
        assert got.status_code == 200 and got.headers["content-type"] == "application/zip"
    assert client.post(f"/drafts/{draft_id}/release/classdojo.zip").status_code == 403
    with Session(sqlite_db) as s:
        assert [p.state for p in s.exec(select(ChannelPost))] == ["awaiting_link"]
    done = client.post(f"/drafts/{draft_id}/release/classdojo/link", follow_redirects=True,
                       data={"csrf_token": csrf, "url": "https://home.classdojo.com/#/s/9"})
    assert "Link recorded." in done.text and ">Released</p>" in done.text


def test_a_link_a_browser_would_open_elsewhere_is_refused(
        sqlite_db, staff, mengine, configured, blank_nlp) -> None:
    draft_id = approved_draft(sqlite_db, staff, mengine, ["classdojo"], photos=[])
    client, csrf = signed_in(_app(sqlite_db, configured, blank_nlp), sqlite_db, staff["alice"])
    for url in ["https://evil.example\\@classdojo.com/", "https://evil.example@classdojo.com/",
                "http://home.classdojo.com/x", "https://home.classdojo.com.evil.example/"]:
        resp = client.post(f"/drafts/{draft_id}/release/classdojo/link",
                           data={"csrf_token": csrf, "url": url})
        assert resp.status_code == 422 and "not a Class Dojo link" in resp.text, url
    page = client.get(f"/drafts/{draft_id}/release").text
    assert "evil.example" not in page and ">Released</p>" not in page


def test_a_class_dojo_zip_of_a_photo_still_carrying_metadata_is_refused_not_a_500(
        sqlite_db, staff, mengine, configured, blank_nlp, monkeypatch) -> None:
    """A photo stored before copies were written from pixels only may still hold a JPEG
    comment (an HTML/JPEG polyglot's page): the download says so, hands nothing out."""
    import io

    from PIL import Image
    from sqlmodel import Session, select

    from moderation.draft import DraftImage
    from secondlook.release.models import ChannelPost
    from secondlook.workflow import revisions
    from secondlook.workflow.images import ProcessedImage

    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (0, 90, 0)).save(buf, "JPEG", comment=b"<html>hi</html>")
    monkeypatch.setattr(revisions, "process_upload",
                        lambda data, name, limits: ProcessedImage(data, "image/jpeg"))
    photo = DraftImage(buf.getvalue(), alt="Our garden", name="garden.jpg")
    draft_id = approved_draft(sqlite_db, staff, mengine, ["classdojo"], photos=[photo])
    client, csrf = signed_in(_app(sqlite_db, configured, blank_nlp), sqlite_db, staff["alice"])
    got = client.post(f"/drafts/{draft_id}/release/classdojo.zip", data={"csrf_token": csrf})
    assert got.status_code == 409
    assert "photo 1 still carries comment" in got.text and "nothing was sent" in got.text
    with Session(sqlite_db) as s:
        assert s.exec(select(ChannelPost)).all() == []
