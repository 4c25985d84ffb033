"""Notifications by email: an outbox written with each workflow event, sent in the background."""
