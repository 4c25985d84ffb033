"""Runs every registered check on a draft, once, and assembles the report.

The engine holds what is expensive (the spaCy model, rule packs, face models)
and is built once per process; a ``CheckContext`` is built per draft and parses
the text once, so no check re-parses.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from spacy.tokens import Doc

from consent_store.snapshot import RegisterSnapshot
from moderation.checks import default_checks
from moderation.checks.base import Check, CheckContext
from moderation.draft import Draft
from moderation.face_decisions import FaceDecision
from moderation.findings import Finding, Severity
from moderation.report import Report
from moderation.resources import Resources

log = logging.getLogger(__name__)


@dataclass
class Engine(Resources):
    """The shared resources and the checks to run (all registered ones by default)."""

    checks: Sequence[Check] | None = None
    #: told each check's name and how long it ran (seconds), e.g. for the server's metrics
    on_check_timed: Callable[[str, float], None] | None = None

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


def texts_of(draft: Draft) -> list[str]:
    """What is published as text, in parse order: the post, then each photo's alt text."""
    return [draft.text, *(img.alt for img in draft.images)]


def _run(chk: Check, ctx: CheckContext, engine: Engine) -> list[Finding]:
    started = time.perf_counter()
    try:
        return [_cited(f, engine) for f in chk.run(ctx)]
    except Exception as exc:  # noqa: BLE001 - any failure must fail closed
        log.exception("check %s failed", chk.name)
        return [crash_finding(chk.name, exc)]
    finally:
        if engine.on_check_timed is not None:
            engine.on_check_timed(chk.name, time.perf_counter() - started)


def _parse_all(draft: Draft, engine: Engine) -> list[Doc | None]:
    """One parse per text, all texts of the draft in one ``nlp.pipe`` call.

    A model that cannot load leaves the parses to the checks, which then fail closed.
    """
    try:
        return list(engine.get_nlp().pipe(texts_of(draft)))
    except Exception:  # noqa: BLE001 - reported per check by check()
        log.exception("parse failed; the text checks will report it")
        return [None] * (1 + len(draft.images))


def _alt_contexts(draft: Draft, register: RegisterSnapshot, engine: Engine,
                  docs: Sequence[Doc | None]) -> list[tuple[int, CheckContext]]:
    """A context per photo with alt text: the alt text is published, so it is checked."""
    out = []
    for index, image in enumerate(draft.images):
        if image.alt.strip():
            alt = Draft(text=image.alt, channels=draft.channels)
            out.append((index, CheckContext(alt, register, engine, docs[index + 1])))
    return out


def _in_alt_text(finding: Finding, index: int) -> Finding:
    """A finding of an alt text names its photo; its span is into that alt text."""
    return dataclasses.replace(finding, image=index,
                               message=f"In the alt text of photo {index + 1}: {finding.message}")


def check(draft: Draft, register: RegisterSnapshot, engine: Engine | None = None,
          *, doc: Doc | None = None, docs: Sequence[Doc | None] | None = None,
          face_decisions: Mapping[str, Sequence[FaceDecision]] | None = None,
          skip: frozenset[str] = frozenset()) -> Report:
    """The report of one draft. ``docs``: the parses of ``texts_of(draft)``, made ahead;
    ``face_decisions``: what people decided about faces, by photo SHA-256; ``skip``: names
    of checks not to run (the caller answers for what they would have found)."""
    engine = engine or Engine()
    if docs is None:
        has_alt = any(img.alt.strip() for img in draft.images)
        docs = _parse_all(draft, engine) if has_alt and doc is None else [doc] + [None] * len(
            draft.images)
    ctx = CheckContext(draft, register, engine, docs[0], face_decisions)
    alts = _alt_contexts(draft, register, engine, docs)
    for chk in engine.get_checks():
        if chk.name in skip:
            continue
        produced = _run(chk, ctx, engine)
        if getattr(chk, "reads_text", False):
            for index, alt_ctx in alts:
                found = _run(chk, alt_ctx, engine)
                alt_ctx.findings.extend(found)  # what later text checks of that alt text read
                produced += [_in_alt_text(f, index) for f in found]
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
    """Reports for many drafts, the texts (posts and alt texts) parsed together (``nlp.pipe``).

    If the model cannot parse (not installed, say), each draft is checked on its
    own so that every text check fails closed as usual.
    """
    texts = [texts_of(d) for d in drafts]
    try:
        flat = iter(engine.get_nlp().pipe((t for group in texts for t in group),
                                          batch_size=batch_size))
        docs: list[list[Doc | None]] = [[next(flat) for _ in group] for group in texts]
    except Exception:  # noqa: BLE001 - reported per check by check()
        log.exception("batch parse failed; checking drafts one by one")
        docs = [[None] * len(group) for group in texts]
    return [check(d, register, engine, docs=ds) for d, ds in zip(drafts, docs, strict=True)]
