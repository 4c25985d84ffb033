"""Learner names in the forms people really write them, found and highlighted as typed."""

from __future__ import annotations

import pytest

from consent_store.snapshot import StaffRecord
from moderation.text.names import NameIndex, tokenize
from tests.text_support import learner, real_engine, register, run

AMELIA = learner("A100000000001", "Amelia", "Thompson", "first")
LILY = learner("A100000000002", "Lily-May", "O'Brien", "first")
ZOE = learner("A100000000003", "Zoë", "Williams", "first")
SIAN = learner("A100000000004", "Sian", "Evans", "none")
SUMMER = learner("A100000000005", "Summer", "Reid", "none")
GRACE = learner("A100000000006", "Grace", "Hill", "none")
WILL = learner("A100000000007", "Will", "Jones", "none")
FULL = "names.full-name-without-consent"
HOPE = learner("A100000000008", "Hope", "Lee", "none")
JOY = learner("A100000000009", "Joy", "Ahmed", "none")
MARK = learner("A100000000010", "Mark", "Osei", "none")
REG = register(AMELIA, LILY, ZOE, SIAN, SUMMER, GRACE, WILL, HOPE, JOY, MARK,
               staff=(StaffRecord("Mrs", "Sarah", "Patel"),))


def names(text: str, engine=None) -> list[tuple[str, str, str]]:  # noqa: ANN001
    report = run(text, REG, engine)
    out = []
    for f in report.findings:
        if f.check == "learner_name":
            assert f.span is not None and text[f.span.start : f.span.end] == f.span.text
            out.append((f.span.text, f.learner or "", f.rule))
    return out


@pytest.mark.parametrize(
    ("text", "said", "rule"),
    [
        ("Go #AmeliaThompson!", "AmeliaThompson", "names.full-name-without-consent"),
        ("Proud of #ameliathompson today", "ameliathompson", "names.full-name-without-consent"),
        ("#WellDoneAmelia", "Amelia", "names.learner-named"),
        ("Star of the week: Amelia T. in Year 5", "Amelia T.", "names.full-name-without-consent"),
        ("Star of the week:\nAmelia\nThompson", "Amelia\nThompson", FULL),
        ("Winners: Thompson, Amelia", "Thompson, Amelia", "names.full-name-without-consent"),
        ("Amelia_Thompson wins", "Amelia_Thompson", "names.full-name-without-consent"),
        ("Lily May O'Brien sang", "Lily May O'Brien", "names.full-name-without-consent"),
        ("Lily-May OBrien sang", "Lily-May OBrien", "names.full-name-without-consent"),
        ("Zoe Williams and", "Zoe Williams", "names.full-name-without-consent"),
        ("Si\u00e2n read aloud", "Si\u00e2n", "names.no-name-consent"),
        ("Ame\u200blia Thompson", "Ame\u200blia Thompson", FULL),
        ("\u0410melia \u0422hompson", "\u0410melia \u0422hompson", FULL),
        ("\uff21\uff4d\uff45\uff4c\uff49\uff41 Thompson",
         "\uff21\uff4d\uff45\uff4c\uff49\uff41 Thompson", FULL),
    ],
)
def test_written_forms_and_evasions_are_found(text: str, said: str, rule: str) -> None:
    assert (said, rule) in [(s, r) for s, _, r in names(text)]


def test_a_title_and_surname_and_sentence_breaks_are_not_learners() -> None:
    assert names("Mrs Hill from the library visited") == []
    assert names("St Amelia's day") == []
    assert [s for s, _, _ in names("Go Amelia. Thompson family, thank you")] == [
        "Amelia", "Thompson"]  # the family's surname, not the full name across a full stop


NOAH = learner("A100000000011", "Noah", "Clarke", "full", never_publish=True)


@pytest.mark.parametrize(
    ("text", "said", "rule"),
    [
        # issue 11.2: what precedes a learner's name never makes it an adult's
        ("Thanks to Mr Clarke, Noah's dad, for the visit.", "Noah", "names.never-publish"),
        ("Mrs Thompson, Amelia Thompson's mum, baked.", "Amelia Thompson", FULL),
        ("Thanks Miss Amelia Thompson!", "Amelia Thompson", FULL),
        ("Mrs Grace Hill came to read", "Grace Hill", "names.no-name-consent"),
        ("Master Noah has lost a tooth", "Noah", "names.never-publish"),
    ],
)
def test_a_learner_name_after_a_title_keeps_its_consent_rule(text: str, said: str,
                                                               rule: str) -> None:
    report = run(text, register(NOAH, AMELIA, GRACE), None)
    got = [(f.span.text, f.rule) for f in report.findings if f.check == "learner_name" and f.span]
    assert got == [(said, rule)]
    assert report.verdict == "block"


def test_common_word_names_in_lower_case_are_not_names() -> None:
    assert names("by the grace of the weather, this summer we will hope for sun") == []


@pytest.mark.slow
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Well done Summer!", ["Summer"]),
        ("Summer term starts on 3 May.", []),
        ("Summer is finally here!", []),
        ("Grace sang beautifully in assembly.", ["Grace"]),
        ("Will you join us at the fair?", []),
        ("Will scored twice on Saturday.", ["Will"]),
        ("Mark your calendars, Will and Grace.", ["Will", "Grace"]),
        ("Good luck Summer!", ["Summer"]),
        ("Results: 1st Grace, 2nd Will.", ["Grace", "Will"]),
        ("Summer's grandad came to talk to us.", ["Summer"]),
        ("Hope springs eternal: the sunflowers are growing.", []),
        ("Joy all round today as the chicks hatched.", []),
        ("Quotes from Mark Twain decorate the corridor.", []),
    ],
)
def test_common_word_names_are_decided_by_context(text: str, expected: list[str]) -> None:
    assert [s for s, _, _ in names(text, real_engine())] == expected


def test_a_2000_learner_register_finds_the_right_learner() -> None:
    def word(i: int) -> str:  # 0 -> "Aaa", 1999 -> "Cxx": distinct name-like words
        return "".join(chr(97 + (i // 26**k) % 26) for k in (2, 1, 0)).title()

    learners = [learner(f"Z{i:012d}", f"Fi{word(i)}", f"La{word(i)}") for i in range(2000)]
    index = NameIndex.build([*learners, AMELIA])
    text = f"Well done Fi{word(1999)} La{word(1999)} and Amelia!"
    found = [(text[m.start : m.end], m.owners[0].ident, m.owners[0].kind)
             for m in index.find(text, tokenize(text))]
    assert found == [(f"Fi{word(1999)} La{word(1999)}", "Z000000001999", "full"),
                     ("Amelia", "A100000000001", "first")]
