"""Rule packs: the shipped packs load, and a broken pack says file:line, rule and reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from moderation.rulepack import RulePackError, load_pack, load_rules
from tests.conftest import ROOT

GOOD = """\
rules:
  - id: tone.example
    check: tone
    kind: phrases
    severity: review
    policy: "3"
    message: "{text} is not nice."
    suggestion: Rephrase it.
    patterns: [nasty thing]
    examples:
      match: ["a nasty thing"]
      no_match: ["a nice thing"]
"""


def _pack(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "school.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_packs_load_with_unique_ids_and_policy_sections() -> None:
    rules = load_rules()
    assert {r.check for r in rules} >= {"personal_data", "tone"}
    assert {r.policy for r in rules if r.check == "tone"} == {"3"}
    assert {r.policy for r in rules if r.check == "personal_data"} == {"4.1", "4.2"}
    assert {r.policy for r in rules if r.id.startswith("location.")} == {"4.2"}
    assert len({r.id for r in rules}) == len(rules)


def test_a_school_can_add_a_rule_without_code(tmp_path: Path) -> None:
    (rule,) = load_pack(_pack(tmp_path, GOOD))
    assert rule.id == "tone.example" and rule.severity == "review"
    assert rule.render(text="a nasty thing") == "a nasty thing is not nice."


@pytest.mark.parametrize(
    ("change", "line", "reason"),
    [
        (("severity: review", "severity: severe"), 5, "severity 'severe' is not one of"),
        (("kind: phrases", "kind: magic"), 4, "kind 'magic' is not one of"),
        (("check: tone", "check: mood"), 3, "check 'mood' is not one of"),
        (("    suggestion: Rephrase it.\n", ""), 2, "missing suggestion"),
        (("patterns: [nasty thing]", "patterns: []"), 9, "'patterns' must be a non-empty list"),
        (('no_match: ["a nice thing"]', "no_match: []"), 10, "at least one 'match' and one"),
        (("kind: phrases", "kind: regex"), 0, None),  # a valid regex: no error
        (("patterns: [nasty thing]", "patterns: [x]\n    kind2: x"), 10, "unknown field 'kind2'"),
        (("message: \"{text} is not nice.\"", "message: \"{who} is not nice.\""), 7,
         "placeholder"),
        (("patterns: [nasty thing]", "patterns: [nasty thing]\n    suffixes: [s, off]"), 10,
         "quote words like 'off'"),
    ],
)
def test_broken_pack_names_file_line_rule_and_reason(
    tmp_path: Path, change: tuple[str, str], line: int, reason: str | None
) -> None:
    path = _pack(tmp_path, GOOD.replace(*change))
    if reason is None:
        assert load_pack(path)[0].kind == "regex"
        return
    with pytest.raises(RulePackError) as err:
        load_pack(path)
    message = str(err.value)
    assert message.startswith(f"{path}:{line}: rule 'tone.example': ")
    assert reason in message


def test_bad_regex_and_bad_spacy_pattern_are_reported(tmp_path: Path) -> None:
    bad_regex = GOOD.replace("kind: phrases", "kind: regex").replace(
        "[nasty thing]", "['(unclosed']")
    where = r"school.yaml:9: rule 'tone.example': regex '\(unclosed"
    with pytest.raises(RulePackError, match=where):
        load_pack(_pack(tmp_path, bad_regex))
    bad_tokens = GOOD.replace("kind: phrases", "kind: tokens").replace(
        "[nasty thing]", "[[{LOWR: nasty}]]")
    with pytest.raises(RulePackError, match="invalid tokens pattern.*LOWR"):
        load_pack(_pack(tmp_path, bad_tokens))


def test_invalid_yaml_and_duplicate_ids_are_reported(tmp_path: Path) -> None:
    with pytest.raises(RulePackError, match=r"school.yaml:\d+: not valid YAML"):
        load_pack(_pack(tmp_path, GOOD + "  - id: [unclosed\n"))
    first = _pack(tmp_path, GOOD)
    second = tmp_path / "second.yaml"
    second.write_text(GOOD, encoding="utf-8")
    with pytest.raises(RulePackError, match="already used at .*school.yaml:2"):
        load_rules([first, second])


def test_a_school_rules_folder_replaces_the_shipped_packs(tmp_path: Path) -> None:
    from moderation.draft import Draft
    from moderation.options import CheckOptions
    from moderation.pipeline import check
    from tests.text_support import blank_engine, register

    _pack(tmp_path, GOOD.replace("severity: review", "severity: block"))
    engine = blank_engine()
    engine.options = CheckOptions(rules_dir=tmp_path)  # what SECONDLOOK_RULES_DIR becomes
    report = check(Draft.create("What a nasty thing to say."), register(), engine)
    assert [(f.rule, f.severity) for f in report.findings] == [("tone.example", "block")]
    assert report.findings[0].span is not None
    assert report.findings[0].span.text == "nasty thing"


def test_every_shipped_rule_cites_a_section_of_the_policy() -> None:
    import re

    from moderation.rulepack import load_rulebook

    rules, policy = load_rulebook()
    assert {r.id: r.policy for r in rules if r.policy not in policy.sections} == {}
    # The rules written in code (names, people, faces, images, channels, accessibility)
    # are cited by the policy pack: every rule id the code can emit resolves to a section.
    code = "".join(p.read_text(encoding="utf-8") for p in ROOT.glob("moderation/checks/*.py"))
    ids = set(re.findall(
        r"[\"'](?:f)?((?:names|people|faces|image|channel|accessibility)\.[a-z{}.-]+)[\"']", code))
    assert len(ids) >= 15
    assert {i: policy.cite(i) for i in ids if policy.cite(i) not in policy.sections} == {}
    # The school's policy: tone is section 3, images, consent and approval 5, links with
    # other policies 2; DESIGN.md's report example: a learner named beyond consent, 4.1.
    assert policy.sections["3"].startswith("Staff must not post anything that is threatening")
    assert policy.sections["2"].startswith("Links with other policies")
    assert (policy.cite("names.full-name-without-consent"), policy.cite("names.never-publish"),
            policy.cite("faces.no-photo-consent"), policy.cite("image.gps-location"),
            policy.cite("channel.twitter.text-too-long")) == ("4.1", "4.1", "5", "4.2", "1")


POLICY = """\
policy:
  title: Our policy
  sections:
    "9": Names and images only with consent.
    "10": Nothing unkind.
  cites:
    names: "9"
    people: "9"
