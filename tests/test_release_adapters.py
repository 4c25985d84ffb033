"""Each adapter sends exactly the approved text, photo bytes and alt texts to a local
fake of the channel's API, retries what is safe, and never posts twice."""

from __future__ import annotations

import pytest

from consent_store.models import utcnow
from secondlook.release import publishing
from secondlook.release.models import PostState
from tests.fakes.content import content
from tests.fakes.server import Fault

pytest_plugins = ["tests.fakes.fixtures"]  # fake servers, client, policy, adapters


def test_x_receives_the_exact_photos_alt_texts_and_text(sqlite_db, fake_x, x_adapter) -> None:
    item = content("Sports day 🏃 results: https://oakfield.sch.uk/news/sports-day", photos=2)
    row = publishing.publish(db=sqlite_db, content=item, adapter=x_adapter, user_id=1)
    assert row.state == PostState.POSTED
    (post,) = fake_x.posts
    assert post.text == item.text
    assert [m.data for m in post.media] == [i.data for i in item.images]
    assert [m.alt for m in post.media] == ["Relay race, lane 1", "Relay race, lane 2"]
    assert [m.content_type for m in post.media] == ["image/jpeg", "image/jpeg"]
    assert row.url == f"https://x.com/oakfieldpri/status/{post.id}"
    assert row.content_sha256 == item.approved_sha256


def test_facebook_single_photo_is_a_photo_post_with_alt_text(sqlite_db, fake_facebook,
                                                             fb_adapter) -> None:
    item = content(photos=1)
    row = publishing.publish(db=sqlite_db, content=item, adapter=fb_adapter, user_id=1)
    (post,) = fake_facebook.posts
    assert fake_facebook.calls == ["photos"]
    assert post.message == item.text
    assert post.photos[0].data == item.images[0].data
    assert post.photos[0].alt == "Relay race, lane 1"
    assert row.state == PostState.POSTED and row.url == f"https://www.facebook.com/{post.id}"


def test_facebook_several_photos_are_one_feed_post(sqlite_db, fake_facebook, fb_adapter) -> None:
    item = content(photos=3)
    publishing.publish(db=sqlite_db, content=item, adapter=fb_adapter, user_id=1)
    assert fake_facebook.calls == ["photos", "photos", "photos", "feed"]
    (post,) = fake_facebook.posts
    assert [p.data for p in post.photos] == [i.data for i in item.images]
    assert [p.alt for p in post.photos] == [i.alt for i in item.images]


def test_facebook_text_only_goes_to_the_feed(sqlite_db, fake_facebook, fb_adapter) -> None:
    publishing.publish(db=sqlite_db, content=content("Parents' evening is on Thursday."),
                       adapter=fb_adapter, user_id=1)
    assert [p.message for p in fake_facebook.posts] == ["Parents' evening is on Thursday."]


def test_a_rate_limit_is_recorded_with_the_time_the_channel_asks_not_waited_out(
        sqlite_db, fake_x, x_adapter, policy) -> None:
    fake_x.faults.add("tweets", Fault(429, headers={"retry-after": "7"},
                                      body={"title": "Too Many Requests"}))
    item = content()
    before = utcnow()
    row = publishing.publish(db=sqlite_db, content=item, adapter=x_adapter, user_id=1,
                             policy=policy)
    assert row.state == PostState.FAILED and "rate limit" in row.error
    assert 6 <= (row.retry_after - before).total_seconds() <= 8
    assert fake_x.calls == ["tweets"] and fake_x.posts == []
    # Not before that time; when it has come, the next try posts it once.
    publishing.publish(db=sqlite_db, content=item, adapter=x_adapter, user_id=1, policy=policy)
    assert fake_x.calls == ["tweets"]
    later = row.retry_after
    row = publishing.publish(db=sqlite_db, content=item, adapter=x_adapter, user_id=1,
                             policy=policy, now=lambda: later)
    assert row.state == PostState.POSTED and len(fake_x.posts) == 1


def test_5xx_while_preparing_is_tried_again_later_with_backoff_and_then_given_up(
        sqlite_db, fake_x, x_adapter, policy) -> None:
    fake_x.faults.add("upload", *(Fault(502) for _ in range(4)))
    item = content(photos=1)
    gaps = []
    clock = utcnow()
    for _ in range(4):
        row = publishing.publish(db=sqlite_db, content=item, adapter=x_adapter, user_id=1,
                                 policy=policy, now=lambda at=clock: at)
        assert row.state == PostState.FAILED and fake_x.posts == []
        if row.retry_after is None:
            break
        gaps.append((row.retry_after - clock).total_seconds())
        clock = row.retry_after
    assert gaps == [0.5, 1.0, 2.0]  # doubling; the fourth try is the last
    assert row.attempts == 4 and row.retry_after is None
    assert fake_x.calls == ["upload"] * 4


def test_a_500_after_the_post_was_made_is_in_doubt_and_never_resent(
        sqlite_db, fake_facebook, fb_adapter) -> None:
    fake_facebook.faults.add("feed", Fault(500, apply=True))
    item = content("Harvest festival thanks")
    row = publishing.publish(db=sqlite_db, content=item, adapter=fb_adapter, user_id=1)
    assert row.state == PostState.IN_DOUBT
    assert "may or may not be online" in row.error
    again = publishing.publish(db=sqlite_db, content=item, adapter=fb_adapter, user_id=1)
    assert again.state == PostState.IN_DOUBT
    assert fake_facebook.calls == ["feed"] and len(fake_facebook.posts) == 1


