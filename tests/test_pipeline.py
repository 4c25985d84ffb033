"""The pipeline fails closed and produces the report of DESIGN.md."""

from __future__ import annotations

import json

from moderation.checks.learner_names import LearnerNameCheck
from moderation.draft import Draft, DraftImage
from moderation.findings import Finding, Severity
from moderation.pipeline import Engine, check
from tests.conftest import learner, snapshot


class Exploding:
    name = "tone"

    def run(self, ctx):  # noqa: ANN001, ANN201
        raise RuntimeError("rule pack missing")


class CountsParses:
    name = "personal_data"

    def __init__(self) -> None:
        self.docs: list[int] = []

    def run(self, ctx):  # noqa: ANN001, ANN201
        self.docs.append(id(ctx.doc))
        self.docs.append(id(ctx.doc))
        return []


def test_a_crashing_check_makes_the_draft_need_review_not_pass(blank_nlp) -> None:
    engine = Engine(nlp=blank_nlp, checks=[Exploding()])
    report = check(Draft.create("Lovely day at the farm"), snapshot(), engine)
    assert report.verdict == "review"
    (f,) = report.findings
    assert f.check == "tone" and f.rule == "tone.check-failed"
    assert "rule pack missing" in f.message


def test_a_missing_model_fails_closed_for_checks_that_need_it() -> None:
    engine = Engine(model_name="no_such_model_installed", checks=[CountsParses()])
    report = check(Draft.create("Hello"), snapshot(), engine)
    assert report.verdict == "review"
    assert "no_such_model_installed" in report.findings[0].message


def test_the_text_is_parsed_once_per_draft_and_shared(blank_nlp) -> None:
    a, b = CountsParses(), CountsParses()
    check(Draft.create("Hello"), snapshot(), Engine(nlp=blank_nlp, checks=[a, b]))
    assert len(set(a.docs + b.docs)) == 1


def test_report_json_has_the_contract_fields(engine) -> None:
    reg = snapshot(learner("A123456789012", "Amelia", "Thompson"))
    report = check(Draft.create("Amelia Thompson", channels=["facebook"]), reg, engine)
    data = json.loads(json.dumps(report.to_dict()))
    assert set(data) == {"verdict", "content_sha256", "channels", "findings", "images"}
    assert data["channels"] == ["facebook"] and data["verdict"] == "block"
    assert set(data["findings"][0]) == {"check", "severity", "rule", "message", "policy",
                                        "suggestion", "span", "learner", "image", "face"}


def test_same_inputs_same_report(engine) -> None:
    reg = snapshot(learner("A123456789012", "Amelia", "Thompson"))
    draft = Draft.create("Amelia and Amelia Thompson", channels=["twitter"])
    assert check(draft, reg, engine).to_dict() == check(draft, reg, engine).to_dict()


def test_content_hash_changes_with_any_published_part() -> None:
    base = Draft.create("Hi", [DraftImage(b"x", alt="a")], ["facebook"])
    variants = [
        Draft.create("Hi!", [DraftImage(b"x", alt="a")], ["facebook"]),
        Draft.create("Hi", [DraftImage(b"y", alt="a")], ["facebook"]),
        Draft.create("Hi", [DraftImage(b"x", alt="b")], ["facebook"]),
        Draft.create("Hi", [DraftImage(b"x", alt="a")], ["facebook", "twitter"]),
    ]
    hashes = {base.content_sha256()} | {v.content_sha256() for v in variants}
    assert len(hashes) == 5


def test_verdict_is_the_highest_severity(blank_nlp) -> None:
    class Fixed:
        name = "channel"

        def __init__(self, *sev: Severity) -> None:
            self.sev = sev

        def run(self, ctx):  # noqa: ANN001, ANN201
            return [Finding("channel", s, "r", "m", "", "") for s in self.sev]

    for sevs, verdict in [((), "pass"), ((Severity.INFO,), "pass"),
                          ((Severity.INFO, Severity.REVIEW), "review"),
                          ((Severity.REVIEW, Severity.BLOCK, Severity.INFO), "block")]:
        engine = Engine(nlp=blank_nlp, checks=[Fixed(*sevs), LearnerNameCheck()])
        assert check(Draft.create("x"), snapshot(), engine).verdict == verdict


def test_check_many_gives_the_same_reports_as_checking_one_by_one(engine) -> None:
    from moderation.pipeline import check_many

    reg = snapshot(learner("A123456789012", "Amelia", "Thompson"))
    drafts = [Draft.create(t) for t in ("Amelia Thompson won", "Fine weather", "amelia's cake")]
    assert [r.to_dict() for r in check_many(drafts, reg, engine)] == [
        check(d, reg, engine).to_dict() for d in drafts]
