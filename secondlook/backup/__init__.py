"""Backups: a consistent copy of the database taken while the server runs, with the audit
head it holds and the data key kept apart from it; and putting one back, verified.

A backup folder holds ``manifest.json`` (what was copied, its SHA-256, the audit head,
the key's fingerprint), the database copy (``secondlook.db`` or ``secondlook.pgdump``) and,
unless told otherwise, ``data.key``.
"""
