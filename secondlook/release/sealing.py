"""Encrypting channel secrets at rest, with the shared data key (AES-256-GCM, see
``consent_store.crypto``; the key comes from ``secondlook.keys``).

Kept as ``seal``/``unseal`` so the release code names what it does with a token;
the context (``channel:<name>``) is bound as associated data, so a token copied
onto another channel's row does not decrypt.
"""

from __future__ import annotations

from consent_store.crypto import CryptoError, decrypt, encrypt

SealError = CryptoError


def seal(plaintext: bytes, *, key: bytes, context: str) -> bytes:
    return encrypt(plaintext, key=key, bound_to=context)


def unseal(sealed: bytes, *, key: bytes, context: str) -> bytes:
    try:
        return decrypt(sealed, key=key, bound_to=context)
    except CryptoError as exc:
        raise SealError(f"the stored {context} secret cannot be decrypted: the data key "
                        "changed or the value was altered; enter the credentials again") from exc
