"""The report as the pages show it: marked words, face boxes and one-click fixes."""

from __future__ import annotations

from web.draft_render import face_boxes, fixes_for, highlight
from web.formatting import age


def _finding(start: int, end: int, severity: str, **kw) -> dict:  # noqa: ANN003
    return {"check": "learner_name", "severity": severity, "rule": "r", "message": "m",
            "span": {"start": start, "end": end, "text": ""}, "image": None, "face": None, **kw}


def test_highlight_marks_exactly_the_flagged_words() -> None:
    text = "Well done Amelia Thompson!"
    segments = highlight(text, [_finding(10, 25, "block")])
    assert [(s.text, s.severity, s.findings) for s in segments] == [
        ("Well done ", None, []), ("Amelia Thompson", "block", [1]), ("!", None, [])]
    assert "".join(s.text for s in segments) == text


def test_overlapping_spans_take_the_worst_severity_and_list_both_findings() -> None:
    text = "Councillor Smith lied to parents."
    segments = highlight(text, [_finding(0, 16, "info"), _finding(0, 33, "review")])
    assert [(s.text, s.severity, s.findings) for s in segments] == [
        ("Councillor Smith", "review", [1, 2]), (" lied to parents.", "review", [2])]


def test_spans_outside_the_text_are_ignored_rather_than_breaking_the_page() -> None:
    segments = highlight("short", [_finding(3, 99, "block"), {"severity": "info", "span": None}])
    assert [s.text for s in segments] == ["short"] and segments[0].severity is None


def test_an_alt_text_finding_is_not_marked_in_the_post_text() -> None:
    text = "Well done Amelia Thompson!"
    in_alt = _finding(10, 25, "block", image=0)  # its span is into photo 1's alt text
    cross = _finding(10, 25, "review", check="cross", image=0)  # the name in the post
    segments = highlight(text, [in_alt, cross])
    assert [(s.text, s.findings) for s in segments if s.findings] == [("Amelia Thompson", [2])]


REPORT = {
    "findings": [
        {"check": "face", "severity": "block", "rule": "faces.no-consent", "image": 0, "face": 1},
        {"check": "channel", "severity": "block", "rule": "channel.twitter.text-too-long",
         "image": None, "face": None},
        {"check": "face", "severity": "info", "rule": "faces.consent-granted", "image": 0,
         "face": 0},
    ],
    "images": [{"index": 0, "width": 400, "height": 300, "faces": [
        {"box": {"top": 10, "right": 60, "bottom": 50, "left": 20}, "consent": "granted",
         "learner": "B234567890123",
         "channels": {"facebook": "granted", "twitter": "granted"}},
        {"box": {"top": 100, "right": 300, "bottom": 180, "left": 220}, "consent": "refused",
         "learner": "A123456789012",
         "channels": {"facebook": "refused", "twitter": "granted"}},
    ]}],
}


def test_face_boxes_in_image_pixels_with_their_findings() -> None:
    boxes = face_boxes(REPORT, 0)
    assert [(b.x, b.y, b.width, b.height, b.consent, b.findings) for b in boxes] == [
        (20, 10, 40, 40, "granted", (3,)), (220, 100, 80, 80, "refused", (1,))]
    assert face_boxes(REPORT, 5) == []


def test_fixes_offered_for_a_face_without_consent_on_one_channel() -> None:
    fixes = fixes_for(REPORT["findings"][0], REPORT, ["facebook", "twitter"])
    assert [(f.kind, f.image, f.face, f.channel) for f in fixes] == [
        ("blur-face", 0, 1, None), ("drop-channel", None, None, "facebook")]


def test_no_drop_channel_fix_when_it_is_the_only_channel_or_for_info() -> None:
    assert [f.kind for f in fixes_for(REPORT["findings"][0], REPORT, ["facebook"])] == [
        "blur-face"]
    assert fixes_for(REPORT["findings"][1], REPORT, ["twitter"]) == []
    assert [f.channel for f in fixes_for(REPORT["findings"][1], REPORT,
                                         ["facebook", "twitter"])] == ["twitter"]
    # A consented face may still be blurred (the author's choice), but needs no other fix
    assert [f.kind for f in fixes_for(REPORT["findings"][2], REPORT, ["facebook", "twitter"])
            ] == ["blur-face"]


def test_each_face_has_its_decisions_and_a_decided_face_its_undo() -> None:
    unknown = {"box": {"top": 0, "right": 9, "bottom": 9, "left": 0}, "learner": None,
               "consent": "unknown", "channels": {"facebook": "unknown"}}
    report = {"images": [{"index": 0, "faces": [
        unknown, {**unknown, "decision": "blurred"}, {**unknown, "decision": "not_learner"},
        {**unknown, "decision": "identified", "learner": "A123456789012"}]}]}

    def fixes(face: int) -> list[tuple[str, str, str]]:
        finding = {"check": "face", "severity": "review", "image": 0, "face": face}
        return [(f.kind, f.label, f.needs) for f in fixes_for(finding, report, ["facebook"])]

    assert fixes(0) == [("blur-face", "Blur face 1", "edit"),
                        ("not-learner", "Face 1 is not a learner (an adult or a visitor)",
                         "edit")]
    assert fixes(1) == [("undo-face", "Undo the blur of face 2", "edit")]
    assert fixes(2) == [("undo-face", "Take back “not a learner” for face 3", "edit")]
    assert fixes(3) == [("undo-face", "Take back who face 4 is", "identify")]


def test_ages_read_naturally() -> None:
    from datetime import timedelta

    assert age(timedelta(seconds=20)) == "just now"
    assert age(timedelta(minutes=5)) == "5 min"
    assert age(timedelta(hours=1, minutes=5)) == "1 hour"
    assert age(timedelta(days=3)) == "3 days"
