"""Settings given to the app factory reach every check, with no environment variables."""

from __future__ import annotations

import base64
from pathlib import Path

from fastapi.testclient import TestClient

from consent_store.db import session_scope
from consent_store.models import Learner
from consent_store.templates import add_template
from moderation.rulepack import default_pack_paths
from secondlook.accounts.models import Role
from tests.conftest import TEST_KEY
from tests.face_support import FakeBackend, identity, painted
from tests.web_support import add_user, api_token, make_app

KEY_TEXT = base64.b64encode(TEST_KEY).decode()
STRICTER_CROSS = ("severity: review", "severity: block")


def _school_rules(folder: Path) -> Path:
    """A school's rules folder: the shipped packs with the named-and-pictured rule made stricter
    and a rule of its own."""
    folder.mkdir()
    for pack in default_pack_paths():
        text = pack.read_text(encoding="utf-8")
        if pack.name == "cross.yaml":
            text = text.replace(*STRICTER_CROSS)
        (folder / pack.name).write_text(text, encoding="utf-8")
    (folder / "ours.yaml").write_text(
        "rules:\n  - id: tone.our-word\n    check: tone\n    kind: phrases\n"
        "    severity: block\n    policy: '3'\n    message: '{text} is not our style.'\n"
        "    suggestion: Say it another way.\n    patterns: [ginormous]\n"
        "    examples:\n      match: ['a ginormous cake']\n      no_match: ['a big cake']\n",
        encoding="utf-8")
    return folder


def _client(db, nlp, tmp_path: Path, **settings) -> TestClient:  # noqa: ANN001, ANN003
    with session_scope(db) as s:
        s.add(Learner(upn="A123456789012", first_name="Jayden", last_name="Okafor",
                      year_group="Year 6", name_consent="full", biometric_consent=True,
                      photo_channels="facebook;twitter;classdojo"))
        s.flush()
        # the enrolled face sits 0.3 from the painted face 7 in the photo
        add_template(session=s, upn="A123456789012", encoding=identity(7, 0.3), photo=b"ref",
                     key=TEST_KEY)
    app = make_app(db, nlp, home=tmp_path, data_key=KEY_TEXT, face_workers=1, **settings)
    app.state.moderation.services["face-backend"] = FakeBackend()
    # an admin: the report shows authors no UPNs, and these tests read the matched UPN
    token = api_token(db, add_user(db, "script", Role.ADMIN))
    return TestClient(app, headers={"Authorization": f"Bearer {token}"})


def _check(client: TestClient, text: str) -> dict:
    photo = base64.b64encode(painted((200, 150), [(7, 40, 60, 50)])).decode()
    resp = client.post("/api/check", json={"text": text, "channels": ["facebook"], "images": [
        {"data_base64": photo, "alt": "The relay team"}]})
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_a_face_threshold_given_to_the_app_decides_the_match(sqlite_db, blank_nlp,
                                                            tmp_path) -> None:  # noqa: ANN001
    loose = _check(_client(sqlite_db, blank_nlp, tmp_path, face_match_threshold=0.45), "Hi")
    assert loose["images"][0]["faces"][0]["learner"] == "A123456789012"


def test_a_stricter_threshold_given_to_the_app_makes_the_face_unknown(
        sqlite_db, blank_nlp, tmp_path) -> None:  # noqa: ANN001
    strict = _check(_client(sqlite_db, blank_nlp, tmp_path, face_match_threshold=0.25), "Hi")
    face = strict["images"][0]["faces"][0]
    assert face["learner"] is None and face["consent"] == "unknown"


def test_a_rules_folder_given_to_the_app_replaces_the_shipped_packs(
        sqlite_db, blank_nlp, tmp_path) -> None:  # noqa: ANN001
    rules = _school_rules(tmp_path / "rules")
    report = _check(_client(sqlite_db, blank_nlp, tmp_path, rules_dir=rules),
                    "Well done Jayden Okafor on a ginormous effort!")
    by_rule = {f["rule"]: f for f in report["findings"]}
    assert by_rule["tone.our-word"]["severity"] == "block"
    assert by_rule["cross.named-and-pictured"]["severity"] == "block"
    assert report["verdict"] == "block"


def test_face_matching_turned_off_in_the_settings_leaves_every_face_to_a_person(
        sqlite_db, blank_nlp, tmp_path) -> None:  # noqa: ANN001
    report = _check(_client(sqlite_db, blank_nlp, tmp_path, face_matching=False), "Hi")
    face = report["images"][0]["faces"][0]
    assert face["learner"] is None and face["consent"] == "unknown"
    [finding] = [f for f in report["findings"] if f["check"] == "face"]
    assert finding["rule"] == "faces.unidentified" and "turned off" in finding["message"]
    assert report["verdict"] == "review"
