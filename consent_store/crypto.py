"""Authenticated encryption of data at rest (face templates, reference photos, tokens).

AES-256-GCM under a 32-byte key that the caller passes in: where the key comes
from (an environment variable, a key file) is decided at the edge, in
``secondlook.keys``. Each value is bound to its owner through the associated
data (e.g. ``face-template:<UPN>``), so a ciphertext copied onto another
learner's row fails to decrypt instead of silently matching the wrong child.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

NONCE_BYTES = 12
KEY_BYTES = 32


class CryptoError(RuntimeError):
    """The key is malformed, or a value cannot be decrypted; says what to do."""


def new_key_text() -> str:
    """A fresh random key, base64-encoded as the key file and the setting hold it."""
    return base64.b64encode(os.urandom(KEY_BYTES)).decode()


def decode_key(raw: str, where: str) -> bytes:
    """The key bytes of a base64 text; ``where`` names its source in the error."""
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


def key_fingerprint(key: bytes) -> str:
    """A short, one-way name for a key: tells two keys apart without revealing either."""
    return hashlib.sha256(b"secondlook-key-fingerprint:" + key).hexdigest()[:16]


def encrypt(plaintext: bytes, *, key: bytes, bound_to: str) -> bytes:
    """Nonce + ciphertext + tag; ``bound_to`` is authenticated but not stored."""
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, bound_to.encode())


def decrypt(sealed: bytes, *, key: bytes, bound_to: str) -> bytes:
    nonce, body = sealed[:NONCE_BYTES], sealed[NONCE_BYTES:]
    try:
        return AESGCM(key).decrypt(nonce, body, bound_to.encode())
    except InvalidTag as exc:
        raise CryptoError(
            f"a value stored for {bound_to} cannot be decrypted: the data key changed or the "
            "row was altered or moved to another learner; enrol the learner again"
        ) from exc
