"""Runs every registered check on a draft, once, and assembles the report.

The engine holds what is expensive (the spaCy model, rule packs, face models)
and is built once per process; a ``CheckContext`` is built per draft and parses
the text once, so no check re-parses.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from spacy.tokens import Doc

from consent_store.snapshot import RegisterSnapshot
from moderation.checks import default_checks
from moderation.checks.base import Check, CheckContext
from moderation.draft import Draft
from moderation.findings import Finding, Severity
from moderation.report import Report
from moderation.resources import Resources

log = logging.getLogger(__name__)


@dataclass
class Engine(Resources):
    """The shared resources and the checks to run (all registered ones by default)."""

    checks: Sequence[Check] | None = None

    def get_checks(self) -> Sequence[Check]:
        if self.checks is None:
            self.checks = default_checks()
        return self.checks


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


def _cited(finding: Finding, engine: Engine) -> Finding:
    """Findings made in code cite the section the policy pack maps their rule to."""
    if finding.policy:
        return finding  # a rule-pack rule names its own section
    return dataclasses.replace(finding, policy=engine.cite(finding.rule))


def check(draft: Draft, register: RegisterSnapshot, engine: Engine | None = None,
          *, doc: Doc | None = None) -> Report:
    engine = engine or Engine()
    ctx = CheckContext(draft, register, engine, doc)
    for chk in engine.get_checks():
        try:
            produced = [_cited(f, engine) for f in chk.run(ctx)]
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
