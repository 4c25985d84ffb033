"""`register enrol`, `register calibrate`, then `check --image`, as a school runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from secondlook.cli import main
from tests.conftest import EXAMPLES

FIXTURES = Path(__file__).parent / "fixtures" / "faces"
AMELIA = "A123456789012"  # biometric consent yes, photo consent Class Dojo only
JAYDEN = "B234567890123"  # biometric consent yes, photo consent all channels


@pytest.fixture
def register(cli_env, capsys, monkeypatch):  # noqa: ANN001, ANN201
    monkeypatch.setenv("SECONDLOOK_FACE_WORKERS", "1")
    assert main(["register", "import", str(EXAMPLES / "register.csv")]) == 0
    capsys.readouterr()
    return cli_env


def test_enrol_refuses_a_learner_not_in_the_register(register, capsys) -> None:  # noqa: ANN001
    assert main(["register", "enrol", "Z000000000000", str(FIXTURES / "obama.jpg")]) == 1
    err = capsys.readouterr().err
    assert "Z000000000000" in err and "not in the register" in err and "Traceback" not in err


def test_enrol_refuses_a_missing_photo_file(register, capsys, tmp_path) -> None:  # noqa: ANN001
    assert main(["register", "enrol", AMELIA, str(tmp_path / "nope.jpg")]) == 1
    assert "nope.jpg: cannot read the photo" in capsys.readouterr().err


def test_calibrate_with_nobody_enrolled_says_what_to_do(register, capsys) -> None:  # noqa: ANN001
    assert main(["register", "calibrate"]) == 0
    assert "not enough data" in capsys.readouterr().out


@pytest.mark.slow
def test_enrol_calibrate_and_check_a_group_photo(register, capsys) -> None:  # noqa: ANN001
    # Adults stand in for learners: never photos of children in tests.
    faces = [str(FIXTURES / n) for n in ("obama.jpg", "obama2.jpg")]
    assert main(["register", "enrol", AMELIA, *faces]) == 0
    assert "Enrolled 2 reference photo(s)" in capsys.readouterr().out
    assert main(["register", "enrol", JAYDEN, str(FIXTURES / "biden.jpg")]) == 0
    assert main(["register", "enrol", JAYDEN, str(FIXTURES / "obama_and_biden.jpg")]) == 1
    assert "3 faces were found" in capsys.readouterr().err
    assert main(["register", "calibrate"]) == 0
    out = capsys.readouterr().out
    assert "Same learner, pairs of templates: 1" in out and "Recommended:" in out
    code = main(["check", "--text", "Sports day", "--image", str(FIXTURES / "obama_and_biden.jpg"),
                 "--alt", "Three people", "--channel", "facebook", "--json"])
    report = json.loads(capsys.readouterr().out)
    faces_seen = {f["learner"]: f["consent"] for f in report["images"][0]["faces"]}
    assert faces_seen == {AMELIA: "refused", JAYDEN: "granted", None: "unknown"}
    assert code == 4 and report["verdict"] == "block"
