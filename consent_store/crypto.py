"""Authenticated encryption of data at rest (face templates, reference photos).

AES-256-GCM with a machine key: ``SECONDLOOK_DATA_KEY`` (32 bytes, base64) or
the file ``data.key`` under ``SECONDLOOK_HOME``, created on first use with
mode 0600. Each value is bound to its owner through the associated data
(e.g. ``face-template:<UPN>``), so a ciphertext copied onto another learner's
row fails to decrypt instead of silently matching the wrong child.
"""

from __future__ import annotations

import base64
import binascii
import os
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from secondlook.config import Settings, get_settings

NONCE_BYTES = 12
KEY_BYTES = 32
KEY_FILE = "data.key"


class CryptoError(RuntimeError):
    """The key is missing or malformed, or a value cannot be decrypted; says what to do."""


def _decode_key(raw: str, where: str) -> bytes:
    try:
        key = base64.b64decode(raw.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise CryptoError(
            f"{where} is not base64; generate a key with `python -c \"import os, base64; "
            "print(base64.b64encode(os.urandom(32)).decode())\"`"
        ) from exc
    if len(key) != KEY_BYTES:
        raise CryptoError(f"{where} must decode to {KEY_BYTES} bytes, not {len(key)}")
    return key


def _key_file(home: Path) -> bytes:
    path = home / KEY_FILE
    if not path.exists():
        home.mkdir(parents=True, exist_ok=True)
        try:  # O_EXCL: two processes starting together must not write two different keys
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return _decode_key(path.read_text(), str(path))
        with os.fdopen(fd, "w") as out:
            out.write(base64.b64encode(os.urandom(KEY_BYTES)).decode() + "\n")
    return _decode_key(path.read_text(), str(path))


def data_key(settings: Settings | None = None) -> bytes:
    settings = settings or get_settings()
    if settings.data_key:
        return _decode_key(settings.data_key, "SECONDLOOK_DATA_KEY")
    return _key_file(settings.home)


def encrypt(plaintext: bytes, *, bound_to: str, settings: Settings | None = None) -> bytes:
    """Nonce + ciphertext + tag; ``bound_to`` is authenticated but not stored."""
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(data_key(settings)).encrypt(nonce, plaintext, bound_to.encode())


def decrypt(sealed: bytes, *, bound_to: str, settings: Settings | None = None) -> bytes:
    nonce, body = sealed[:NONCE_BYTES], sealed[NONCE_BYTES:]
    try:
        return AESGCM(data_key(settings)).decrypt(nonce, body, bound_to.encode())
    except InvalidTag as exc:
        raise CryptoError(
            f"a value stored for {bound_to} cannot be decrypted: the data key changed or the "
            "row was altered or moved to another learner; enrol the learner again"
        ) from exc
