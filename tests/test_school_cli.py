"""The CLI for a trust: `school add` and `school list`, and `--school` on the commands that
act on one school's register (the first school by default, as before schools existed)."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session, select

from consent_store.db import make_engine
from consent_store.models import Learner
from consent_store.scope import use_school
from secondlook.cli import main

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _learners(url: str, school_id: int) -> list[str]:
    db = make_engine(url)
    with use_school(school_id), Session(db) as s:
        names = [x.first_name for x in s.exec(select(Learner).order_by(Learner.upn))]
    db.dispose()
    return names


def test_a_second_school_gets_its_own_register(cli_env: str, capsys) -> None:  # noqa: ANN001
    assert main(["school", "add", "Beech  Primary"]) == 0
    assert "School 2: Beech Primary" in capsys.readouterr().out
    assert main(["school", "list"]) == 0
    assert capsys.readouterr().out.splitlines() == ["1\tFirst school", "2\tBeech Primary"]
    register = str(EXAMPLES / "register.csv")
    assert main(["register", "import", register, "--school", "Beech Primary"]) == 0
    capsys.readouterr()
    assert "Amelia" in _learners(cli_env, 2)
    assert _learners(cli_env, 1) == []  # the first school's register is untouched
    # The same UPNs at the first school: refused, saying only that they are taken.
    assert main(["register", "import", register]) == 1
    err = capsys.readouterr().err
    assert "already on another school's register" in err and "Beech" not in err
    assert _learners(cli_env, 1) == []


def test_unknown_school_and_duplicate_names_are_usage_errors(cli_env: str,  # noqa: ANN001
                                                             capsys) -> None:  # noqa: ANN001
    assert main(["register", "import", str(EXAMPLES / "register.csv"), "--school", "Oak"]) == 2
    assert "--school 'Oak': no school has that name or number" in capsys.readouterr().err
    assert main(["school", "add", "first SCHOOL"]) == 2
    assert "already a school called" in capsys.readouterr().err
    assert main(["school", "add", "   "]) == 2
