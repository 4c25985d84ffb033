"""The approval workflow: drafts, revisions, approvals, sign-offs and the audit log.

It lives outside ``web/`` so the CLI and the JSON API share the same rules.
Services take keyword-only arguments and a session passed in; they flush but
never commit, so the caller owns the transaction.
"""
