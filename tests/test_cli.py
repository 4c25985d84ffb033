"""The CLI as schools script it: documented output, exit codes, errors without tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from secondlook.cli import main
from tests.conftest import EXAMPLES, ROOT, checker_for


@pytest.fixture
def loaded(cli_env, capsys):  # noqa: ANN001, ANN201
    assert main(["register", "import", str(EXAMPLES / "register.csv")]) == 0
    assert main(["staff", "import", str(EXAMPLES / "staff.csv")]) == 0
    capsys.readouterr()
    return cli_env


def test_init_reports_the_schema(cli_env, capsys) -> None:
    assert main(["init"]) == 0
    out = capsys.readouterr().out
    assert "Database ready" in out
    assert "Face encoder ready" in out and "checked against dlib" in out


def test_import_summary(cli_env, capsys) -> None:
    assert main(["register", "import", str(EXAMPLES / "register.csv")]) == 0
    assert "5 learner(s) added, 0 updated, 0 unchanged." in capsys.readouterr().out


def test_bad_register_exits_1_with_the_place_and_no_traceback(cli_env, tmp_path, capsys) -> None:
    bad = tmp_path / "r.csv"
    text = (EXAMPLES / "register.csv").read_text()
    bad.write_text(text.replace("classdojo,first", "tiktok,first"))
    assert main(["register", "import", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "line 2, column photo_consent: unknown channel 'tiktok'" in err
    assert "Traceback" not in err


def test_check_json_blocks_a_full_name_without_consent(loaded, capsys) -> None:
    code = main(["check", "--text", "Well done Amelia Thompson!", "--channel", "facebook",
                 "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 4 and report["verdict"] == "block"
    assert report["channels"] == ["facebook"]
    names = [f for f in report["findings"] if f["check"] == "learner_name"]
    assert names[0]["learner"] == "A123456789012"
    assert names[0]["span"] == {"start": 10, "end": 25, "text": "Amelia Thompson"}


def test_check_exit_0_on_a_clean_post_and_human_output(loaded, capsys) -> None:
    assert main(["check", "--text", "Term starts on Monday."]) == 0
    assert "Verdict: PASS" in capsys.readouterr().out


def test_check_text_file(loaded, capsys) -> None:
    code = main(["check", "--text-file", str(EXAMPLES / "draft.txt")])
    out = capsys.readouterr().out
    assert code == 4 and "Amelia Thompson" in out and "Suggestion: Use the first name only" in out


def test_check_without_database_says_to_init(tmp_path, monkeypatch, capsys) -> None:
    from secondlook.config import get_settings

    monkeypatch.setenv("SECONDLOOK_HOME", str(tmp_path))
    monkeypatch.delenv("SECONDLOOK_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    try:
        assert main(["check", "--text", "hi"]) == 1
    finally:
        get_settings.cache_clear()
    assert "secondlook init" in capsys.readouterr().err


def test_missing_image_is_an_error_naming_it(loaded, capsys) -> None:
    assert main(["check", "--text", "x", "--image", "nope.jpg"]) == 1
    assert "image nope.jpg: no such file" in capsys.readouterr().err


def test_usage_errors_exit_2(loaded) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["check", "--channel", "instagram", "--text", "x"])
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        main(["check", "--alt", "orphan alt"])
    assert exc.value.code == 2


def test_batch_one_report_per_line_in_order_with_errors_inline(loaded, capsys) -> None:
    code = main(["check", "--batch", str(EXAMPLES / "drafts.jsonl")])
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["id"] for r in lines] == ["sports-day", "term-dates", "broken"]
    assert lines[0]["verdict"] == "block" and lines[0]["channels"] == ["facebook"]
    assert lines[1]["verdict"] == "pass"
    assert lines[1]["channels"] == ["facebook", "twitter", "classdojo"]
    assert "field 'text' must be a string" in lines[2]["error"]
    assert code == 4


def test_batch_garbage_line_does_not_abort(loaded, tmp_path, capsys) -> None:
    path = tmp_path / "d.jsonl"
    path.write_text('{"id": 1, "text": "hello"}\nnot json\n{"id": 3, "text": "Noah Clarke"}\n')
    code = main(["check", "--batch", str(path)])
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [o.get("id") for o in out] == [1, None, 3]
    assert out[1]["error"].startswith("line 2:")
    assert out[2]["verdict"] == "block" and code == 4


def test_installed_console_script_runs(loaded) -> None:
    exe = ROOT / ".venv" / "bin" / "secondlook"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "secondlook.cli"]
    proc = subprocess.run([*cmd, "check", "--text", "Noah Clarke", "--json"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 4, proc.stderr
    assert json.loads(proc.stdout)["findings"][0]["rule"] == "names.never-publish"


def test_register_import_is_in_the_audit_log(cli_env, capsys) -> None:
    from sqlmodel import Session, select

    from consent_store.db import make_engine
    from secondlook.workflow.models import AuditEntry

    assert main(["register", "import", str(EXAMPLES / "register.csv")]) == 0
    with Session(make_engine(cli_env)) as s:
        (entry,) = s.exec(select(AuditEntry)).all()
    assert entry.action == "register.import" and '"created":5' in entry.detail
    assert main(["audit", "verify"]) == 0


def test_a_broken_rule_pack_stops_check_before_anything_runs(loaded, tmp_path, monkeypatch,
                                                             capsys) -> None:
    from secondlook.config import get_settings

    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "tone.yaml").write_text("rules:\n  - id: tone.oops\n    check: tone\n")
    monkeypatch.setenv("SECONDLOOK_RULES_DIR", str(rules))
    get_settings.cache_clear()
    assert main(["check", "--text", "hello"]) == 1
    err = capsys.readouterr().err
    assert "rule pack refused" in err and "tone.yaml" in err and "tone.oops" in err
    get_settings.cache_clear()


def test_batch_parses_in_chunks_and_keeps_order_around_bad_lines(loaded, tmp_path,
                                                                  capsys) -> None:
    lines = []
    for n in range(70):
        text = "Noah Clarke" if n % 10 == 3 else f"Lovely assembly number {n}"
        lines.append(json.dumps({"id": n, "text": text}) if n % 17 else "{broken")
    path = tmp_path / "many.jsonl"
    path.write_text("\n".join(lines) + "\n")
    code = main(["check", "--batch", str(path)])
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(out) == 70 and code == 4
    for n, report in enumerate(out):
        if n % 17 == 0:
            assert report["error"].startswith(f"line {n + 1}:")
        else:
            assert report["id"] == n
            assert report["verdict"] == ("block" if n % 10 == 3 else "pass"), report


def test_register_import_rechecks_drafts_in_progress(loaded, blank_nlp, tmp_path,
                                                     capsys) -> None:
    from sqlmodel import Session

    from consent_store.db import make_engine
    from moderation.pipeline import Engine
    from secondlook.accounts.models import User
    from secondlook.workflow.drafts import create_draft, get_draft

    db = make_engine(loaded)
    with Session(db) as s:
        author = User(username="alice", display_name="Alice", roles="author")
        s.add(author)
        s.flush()
        view = create_draft(session=s, author=author, text="Well done Jayden Okafor!",
                            channels=["facebook"], checker=checker_for(Engine(nlp=blank_nlp)))
        s.commit()
        draft_id, before, author_id = view.id, view.revision.number, author.id
    # Jayden's family withdraws full-name consent: the draft's report no longer holds.
    changed = (EXAMPLES / "register.csv").read_text().replace("all,full,yes", "all,first,yes")
    path = tmp_path / "register.csv"
    path.write_text(changed)
    assert main(["register", "import", str(path)]) == 0
    out = capsys.readouterr().out
    assert "0 learner(s) added, 1 updated" in out
    assert f"1 draft(s) in progress have new findings and need approving again: {draft_id}" in out
    with Session(db) as s:
        view = get_draft(session=s, draft_id=draft_id, user=s.get(User, author_id))
        assert view.revision.number == before + 1 and view.revision.verdict == "block"
