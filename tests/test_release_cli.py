"""The release commands: what an administrator sees at the console."""

from __future__ import annotations

from secondlook.cli import main


def test_report_policy_writes_both_exports(cli_env, tmp_path, capsys) -> None:
    out_csv, out_html = tmp_path / "review.csv", tmp_path / "review.html"
    code = main(["report", "policy", "--from", "2026-09-01", "--to", "2026-12-31",
                 "--csv", str(out_csv), "--html", str(out_html)])
    assert code == 0
    assert "2026-09-01 to 2026-12-31: 0 draft(s) checked" in capsys.readouterr().out
    assert out_csv.read_text().startswith("section,item,detail,value")
    assert "Social media policy review" in out_html.read_text()


def test_report_policy_with_a_reversed_range_is_a_one_line_error(cli_env, capsys) -> None:
    assert main(["report", "policy", "--from", "2026-09-01", "--to", "2026-01-01"]) == 1
    err = capsys.readouterr().err
    assert "before it starts" in err and "Traceback" not in err


def test_release_due_and_takedowns_list_on_an_empty_school(cli_env, capsys) -> None:
    assert main(["release", "due"]) == 0
    assert main(["takedowns", "list"]) == 0
    out = capsys.readouterr().out
    assert "Nothing due." in out and "Nothing to take down." in out
