"""Alt text is published, so it goes through the same text checks as the post (issue 11.4).

A finding in an alt text has ``image`` set to the photo's index and its span into that
alt text; every text of a draft (the post and each alt text) is parsed once, together.
"""

from __future__ import annotations

import io
import json

import pytest
from PIL import Image

from moderation.checks.learner_names import LearnerNameCheck
from moderation.checks.person_names import PersonNameCheck
from moderation.checks.personal_data import PersonalDataCheck
from moderation.checks.tone import ToneCheck
from moderation.draft import Draft, DraftImage
from moderation.pipeline import Engine, check, check_many
from tests.conftest import learner, snapshot

ALT = "Amelia Thompson at 14 Acacia Avenue, call 07700 900123"
AMELIA = learner("A123456789012", "Amelia", "Thompson", name_consent="first")


def _text_engine(nlp) -> Engine:  # noqa: ANN001
    return Engine(nlp=nlp, checks=[LearnerNameCheck(), PersonNameCheck(), PersonalDataCheck(),
                                   ToneCheck()])


def _draft(alt: str = ALT, text: str = "Sports day!") -> Draft:
    return Draft.create(text, [DraftImage(b"", alt="A sunny field"), DraftImage(b"", alt=alt)])


def test_alt_text_findings_name_the_photo_and_point_into_the_alt_text(blank_nlp) -> None:
    report = check(_draft(), snapshot(AMELIA), _text_engine(blank_nlp))
    assert report.verdict == "block"
    got = {(f.check, f.rule, f.image, f.span.text if f.span else None) for f in report.findings}
    assert got == {
        ("learner_name", "names.full-name-without-consent", 1, "Amelia Thompson"),
        ("personal_data", "personal.address", 1, "14 Acacia Avenue"),
        ("personal_data", "personal.phone", 1, "07700 900123"),
    }
    for f in report.findings:
        assert f.span is not None and ALT[f.span.start : f.span.end] == f.span.text
        assert f.message.startswith("In the alt text of photo 2: ") and f.policy


def test_a_clean_alt_text_adds_nothing_and_post_findings_have_no_image(blank_nlp) -> None:
    report = check(_draft(alt="Children running", text="Well done Amelia Thompson!"),
                   snapshot(AMELIA), _text_engine(blank_nlp))
    [name] = report.findings
    assert (name.image, name.span and name.span.start) == (None, 10)


class _Spy:
    """A pipeline that counts how texts are parsed."""

    def __init__(self, nlp) -> None:  # noqa: ANN001
        self.nlp, self.calls, self.piped = nlp, 0, []

    def __call__(self, text: str):  # noqa: ANN204
        self.calls += 1
        return self.nlp(text)

    def pipe(self, texts, **kw):  # noqa: ANN001, ANN003, ANN201
        texts = list(texts)
        self.piped.append(texts)
        return self.nlp.pipe(texts, **kw)

    @property
    def vocab(self):  # noqa: ANN201
        return self.nlp.vocab


def test_post_and_alt_texts_are_parsed_once_together(blank_nlp) -> None:
    spy = _Spy(blank_nlp)
    engine = _text_engine(spy)  # type: ignore[arg-type]
    check(_draft(), snapshot(AMELIA), engine)
    assert spy.piped == [["Sports day!", "A sunny field", ALT]] and spy.calls == 0
    spy.piped.clear()
    reports = check_many([_draft(), _draft(alt="x")], snapshot(AMELIA), engine)
    assert spy.piped == [["Sports day!", "A sunny field", ALT, "Sports day!", "A sunny field",
                          "x"]] and spy.calls == 0
    assert [r.verdict for r in reports] == ["block", "pass"]


def _png(path) -> str:  # noqa: ANN001
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 120, 200)).save(buf, "PNG")
    path.write_bytes(buf.getvalue())
    return str(path)


@pytest.mark.slow
def test_cli_blocks_personal_data_in_alt_text(cli_env, tmp_path, capsys) -> None:  # noqa: ANN001
    from secondlook.cli import main
    from tests.conftest import EXAMPLES

    assert main(["register", "import", str(EXAMPLES / "register.csv")]) == 0
    capsys.readouterr()
    code = main(["check", "--text", "Sports day!", "--image", _png(tmp_path / "p.png"),
                 "--alt", ALT, "--channel", "classdojo", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 4 and report["verdict"] == "block"
    in_alt = {(f["check"], f["span"]["text"]) for f in report["findings"] if f["image"] == 0
              and f["span"]}
    assert {("learner_name", "Amelia Thompson"), ("personal_data", "14 Acacia Avenue"),
            ("personal_data", "07700 900123")} <= in_alt
