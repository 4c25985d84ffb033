"""How the server's log lines look: plain text or one JSON object per line
(``SECONDLOOK_LOG_FORMAT=text|json``), each carrying the id of the request it belongs to.

The request id is set by the web layer for the duration of a request (``REQUEST_ID``) and
added to every record by ``RequestIdFilter``, so the access line and anything logged while
the request ran (a check that failed, a channel that refused) can be found together.

What is logged is the same in both formats; the access log names routes, never the values
in a path or query (``web.access_log``), and no learner data is logged anywhere.
"""

from __future__ import annotations

import copy
import json
import logging
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

REQUEST_ID: ContextVar[str | None] = ContextVar("secondlook_request_id", default=None)
FORMATS = ("text", "json")
# Our own loggers log at INFO; libraries only from WARNING (httpx would log every URL).
OWN_LOGGERS = ("secondlook", "moderation", "consent_store", "web")
# Fields of the access log's records that JSON lines carry as their own keys.
EXTRA_FIELDS = ("method", "route", "status", "duration_ms")


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get() or "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, request_id, and the
    access log's method, route, status and duration_ms; a traceback as ``exception``."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": REQUEST_ID.get(),  # null outside a request
        }
        for name in EXTRA_FIELDS:
            if hasattr(record, name):
                line[name] = getattr(record, name)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def log_config(base: dict[str, Any], log_format: str) -> dict[str, Any]:
    """``base`` (uvicorn's logging set-up) with the access log, our own loggers and the
    request id added, every handler in ``log_format``."""
    config = copy.deepcopy(base)
    config["filters"] = {"request_id": {"()": RequestIdFilter}}
    config["formatters"]["route"] = {"format": "%(asctime)s %(message)s [%(request_id)s]"}
    config["formatters"]["app"] = {"format": "%(asctime)s %(levelname)s %(name)s: "
                                             "%(message)s [%(request_id)s]"}
    config["formatters"]["json"] = {"()": JsonFormatter}
    stream = "ext://sys.stdout"
    config["handlers"]["route"] = {"class": "logging.StreamHandler", "formatter": "route",
                                   "stream": stream}
    config["handlers"]["app"] = {"class": "logging.StreamHandler", "formatter": "app",
                                 "stream": "ext://sys.stderr"}
    for handler in config["handlers"].values():
        handler["filters"] = ["request_id"]
        if log_format == "json":
            handler["formatter"] = "json"
    config["loggers"]["secondlook.access"] = {"handlers": ["route"], "level": "INFO",
                                              "propagate": False}
    for name in OWN_LOGGERS:
        config["loggers"].setdefault(name, {"level": "INFO"})
    config["root"] = {"handlers": ["app"], "level": "WARNING"}
    return config
