"""The manifest of a backup folder: what it holds and how to check it is whole."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

MANIFEST = "manifest.json"
FORMAT = 1


class BackupError(RuntimeError):
    """A backup or restore that cannot be done; the message says why and what to do."""


@dataclass(frozen=True)
class Manifest:
    created_at: str
    database: str  # "sqlite" or "postgresql"
    file: str  # the copy, relative to the folder
    sha256: str
    schema: str
    instance_id: str
    audit_entries: int
    audit_head: str
    key_fingerprint: str | None
    key_file: str | None  # relative to the folder; None: the key was written elsewhere
    sealed: dict[str, int] = field(default_factory=dict)
    audit_problems: list[str] = field(default_factory=list)
    format: int = FORMAT

    def write(self, folder: Path) -> None:
        (folder / MANIFEST).write_text(json.dumps(asdict(self), indent=2, sort_keys=True) + "\n")

    @classmethod
    def read(cls, folder: Path) -> Manifest:
        path = folder / MANIFEST
        try:
            data = json.loads(path.read_text())
        except FileNotFoundError as exc:
            raise BackupError(f"{folder} is not a backup folder: it has no {MANIFEST} "
                              "(made by `secondlook backup DIR`)") from exc
        except (OSError, ValueError) as exc:
            raise BackupError(f"{path} cannot be read: {exc}") from exc
        if data.get("format") != FORMAT:
            raise BackupError(f"{path}: backup format {data.get('format')!r} is not one this "
                              f"version reads ({FORMAT})")
        try:
            return cls(**data)
        except TypeError as exc:
            raise BackupError(f"{path} is not a complete manifest: {exc}") from exc


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
