"""Personal data blocks a draft and live location asks for review, with exact spans."""

from __future__ import annotations

from tests.text_support import found, run


def test_phone_email_postcode_address_block_with_exact_spans() -> None:
    text = ("Lost jumper? Call Jo on 07700 900123 or email jo.parent@example.com. "
            "It was handed in at 14 Acacia Avenue, Margate CT9 1AB.")
    report = run(text)
    assert report.verdict == "block"
    got = dict((rule, span) for rule, span in found(report, "personal_data"))
    assert got["personal.phone"] == "07700 900123"
    assert got["personal.email"] == "jo.parent@example.com"
    assert got["personal.address"] == "14 Acacia Avenue"
    assert got["personal.postcode"] == "CT9 1AB"
    assert all(f.policy == "4.1" and f.suggestion for f in report.findings)


def test_disguised_phone_number_is_still_found_and_highlighted_as_typed() -> None:
    text = "Ring \uff10\uff17\uff17\uff10\uff10 900123 tonight"  # full-width digits
    report = run(text)
    (finding,) = [f for f in report.findings if f.rule == "personal.phone"]
    assert finding.span is not None
    assert text[finding.span.start : finding.span.end] == finding.span.text
    assert finding.span.text.startswith("\uff10\uff17")


def test_date_of_birth_and_upn_block_but_an_age_does_not() -> None:
    assert found(run("Happy birthday Amelia, born 12/03/2016!"), "personal_data") == [
        ("personal.date-of-birth", "born 12/03/2016")]
    assert found(run("Happy 9th birthday to Amelia!"), "personal_data") == []
    assert found(run("Certificate ref A123456789012"), "personal_data") == [
        ("personal.upn", "A123456789012")]


def test_live_location_asks_for_review_after_the_fact_does_not() -> None:
    report = run("We're at Dane Park until 3pm, come and say hi!")
    assert report.verdict == "review"
    ((rule, span),) = found(report, "personal_data")
    assert rule == "location.live" and span.startswith("We're at Dane Park")
    assert report.findings[0].policy == "4.2"
    assert run("We went to Dane Park on Tuesday and had a brilliant time.").verdict == "pass"


def test_ordinary_notices_pass() -> None:
    for text in ("Sports day is on 12 June at 1.30pm. Year 5 won 12-3!",
                 "Term dates for 2026-27 are on the website.",
                 "Follow us @StMarysPrimary for updates"):
        assert run(text).findings == (), text