def test_a_lost_answer_is_in_doubt_and_a_person_resolves_it(sqlite_db, fake_x,
                                                            x_adapter) -> None:
    fake_x.faults.add("tweets", Fault(201, apply=True, delay=1.5))  # beyond the 1 s timeout
    item = content()
    row = publishing.publish(db=sqlite_db, content=item, adapter=x_adapter, user_id=1)
    assert row.state == PostState.IN_DOUBT and "ReadTimeout" in row.error
    assert publishing.publish(db=sqlite_db, content=item, adapter=x_adapter,
                              user_id=1).state == PostState.IN_DOUBT
    assert fake_x.calls.count("tweets") == 1
    link = f"https://x.com/oakfieldpri/status/{fake_x.posts[0].id}"
    done = publishing.resolve(sqlite_db, post_id=row.id, url=link, user_id=3)
    assert done.state == PostState.POSTED and done.url == link


def test_an_expired_token_fails_clearly_and_can_be_sent_after_a_new_one(
        sqlite_db, fake_x, x_adapter) -> None:
    fake_x.token = "rotated"
    item = content()
    row = publishing.publish(db=sqlite_db, content=item, adapter=x_adapter, user_id=1)
    assert row.state == PostState.FAILED
    assert "secondlook channel set twitter" in row.error
    assert fake_x.posts == []
    x_adapter.headers = {"Authorization": "Bearer rotated"}
    assert publishing.publish(db=sqlite_db, content=item, adapter=x_adapter,
                              user_id=1).state == PostState.POSTED
    assert len(fake_x.posts) == 1


def test_a_crash_between_sending_and_recording_never_posts_twice(
        sqlite_db, fake_x, x_adapter, monkeypatch) -> None:
    def power_cut(*_a, **_k):  # noqa: ANN002, ANN003, ANN202
        raise SystemExit("power cut")

    item = content()
    monkeypatch.setattr(publishing, "record_posted", power_cut)
    with pytest.raises(SystemExit):
        publishing.publish(db=sqlite_db, content=item, adapter=x_adapter, user_id=1)
    monkeypatch.undo()
    assert len(fake_x.posts) == 1
    # The next run finds the row still "sending" and does not send.
    assert publishing.publish(db=sqlite_db, content=item, adapter=x_adapter,
                              user_id=1).state == PostState.SENDING
    from secondlook.release.recovery import recover
    (recovered,) = recover(db=sqlite_db)  # no live release holds it: its process is gone
    assert recovered.in_doubt == ("twitter",)
    row = publishing.publish(db=sqlite_db, content=item, adapter=x_adapter, user_id=1)
    assert row.state == PostState.IN_DOUBT and "interrupted" in row.error
    assert len(fake_x.posts) == 1 and fake_x.calls.count("tweets") == 1


def test_a_long_rate_limit_blocks_resending_until_then(sqlite_db, fake_x, x_adapter) -> None:
    fake_x.faults.add("tweets", Fault(429, headers={"retry-after": "900"}))
    item = content()
    started = utcnow()
    row = publishing.publish(db=sqlite_db, content=item, adapter=x_adapter, user_id=1)
    assert row.state == PostState.FAILED and "rate limit" in row.error
    assert (row.retry_after - started).total_seconds() >= 899
    publishing.publish(db=sqlite_db, content=item, adapter=x_adapter, user_id=1)
    assert fake_x.calls == ["tweets"]  # not tried again before the time the channel gave


def test_content_that_is_not_the_approved_content_is_never_sent(sqlite_db, fake_x,
                                                                x_adapter) -> None:
    from dataclasses import replace

    from secondlook.release.content import ReleaseRefused

    approved = content(photos=1)
    edited = replace(approved, text=approved.text + " (edited)")
    with pytest.raises(ReleaseRefused, match="not the approved content"):
        publishing.publish(db=sqlite_db, content=edited, adapter=x_adapter, user_id=1)
    assert fake_x.calls == []


def test_a_photo_still_carrying_exif_is_never_sent(sqlite_db, fake_x, x_adapter) -> None:
    from PIL import Image

    from secondlook.release.content import ReleaseContent, ReleaseImage, ReleaseRefused
    from tests.fakes.content import jpeg

    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    photo = ReleaseImage(jpeg((1, 2, 3), exif=exif.tobytes()), alt="Choir")
    unsigned = ReleaseContent(1, 1, "Choir", (photo,), ("twitter",), "")
    item = ReleaseContent(1, 1, "Choir", (photo,), ("twitter",), unsigned.content_sha256())
    with pytest.raises(ReleaseRefused, match="exif"):
        publishing.publish(db=sqlite_db, content=item, adapter=x_adapter, user_id=1)
    assert fake_x.calls == []


def test_concurrent_publishers_of_one_revision_post_once(db, fake_x, x_adapter) -> None:
    """Eight workers race for the same (draft, revision, channel): one sends, on SQLite
    and on PostgreSQL; the others see the row already claimed and send nothing."""
    import threading

    item = content()
    states: list[str] = []
    start = threading.Barrier(8)

    def worker() -> None:
        start.wait()
        states.append(publishing.publish(db=db, content=item, adapter=x_adapter,
                                         user_id=1).state)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(fake_x.posts) == 1 and fake_x.calls.count("tweets") == 1
    assert states.count(PostState.POSTED) >= 1 and len(states) == 8
