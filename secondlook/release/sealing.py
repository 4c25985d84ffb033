"""Encrypting channel secrets at rest: AES-256-GCM with a machine key.

The key comes from ``SECONDLOOK_DATA_KEY`` (32 bytes, base64) or from the file
``data.key`` under ``SECONDLOOK_HOME``, created on first use with mode 0600.
Kept behind ``seal``/``unseal`` so that it can switch to the shared
``consent_store.crypto`` (face templates) without touching its callers.
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
KEY_FILE = "data.key"


class SealError(RuntimeError):
    """The key is missing or wrong, or the sealed value was altered."""


def _decode_key(raw: str, where: str) -> bytes:
    try:
        key = base64.b64decode(raw.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SealError(f"{where} is not base64: generate a key with `python -c "
                        "'import os,base64;print(base64.b64encode(os.urandom(32)).decode())'`"
                        ) from exc
    if len(key) != 32:
        raise SealError(f"{where} must decode to 32 bytes, not {len(key)}")
    return key


def _key_file(home: Path) -> bytes:
    path = home / KEY_FILE
    if not path.exists():
        home.mkdir(parents=True, exist_ok=True)
        # O_EXCL: two processes starting together must not write two different keys.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return _decode_key(path.read_text(), str(path))
        with os.fdopen(fd, "w") as out:
            out.write(base64.b64encode(os.urandom(32)).decode() + "\n")
    return _decode_key(path.read_text(), str(path))


def data_key(settings: Settings | None = None) -> bytes:
    settings = settings or get_settings()
    if settings.data_key:
        return _decode_key(settings.data_key, "SECONDLOOK_DATA_KEY")
    return _key_file(settings.home)


def seal(plaintext: bytes, *, context: str, settings: Settings | None = None) -> bytes:
    """Nonce + ciphertext; ``context`` (e.g. the channel) is bound as associated data."""
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(data_key(settings)).encrypt(nonce, plaintext, context.encode())


def unseal(sealed: bytes, *, context: str, settings: Settings | None = None) -> bytes:
    nonce, body = sealed[:NONCE_BYTES], sealed[NONCE_BYTES:]
    try:
        return AESGCM(data_key(settings)).decrypt(nonce, body, context.encode())
    except InvalidTag as exc:
        raise SealError(f"the stored {context} secret cannot be decrypted: the data key "
                        "changed or the value was altered; enter the credentials again") from exc
