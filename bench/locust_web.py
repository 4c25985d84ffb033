"""The load for bench_web.py: authors drafting with the live check, approvers approving."""

from __future__ import annotations

import itertools
import json
import os
import random
import re

from locust import HttpUser, between, events, task

PASSWORD = "bench password 123"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
SHA = re.compile(r'name="content_sha256" value="([0-9a-f]{64})"')
DRAFT_LINK = re.compile(r'href="/drafts/(\d+)"')
TEXTS = ["Well done to Year 5 for a brilliant sports day!",
         "Our reading week starts on Monday: bring a favourite book.",
         "Thank you to everyone who came to the harvest festival.",
         "The science fair was a great success, well done Amelia!"]
_authors = itertools.count()
_approvers = itertools.count()
_timings: list[tuple[str, float]] = []  # (request name, ms) once every user has signed in


@events.spawning_complete.add_listener
def _start_measuring(user_count: int, **_kw: object) -> None:
    _timings.clear()


@events.request.add_listener
def _record(name: str, response_time: float, exception: object = None, **_kw: object) -> None:
    _timings.append((name, response_time))


@events.quitting.add_listener
def _save(**_kw: object) -> None:
    out = os.environ.get("BENCH_WEB_TIMINGS")
    if out:
        with open(out, "w") as f:
            json.dump(_timings, f)


class Staff(HttpUser):
    abstract = True
    # A person reads the page or types between actions; the live check fires after a pause.
    wait_time = between(1.0, 4.0)
    username = ""

    def on_start(self) -> None:
        page = self.client.get("/login", name="login page")
        token = CSRF.search(page.text).group(1)
        self.client.post("/login", name="sign in", data={
            "csrf_token": token, "username": self.username, "password": PASSWORD})
        self.csrf = CSRF.search(self.client.get("/", name="start page").text).group(1)


class Author(Staff):
    weight = 4

    def on_start(self) -> None:
        self.username = f"author{next(_authors) % 40}"
        super().on_start()

    @task(6)
    def type_and_check(self) -> None:
        text = random.choice(TEXTS)
        for cut in (len(text) // 2, len(text)):  # the check as the author types
            self.client.post("/drafts/check", name="live check", headers={
                "X-CSRF-Token": self.csrf, "HX-Request": "true"},
                data={"text": text[:cut], "channels": ["facebook", "classdojo"]})

    @task(2)
    def write_and_submit(self) -> None:
        self.client.get("/drafts/new", name="new post page")
        resp = self.client.post("/drafts", name="save draft", data={
            "csrf_token": self.csrf, "text": random.choice(TEXTS[:3]),
            "channels": ["facebook", "classdojo"]})
        draft = resp.url.rsplit("/", 1)[-1]
        if draft.isdigit():
            self.client.post(f"/drafts/{draft}/submit", name="submit",
                             data={"csrf_token": self.csrf})

    @task(3)
    def my_work(self) -> None:
        self.client.get("/", name="start page")


class Approver(Staff):
    weight = 1

    def on_start(self) -> None:
        self.username = f"approver{next(_approvers) % 10}"
        super().on_start()

    @task
    def approve_one(self) -> None:
        start = self.client.get("/", name="start page")
        ids = DRAFT_LINK.findall(start.text)
        if not ids:
            return
        draft = random.choice(ids[:20])
        page = self.client.get(f"/drafts/{draft}", name="draft page")
        sha = SHA.search(page.text)
        if not sha:
            return
        with self.client.post(f"/drafts/{draft}/approve", name="approve", catch_response=True,
                              data={"csrf_token": self.csrf, "content_sha256": sha.group(1)}
                              ) as resp:
            if resp.status_code == 409:  # a colleague approved it a moment before
                resp.success()