"""


def test_a_school_with_another_policy_changes_data_not_code(tmp_path: Path) -> None:
    from moderation.draft import Draft
    from moderation.options import CheckOptions
    from moderation.pipeline import check
    from tests.text_support import blank_engine, learner, register

    _pack(tmp_path, GOOD.replace('policy: "3"', 'policy: "10"'))
    (tmp_path / "policy.yaml").write_text(POLICY, encoding="utf-8")
    engine = blank_engine()
    engine.options = CheckOptions(rules_dir=tmp_path)
    amelia = learner("A123456789012", "Amelia", "Thompson", consent="first")
    report = check(Draft.create("Amelia Thompson said a nasty thing."), register(amelia), engine)
    assert {(f.rule, f.policy) for f in report.findings} == {
        ("names.full-name-without-consent", "9"), ("tone.example", "10")}


def test_a_citation_of_a_missing_section_is_refused_with_file_and_line(tmp_path: Path) -> None:
    from moderation.rulepack import load_rulebook

    rule = _pack(tmp_path, GOOD)  # cites "3", which this school's policy does not have
    (tmp_path / "policy.yaml").write_text(POLICY, encoding="utf-8")
    with pytest.raises(RulePackError, match=r"school.yaml:6: rule 'tone.example': policy "
                       r"section '3' is not one of the sections of .*policy.yaml \(9, 10\)"):
        load_rulebook([tmp_path / "policy.yaml", rule])
    (tmp_path / "policy.yaml").write_text(POLICY.replace('names: "9"', 'names: "4.1"'))
    with pytest.raises(RulePackError, match=r"policy.yaml:7: policy: 'names' cites section "
                       r"'4.1', which is not one of the sections"):
        load_rulebook([tmp_path / "policy.yaml"])
