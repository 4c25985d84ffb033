"""Where the data key comes from: ``SECONDLOOK_DATA_KEY``, or the key file under home.

The key (32 bytes, AES-256-GCM) seals face templates, reference photos and
channel tokens. It is read here, at the edge, and handed to ``consent_store``
as bytes. The key file is created on first use with mode 0600; two processes
starting together never write two different keys (O_EXCL).
"""

from __future__ import annotations

import os
from pathlib import Path

from consent_store.crypto import decode_key, new_key_text
from secondlook.config import Settings

KEY_FILE = "data.key"


def key_path(settings: Settings) -> Path:
    return settings.home / KEY_FILE


def _key_file(path: Path) -> bytes:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return decode_key(path.read_text(), str(path))
        with os.fdopen(fd, "w") as out:
            out.write(new_key_text() + "\n")
    return decode_key(path.read_text(), str(path))


def data_key(settings: Settings) -> bytes:
    """The configured key; raises ``CryptoError`` naming the setting or file at fault."""
    if settings.data_key:
        return decode_key(settings.data_key, "SECONDLOOK_DATA_KEY")
    return _key_file(key_path(settings))
