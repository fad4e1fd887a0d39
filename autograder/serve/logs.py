"""Structured logs: one JSON object per line, on standard error and in the data folder.

Requests are logged by their route (``/submissions/{public_id}``), never with their
query string, form fields, cookies or headers, so no token, session or CSRF value is
ever written; events of the service add their own fields (``student``, ``submission``,
``seconds``...).
"""

from __future__ import annotations

import json
import logging
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from starlette.types import ASGIApp, Message, Receive, Scope, Send

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
access = logging.getLogger("autograder.serve.access")


class JsonFormatter(logging.Formatter):
    """A log record as one line of JSON, with the fields given in ``extra``."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": datetime.fromtimestamp(record.created, UTC).isoformat(
            timespec="milliseconds"), "level": record.levelname.lower(),
            "logger": record.name, "event": record.getMessage()}
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info:
            entry["traceback"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def setup(folder: Path | None, level: int = logging.INFO) -> None:
    """Send the service's and the engine's logs, as JSON lines, to standard error and
    to ``serve.log`` in ``folder``."""
    root = logging.getLogger("autograder")
    root.setLevel(level)
    root.propagate = False
    for handler in list(root.handlers):
        root.removeHandler(handler)
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if folder is not None:
        handlers.append(logging.FileHandler(folder / "serve.log", encoding="utf-8"))
    for handler in handlers:
        handler.setFormatter(JsonFormatter())
        root.addHandler(handler)


class AccessLog:
    """ASGI middleware: one log line per request with its route, status and duration."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start, status = time.monotonic(), 500

        async def record(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record)
        finally:
            route = scope.get("route")
            access.info("request", extra={
                "method": scope["method"], "route": getattr(route, "path", "(unmatched)"),
                "status": status, "ms": round(1000 * (time.monotonic() - start), 1),
                "person": scope.get("state", {}).get("person", "")})
