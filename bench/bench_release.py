"""Release speed (``make bench``): X's weighted length, and publishing over loopback.

Measures, in one run:

* ``weighted_length`` on 10,000 posts of about 250 characters (emoji, CJK, links);
* the idempotency bookkeeping alone (row, claim, record: three short commits on SQLite);
* publishing 20 posts of 4 photos (about 150 KB each) to the local fake X and Facebook
  APIs: per post, median and p95 wall time, and the request count per post.

Target: the bookkeeping stays under 50 ms per post (median), so a release's time is the channel's.
Exits 1 when it is missed.
"""

from __future__ import annotations

import io
import random
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402
from PIL import Image  # noqa: E402

from consent_store.db import make_engine  # noqa: E402
from moderation.weighted_length import weighted_length as wl  # noqa: E402
from secondlook.database import migrate  # noqa: E402
from secondlook.release import publishing  # noqa: E402
from secondlook.release.adapters import Published  # noqa: E402
from secondlook.release.content import ReleaseContent, ReleaseImage  # noqa: E402
from secondlook.release.facebook import FacebookAdapter  # noqa: E402
from secondlook.release.retrying import RetryPolicy  # noqa: E402
from secondlook.release.x import XAdapter  # noqa: E402
from tests.fakes import facebook as fb  # noqa: E402
from tests.fakes import x as xfake  # noqa: E402
from tests.fakes.server import ServedApp  # noqa: E402

BOOKKEEPING_TARGET_MS = 50.0
WORDS = ["Sports", "day", "was", "brilliant", "🏃", "🎉", "日本語", "well", "done", "Year 5",
         "https://oakfield.sch.uk/news/2026/sports-day", "👨‍👩‍👧", "relay", "café"]


def posts(n: int) -> list[str]:
    rng = random.Random(7)
    out = []
    for _ in range(n):
        words: list[str] = []
        while sum(len(w) + 1 for w in words) < 250:
            words.append(rng.choice(WORDS))
        out.append(" ".join(words))
    return out


def photo(seed: int) -> bytes:
    rng = random.Random(seed)
    img = Image.frombytes("RGB", (420, 320), rng.randbytes(420 * 320 * 3))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=92)
    return buf.getvalue()


def content(draft_id: int, images: tuple[ReleaseImage, ...]) -> ReleaseContent:
    unsigned = ReleaseContent(draft_id, 1, f"Post {draft_id}: well done!", images,
                              ("facebook", "twitter"), "")
    return replace(unsigned, approved_sha256=unsigned.content_sha256())


class Instant:
    channel = "twitter"

    def publish(self, item: ReleaseContent) -> Published:
        return Published(str(item.draft_id), f"https://x.com/i/web/status/{item.draft_id}")


def bench_length() -> None:
    texts = posts(10_000)
    t0 = time.perf_counter()
    for text in texts:
        wl(text)
    per = (time.perf_counter() - t0) / len(texts) * 1e6
    print(f"weighted_length: {per:.1f} µs per 250-character post (10,000 posts)")


def bench_bookkeeping(db) -> float:  # noqa: ANN001
    times = []
    for n in range(200):
        item = content(10_000 + n, ())
        t0 = time.perf_counter()
        publishing.publish(db=db, content=item, adapter=Instant(), user_id=1)
        times.append((time.perf_counter() - t0) * 1000)
    med = statistics.median(times)
    print(f"bookkeeping: median {med:.1f} ms, p95 "
          f"{statistics.quantiles(times, n=20)[-1]:.1f} ms per post (200 posts, SQLite)")
    return med


def bench_channels(db, images) -> None:  # noqa: ANN001
    fx, ff = xfake.FakeX(), fb.FakeFacebook()
    policy = RetryPolicy(sleep=lambda _s: None)
    with ServedApp(xfake.build_app(fx)) as xs, ServedApp(fb.build_app(ff)) as fs, \
            httpx.Client(timeout=30) as client:
        adapters = [XAdapter(client, base_url=xs.url, token=xfake.TOKEN, username="b",
                             policy=policy),
                    FacebookAdapter(client, base_url=fs.url, page_id=fb.PAGE_ID,
                                    token=fb.TOKEN, policy=policy)]
        for adapter, state in zip(adapters, (fx, ff), strict=True):
            times = []
            for n in range(20):
                t0 = time.perf_counter()
                publishing.publish(db=db, content=content(n + 1, images), adapter=adapter,
                                   user_id=1)
                times.append((time.perf_counter() - t0) * 1000)
            print(f"{adapter.channel}: 4 photos of {len(images[0].data) // 1024} KB, median "
                  f"{statistics.median(times):.0f} ms, p95 "
                  f"{statistics.quantiles(times, n=20)[-1]:.0f} ms per post; "
                  f"{len(state.calls) / 20:.0f} requests per post; {len(state.posts)} posts")


def main() -> int:
    bench_length()
    with tempfile.TemporaryDirectory() as tmp:
        db = make_engine(f"sqlite:///{tmp}/bench.db")
        migrate(db)
        med = bench_bookkeeping(db)
        images = tuple(ReleaseImage(photo(i), alt=f"photo {i}") for i in range(4))
        bench_channels(db, images)
        db.dispose()
    if med > BOOKKEEPING_TARGET_MS:
        print(f"FAIL: bookkeeping {med:.1f} ms > {BOOKKEEPING_TARGET_MS} ms")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
