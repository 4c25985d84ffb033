"""Empty and oversized text is refused with a message before anything parses it: the CLI
(exit 2), ``check --batch`` (an error report for that line), ``/api/check``, and drafts
made or edited through the pages and the API (422)."""

from __future__ import annotations

import json
import time

import pytest
from fastapi.testclient import TestClient

from moderation.draft import MAX_TEXT_CHARS
from secondlook.accounts.models import Role
from secondlook.cli import main
from tests.web_support import add_user, api_token, make_app, signed_in

TOO_LONG = "Sports day was a great success for everyone. " * 7000  # ~315,000 characters


class _NoParse:
    """A language model that must not be used: the limit comes before any parsing."""

    def __call__(self, text: str):  # noqa: ANN204
        if len(text) > MAX_TEXT_CHARS:
            raise AssertionError(f"a text of {len(text)} characters was parsed")
        return self.real(text)

    def __getattr__(self, name: str):  # noqa: ANN204 - vocab, pipe_names...
        return getattr(self.real, name)

    def pipe(self, texts, **kw):  # noqa: ANN001, ANN003, ANN201
        for text in texts:
            if len(text) > MAX_TEXT_CHARS:
                raise AssertionError(f"a text of {len(text)} characters was parsed")
            yield self.real(text)


@pytest.fixture
def unparsed(monkeypatch: pytest.MonkeyPatch, blank_nlp):  # noqa: ANN001, ANN201
    """The CLI's engine gets a model that fails the test if an over-long text reaches it."""
    from secondlook import checking

    guard = _NoParse()
    guard.real = blank_nlp
    real = checking.moderation_engine

    def engine(settings):  # noqa: ANN001, ANN202
        built = real(settings)
        built.nlp = guard
        return built

    monkeypatch.setattr(checking, "moderation_engine", engine)
    return guard


def test_an_empty_text_file_is_a_usage_error(cli_env, tmp_path, capsys) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    assert main(["check", "--text-file", str(empty)]) == 2
    err = capsys.readouterr().err
    assert "empty" in err and "empty.txt" in err and "Traceback" not in err
    blank = tmp_path / "blank.txt"
    blank.write_text("  \n\n ")
    assert main(["check", "--text-file", str(blank)]) == 2
    assert main(["check", "--text", ""]) == 2
    assert "nothing to check" in capsys.readouterr().err


def test_a_5_mb_text_file_is_refused_before_parsing(cli_env, tmp_path, capsys,
                                                    unparsed) -> None:
    big = tmp_path / "big.txt"
    big.write_text("Well done Amelia! " * 300_000)  # 5.4 MB
    started = time.monotonic()
    assert main(["check", "--text-file", str(big)]) == 2
    elapsed = time.monotonic() - started
    err = capsys.readouterr().err
    assert f"at most {MAX_TEXT_CHARS:,} characters" in err and "big.txt" in err
    assert "Traceback" not in err and err.count("\n") == 1  # one line, no tracebacks
    assert elapsed < 2.0


def test_a_text_just_over_the_limit_is_refused_and_at_the_limit_checked(cli_env, capsys,
                                                                        unparsed) -> None:
    assert main(["check", "--text", "a" * (MAX_TEXT_CHARS + 1)]) == 2
    assert f"{MAX_TEXT_CHARS + 1:,} characters" in capsys.readouterr().err
    assert main(["check", "--text", "a" * MAX_TEXT_CHARS, "--channel", "facebook"]) == 0


