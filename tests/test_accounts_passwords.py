"""Passwords are hashed with Argon2id at OWASP's parameters or above, and checked fairly."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher, Type, extract_parameters
from sqlmodel import Session

from secondlook.accounts.models import Role, User, UserCreate
from secondlook.accounts.passwords import PasswordRejected, hash_password, verify_password
from secondlook.accounts.users import AccountError, authenticate, create_user


def test_hash_is_argon2id_with_at_least_owasp_parameters() -> None:
    stored = hash_password("a long enough password")
    params = extract_parameters(stored)
    assert stored.startswith("$argon2id$")
    assert params.memory_cost >= 19 * 1024 and params.time_cost >= 2 and params.parallelism >= 1
    assert "a long enough password" not in stored


def test_verify_accepts_the_password_and_nothing_else() -> None:
    stored = hash_password("a long enough password")
    assert verify_password(stored, "a long enough password")
    assert not verify_password(stored, "a long enough passworD")
    assert not verify_password("", "")
    assert not verify_password("not a hash", "x")


def test_policy_explains_what_is_wrong(sqlite_db) -> None:
    with Session(sqlite_db) as s:
        with pytest.raises(PasswordRejected, match="at least 10 characters"):
            create_user(session=s, data=UserCreate(username="ann", display_name="Ann",
                                                   password="short"))
        with pytest.raises(PasswordRejected, match="must not be the username"):
            create_user(session=s, data=UserCreate(username="annabelle.smith",
                                                   display_name="Ann", password="Annabelle.Smith"))
        with pytest.raises(AccountError, match="username must be"):
            create_user(session=s, data=UserCreate(username="Ann Smith!", display_name="Ann",
                                                   password="a long enough password"))


def test_duplicate_username_is_refused_whatever_the_case(sqlite_db) -> None:
    with Session(sqlite_db) as s:
        create_user(session=s, data=UserCreate(username="ann", display_name="Ann",
                                               password="a long enough password"))
        with pytest.raises(AccountError, match="'ann' is already taken"):
            create_user(session=s, data=UserCreate(username=" ANN ", display_name="Ann 2",
                                                   password="a long enough password"))


def test_weaker_old_hash_is_upgraded_at_sign_in(sqlite_db) -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1, type=Type.ID)
    with Session(sqlite_db) as s:
        s.add(User(username="old", display_name="Old", password_hash=weak.hash("old password 1")))
        s.commit()
        user = authenticate(session=s, username="old", password="old password 1")
        assert user is not None
        s.commit()
        assert extract_parameters(user.password_hash).memory_cost >= 19 * 1024


def test_inactive_user_cannot_sign_in(sqlite_db) -> None:
    with Session(sqlite_db) as s:
        user = create_user(session=s, data=UserCreate(username="gone", display_name="Gone",
                                                      password="a long enough password"))
        user.active = False
        s.commit()
        assert authenticate(session=s, username="gone", password="a long enough password") is None


@pytest.mark.parametrize("password", ["Password123!", "qwertyuiop123", "Welcome2School",
                                      "Liverpool1892!", "iloveyou1234"])
def test_common_and_breached_style_passwords_are_refused(sqlite_db, password: str) -> None:
    with Session(sqlite_db) as s, pytest.raises(PasswordRejected, match="too easy to guess"):
        create_user(session=s, data=UserCreate(username="ann", display_name="Ann Jones",
                                               password=password))


@pytest.mark.parametrize("password", ["AnnJones-2024-x", "my name is ann.jones!", "ajones12345"])
def test_the_users_own_name_is_refused(sqlite_db, password: str) -> None:
    with Session(sqlite_db) as s, pytest.raises(PasswordRejected, match="your name"):
        create_user(session=s, data=UserCreate(username="ajones", display_name="Ann Jones",
                                               password=password))


def test_an_admin_is_told_why_a_weak_password_is_refused(sqlite_db, blank_nlp) -> None:
    from tests.web_support import add_user, make_app, signed_in

    admin = add_user(sqlite_db, "head", Role.ADMIN)
    client, csrf = signed_in(make_app(sqlite_db, blank_nlp), sqlite_db, admin)
    resp = client.post("/admin/users", data={"csrf_token": csrf, "username": "jo",
                                             "display_name": "Jo Smith",
                                             "password": "Password123!"})
    assert resp.status_code == 400 and "too easy to guess" in resp.text
