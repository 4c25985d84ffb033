"""Register import: every bad file refused with its line and column, the database untouched."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlmodel import Session, select

from consent_store.db import load_snapshot, session_scope
from consent_store.models import Learner
from consent_store.register_import import RegisterImportError, import_register_file
from tests.conftest import EXAMPLES, TEST_KEY

HEADER = ("upn,first_name,last_name,preferred_name,aliases,year_group,photo_consent,"
          "name_consent,biometric_consent,biometric_objection,never_publish,consent_expires")
ROW_A = "A123456789012,Amelia,Thompson,,Millie,Year 5,classdojo,first,yes,,,2027-07-31"
ROW_B = "B234567890123,Jayden,Okafor,,,Year 6,all,full,yes,,,2027-07-31"


def write(tmp_path: Path, *lines: str, raw: bytes | None = None) -> Path:
    path = tmp_path / "register.csv"
    path.write_bytes(raw if raw is not None else ("\n".join(lines) + "\n").encode())
    return path


def do_import(db, path: Path, **kw):  # noqa: ANN001, ANN003
    with session_scope(db) as session:
        return import_register_file(session, path, **kw)


def upns(db) -> list[str]:  # noqa: ANN001
    with Session(db) as s:
        return [row.upn for row in s.exec(select(Learner).order_by(Learner.upn))]


def test_example_register_imports_with_consents(db) -> None:
    result = do_import(db, EXAMPLES / "register.csv")
    assert len(result.created) == 5
    with Session(db) as s:
        snap = load_snapshot(s, date(2026, 11, 25), key=TEST_KEY)
    amelia = snap.learner("A123456789012")
    assert amelia.aliases == ("Millie",) and amelia.photo_channels == {"classdojo"}
    assert amelia.photo_consent("facebook", snap.as_of) == "refused"
    assert snap.learner("B234567890123").photo_channels == {"facebook", "twitter", "classdojo"}
    assert snap.learner("D456789012345").never_publish
    assert snap.learner("E567890123456").biometric_objection
    assert not snap.learner("E567890123456").may_match_face()


def test_reimport_is_idempotent(db) -> None:
    do_import(db, EXAMPLES / "register.csv")
    again = do_import(db, EXAMPLES / "register.csv")
    assert (again.created, again.updated, again.unchanged) == ([], [], 5)


def test_changes_are_reported_with_narrowed_channels(db, tmp_path) -> None:
    do_import(db, write(tmp_path, HEADER, ROW_A, ROW_B))
    narrowed = ROW_B.replace(",all,", ",classdojo,").replace(",yes,,,", ",no,,,")
    result = do_import(db, write(tmp_path, HEADER, ROW_A, narrowed))
    (change,) = result.updated
    assert change.upn == "B234567890123"
    assert change.narrowed_photo_channels == {"facebook", "twitter"}
    assert change.biometric_withdrawn


def test_absent_learners_are_reported_not_deleted_and_prune_marks_them_left(db, tmp_path) -> None:
    do_import(db, write(tmp_path, HEADER, ROW_A, ROW_B))
    result = do_import(db, write(tmp_path, HEADER, ROW_A))
    assert result.absent == ["B234567890123"] and "--prune" in result.summary()
    assert upns(db) == ["A123456789012", "B234567890123"]
    result = do_import(db, write(tmp_path, HEADER, ROW_A), prune=True)
    assert result.pruned == ["B234567890123"]
    with Session(db) as s:
        assert s.get(Learner, "B234567890123").left
    back = do_import(db, write(tmp_path, HEADER, ROW_A, ROW_B))
    assert back.returned == ["B234567890123"]


def test_columns_in_any_order_and_optional_columns_may_be_missing(db, tmp_path) -> None:
    path = write(tmp_path,
                 "consent_expires,year_group,name_consent,photo_consent,biometric_consent,"
                 "last_name,first_name,upn",
                 "2027-07-31,Year 1,full,none,no,Ali,Sara,C345678901234")
    do_import(db, path)
    with Session(db) as s:
        sara = s.get(Learner, "C345678901234")
    assert (sara.first_name, sara.photo_channels, sara.never_publish) == ("Sara", "", False)


def test_excel_bom_is_accepted(db, tmp_path) -> None:
    path = write(tmp_path, raw=("\ufeff" + HEADER + "\r\n" + ROW_A + "\r\n").encode())
    assert do_import(db, path).created == ["A123456789012"]


BAD_FILES = [
    ("missing column", [HEADER.replace(",year_group", ""), ROW_A],
     "line 1: missing column 'year_group'"),
    ("unknown column", [HEADER + ",shoe_size", ROW_A + ",5"], "line 1: unknown column 'shoe_size'"),
    ("unknown channel", [HEADER, ROW_A, ROW_B.replace(",all,", ",instagram,")],
     "line 3, column photo_consent: unknown channel 'instagram'"),
    ("bad date", [HEADER, ROW_A, ROW_B.replace("2027-07-31", "31/07/2027")],
     "line 3, column consent_expires: '31/07/2027' is not an ISO date"),
    ("duplicate upn", [HEADER, ROW_A, ROW_B, ROW_A.replace("Amelia", "Amy")],
     "line 4, column upn: duplicate UPN A123456789012 (first on line 2)"),
    ("bad consent value", [HEADER, ROW_A.replace(",first,", ",maybe,")],
     "line 2, column name_consent: 'maybe' is not one of full, first, none"),
    ("bad upn", [HEADER, ROW_A.replace("A123456789012", "12345")],
     "line 2, column upn: '12345' is not a 13-character UPN"),
    ("short row", [HEADER, "A123456789012,Amelia"], "line 2: 2 fields, but the header has 12"),
    ("header only", [HEADER], "the file has a header but no learners"),
]


@pytest.mark.parametrize(("case", "lines", "expected"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_bad_file_is_refused_naming_the_place_and_nothing_is_written(
        db, tmp_path, case, lines, expected) -> None:
    with pytest.raises(RegisterImportError) as err:
        do_import(db, write(tmp_path, *lines))
    assert expected in str(err.value)
    assert "nothing was changed" in str(err.value)
    assert upns(db) == []


def test_a_bad_row_late_in_the_file_leaves_an_existing_register_unchanged(db, tmp_path) -> None:
    do_import(db, write(tmp_path, HEADER, ROW_A))
    bad = [HEADER, ROW_A.replace(",first,", ",full,"), ROW_B.replace(",yes,", ",perhaps,")]
    with pytest.raises(RegisterImportError, match="line 3, column biometric_consent"):
        do_import(db, write(tmp_path, *bad))
    with Session(db) as s:
        assert s.get(Learner, "A123456789012").name_consent == "first"
    assert upns(db) == ["A123456789012"]


def test_empty_file(db, tmp_path) -> None:
    with pytest.raises(RegisterImportError, match="the file is empty"):
        do_import(db, write(tmp_path, raw=b""))


def test_non_utf8_bytes_are_located(db, tmp_path) -> None:
    raw = (HEADER + "\n" + ROW_A + "\n").encode() + "B234567890123,Zo\xeb,Okafor".encode("latin-1")
    with pytest.raises(RegisterImportError, match=r"line 3, column 17: byte 0xeb is not UTF-8"):
        do_import(db, write(tmp_path, raw=raw))


def test_a_50_mb_file_is_refused_before_parsing(db, tmp_path) -> None:
    path = tmp_path / "huge.csv"
    with path.open("wb") as fh:
        fh.truncate(50 * 1024 * 1024 + 1)  # sparse: costs no disk, would fail to parse
    with pytest.raises(RegisterImportError, match=r"50\.0 MiB; the limit is 50 MiB"):
        do_import(db, path, max_bytes=50 * 1024 * 1024)


def test_withdrawn_biometric_consent_or_leaving_deletes_templates_and_photos(
        db, tmp_path) -> None:
    import numpy as np

    from consent_store.templates import FaceTemplate, ReferencePhoto, add_template

    do_import(db, write(tmp_path, HEADER, ROW_A, ROW_B))
    with session_scope(db) as s:
        for upn in ("A123456789012", "B234567890123"):
            add_template(session=s, upn=upn, encoding=np.full(128, 0.1), photo=b"jpeg bytes",
                         key=TEST_KEY)
    withdrawn = ROW_A.replace(",first,yes,", ",first,no,")
    result = do_import(db, write(tmp_path, HEADER, withdrawn, ROW_B))
    assert result.purged == ["A123456789012"]
    assert "Face templates and reference photos deleted for 1 learner(s)" in result.summary()
    result = do_import(db, write(tmp_path, HEADER, withdrawn), prune=True)
    assert result.purged == ["B234567890123"]
    with Session(db) as s:
        assert s.exec(select(FaceTemplate)).all() == []
        assert s.exec(select(ReferencePhoto)).all() == []