def test_batch_lines_that_are_too_long_or_empty_get_error_reports(cli_env, tmp_path, capsys,
                                                                   unparsed) -> None:
    lines = [json.dumps({"id": "ok", "text": "Term starts on Monday."}),
             json.dumps({"id": "long", "text": "a" * (MAX_TEXT_CHARS + 100)}),
             json.dumps({"id": "empty", "text": "   "}),
             "",
             '{"id": "huge", "text": "' + "x" * 3_000_000 + '"}',
             json.dumps({"id": "last", "text": "See you all then!"})]
    path = tmp_path / "drafts.jsonl"
    path.write_text("\n".join(lines) + "\n")
    code = main(["check", "--batch", str(path)])
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [o.get("id") for o in out] == ["ok", "long", "empty", None, None, "last"]
    assert out[0]["verdict"] == "pass" and out[5]["verdict"] == "pass"
    assert out[1]["error"].startswith("line 2:") and f"at most {MAX_TEXT_CHARS:,}" in \
        out[1]["error"]
    assert out[2]["error"].startswith("line 3:") and "nothing to check" in out[2]["error"]
    assert out[3]["error"].startswith("line 4:") and "empty line" in out[3]["error"]
    assert out[4]["error"].startswith("line 5:") and "too long" in out[4]["error"]
    assert all(o["verdict"] == "review" for o in out[1:5])
    assert code == 3  # the worst line: a draft that could not be checked is not cleared


def _api(sqlite_db, blank_nlp) -> TestClient:  # noqa: ANN001
    app = make_app(sqlite_db, blank_nlp)
    guard = _NoParse()
    guard.real = blank_nlp
    app.state.moderation.nlp = guard
    token = api_token(sqlite_db, add_user(sqlite_db, "script", Role.AUTHOR))
    return TestClient(app, headers={"Authorization": f"Bearer {token}"})


def test_api_check_refuses_300_kb_of_text_at_once(sqlite_db, blank_nlp) -> None:
    api = _api(sqlite_db, blank_nlp)
    started = time.monotonic()
    resp = api.post("/api/check", json={"text": TOO_LONG, "channels": ["facebook"]})
    assert resp.status_code == 422
    assert f"at most {MAX_TEXT_CHARS:,} characters" in resp.json()["detail"]
    assert time.monotonic() - started < 2.0
    empty = api.post("/api/check", json={"text": " ", "channels": ["facebook"]})
    assert empty.status_code == 422 and "nothing to check" in empty.json()["detail"]


def test_drafts_api_refuses_an_over_long_text_on_create_and_edit(sqlite_db, blank_nlp) -> None:
    api = _api(sqlite_db, blank_nlp)
    resp = api.post("/api/drafts", json={"text": TOO_LONG, "channels": ["facebook"]})
    assert resp.status_code == 422 and f"at most {MAX_TEXT_CHARS:,}" in resp.json()["detail"]
    draft = api.post("/api/drafts", json={"text": "Harvest festival", "channels": ["facebook"]})
    assert draft.status_code == 201
    edit = api.patch(f"/api/drafts/{draft.json()['id']}", json={"text": TOO_LONG})
    assert edit.status_code == 422 and "characters" in edit.json()["detail"]
    assert api.get(f"/api/drafts/{draft.json()['id']}").json()["revision"] == 1


def test_draft_pages_refuse_an_over_long_text_and_the_live_check_says_why(
        sqlite_db, blank_nlp) -> None:
    app = make_app(sqlite_db, blank_nlp)
    guard = _NoParse()
    guard.real = blank_nlp
    app.state.moderation.nlp = guard
    client, csrf = signed_in(app, sqlite_db, add_user(sqlite_db, "amy", Role.AUTHOR))
    saved = client.post("/drafts", data={"csrf_token": csrf, "text": TOO_LONG,
                                         "channels": ["facebook"]})
    assert saved.status_code == 422 and f"at most {MAX_TEXT_CHARS:,} characters" in saved.text
    live = client.post("/drafts/check", data={"text": TOO_LONG, "channels": ["facebook"]},
                       headers={"X-CSRF-Token": csrf, "HX-Request": "true"})
    assert live.status_code == 200 and "Nothing was checked" in live.text
    assert "Nothing stops this post" not in live.text


def test_the_refusal_comes_before_any_model_or_rule_pack_loads(cli_env, tmp_path) -> None:
    """As a school runs it: a separate process that never imports the language model."""
    import subprocess
    import sys

    big = tmp_path / "big.txt"
    big.write_text("Well done Amelia! " * 300_000)
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "secondlook.cli", "check",
                           "--text-file", str(big)], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 2
    assert "at most 5,000 characters" in proc.stderr
    imported = {line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines()
                if line.startswith("import time:")}
    assert "spacy" not in imported and "moderation.pipeline" not in imported
