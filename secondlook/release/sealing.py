"""Encrypting channel secrets at rest, with the shared machine key of
``consent_store.crypto`` (AES-256-GCM; ``SECONDLOOK_DATA_KEY`` or a 0600 key file).

Kept as ``seal``/``unseal`` so the release code names what it does with a token;
the context (``channel:<name>``) is bound as associated data, so a token copied
onto another channel's row does not decrypt.
"""

from __future__ import annotations

from consent_store.crypto import CryptoError, decrypt, encrypt
from secondlook.config import Settings

SealError = CryptoError


def seal(plaintext: bytes, *, context: str, settings: Settings | None = None) -> bytes:
    return encrypt(plaintext, bound_to=context, settings=settings)


def unseal(sealed: bytes, *, context: str, settings: Settings | None = None) -> bytes:
    try:
        return decrypt(sealed, bound_to=context, settings=settings)
    except CryptoError as exc:
        raise SealError(f"the stored {context} secret cannot be decrypted: the data key "
                        "changed or the value was altered; enter the credentials again") from exc
