"""The server's Prometheus metrics (prometheus-client), as ``GET /metrics`` serves them.

Measured in each process:

- ``secondlook_http_request_duration_seconds{method, route, status}``: every request, by
  its route *template* (``/drafts/{draft_id}``), never the path as sent;
- ``secondlook_check_duration_seconds{check}``: each check of a draft (``face``,
  ``learner_name``...), whoever asked for it.

Read from the database at each scrape (the same whichever process answers;
``secondlook.release.figures``):

- ``secondlook_jobs_waiting{kind}``: background work not done yet (scheduled releases,
  channels waiting for their next try, releases running);
- ``secondlook_scheduled_releases{state}``: scheduled releases by outcome;
- ``secondlook_channel_posts{channel, state}``: publications by outcome;
- ``secondlook_releases_in_doubt``: publications that may or may not be online;
- ``secondlook_background_jobs{task, state}``: the job queue's depth (``todo``, ``doing``)
  and outcomes (``succeeded``, ``failed``) by task (``release_draft``...).

No label carries a learner, a draft, a text or an address. With several server processes
(``secondlook serve --workers N``) prometheus-client's multiprocess mode adds up every
process's figures: ``serve`` points ``PROMETHEUS_MULTIPROC_DIR`` at a folder under
``SECONDLOOK_HOME`` before any worker starts.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.engine import Engine as DbEngine

log = logging.getLogger(__name__)
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

REQUEST_SECONDS = Histogram(
    "secondlook_http_request_duration_seconds", "Time to answer a request, by route template",
    ["method", "route", "status"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 2.5, 5, 10, 30),
)
CHECK_SECONDS = Histogram(
    "secondlook_check_duration_seconds", "Time one check took on one draft (or alt text)",
    ["check"], buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    REQUEST_SECONDS.labels(method, route, str(status)).observe(seconds)


def observe_check(check: str, seconds: float) -> None:
    CHECK_SECONDS.labels(check).observe(seconds)


class ReleaseCollector(Collector):
    """The release's figures, read from the database when scraped."""

    def __init__(self, db: DbEngine) -> None:
        self.db = db

    def collect(self) -> Iterator[Metric]:
        from secondlook.release.figures import release_figures

        try:
            figures = release_figures(self.db)
        except Exception:  # noqa: BLE001 - the process metrics still answer
            log.warning("metrics: the release figures could not be read", exc_info=True)
            return
        waiting = GaugeMetricFamily("secondlook_jobs_waiting",
                                    "Background work not done yet, by kind", labels=["kind"])
        for kind, n in sorted(figures.jobs_waiting.items()):
            waiting.add_metric([kind], n)
        schedules = GaugeMetricFamily("secondlook_scheduled_releases",
                                      "Scheduled releases by state", labels=["state"])
        for state, n in sorted(figures.schedules.items()):
            schedules.add_metric([state], n)
        posts = GaugeMetricFamily("secondlook_channel_posts",
                                  "Publications by channel and outcome",
                                  labels=["channel", "state"])
        for (channel, state), n in sorted(figures.posts.items()):
            posts.add_metric([channel, state], n)
        yield from (waiting, schedules, posts)
        yield GaugeMetricFamily("secondlook_releases_in_doubt",
                                "Publications that may or may not be online: a person must look",
                                value=figures.in_doubt)
        yield from self._jobs()

    def _jobs(self) -> Iterator[Metric]:
        from secondlook.jobs.running import by_task

        try:
            counts = by_task(self.db)
        except Exception:  # noqa: BLE001 - the other figures still answer
            log.warning("metrics: the job figures could not be read", exc_info=True)
            return
        jobs = GaugeMetricFamily("secondlook_background_jobs",
                                 "Background jobs by task and state (todo and doing: the "
                                 "queue's depth; succeeded and failed: outcomes)",
                                 labels=["task", "state"])
        for (task, state), n in sorted(counts.items()):
            jobs.add_metric([task, state], n)
        yield jobs


def exposition(db: DbEngine) -> bytes:
    """The text exposition: every process's figures (multiprocess mode) or this one's,
    then the database's."""
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        own = generate_latest(registry)
    else:
        own = generate_latest(REGISTRY)
    shared = CollectorRegistry(auto_describe=False)
    shared.register(ReleaseCollector(db))
    return own + generate_latest(shared)


def process_stopped() -> None:
    """In multiprocess mode, this process's live gauges stop counting (its counters and
    histograms stay in the sums, as they should)."""
    if os.environ.get(MULTIPROC_ENV):
        multiprocess.mark_process_dead(os.getpid())
