"""Sessions, CSRF tokens, rate limits, upload size limits and response headers.

* A session is Starlette's signed cookie (itsdangerous; HttpOnly, SameSite=Lax, Secure
  with ``secure_cookies``) holding the person's id, the id of the token they signed in
  with (a revoked token ends the session at the next request) and a CSRF token.
* Every form carries the session's CSRF token in a hidden field; a POST without the
  right one is refused before anything else is read.
* Rate limits are sliding windows kept in memory: failed sign-ins per address, uploads
  per student.
* An upload is counted while it is received and refused as soon as it passes the limit,
  whether or not the client announced its length.
"""

from __future__ import annotations

import hmac
import os
import secrets
import threading
import time
from collections import defaultdict, deque
from pathlib import Path

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import Message

CSRF_FIELD = "csrf"
FORM_OVERHEAD = 64 * 1024  # multipart headers and small fields around an uploaded file


def session_key(data: Path) -> str:
    """The key that signs session cookies, made once and kept in the data folder
    (readable by its owner only), so sessions survive a restart."""
    path = data / "session.key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as f:
        f.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def csrf_token(request: Request) -> str:
    """The session's CSRF token (made on first use)."""
    token = request.session.get(CSRF_FIELD)
    if not token:
        token = request.session[CSRF_FIELD] = secrets.token_urlsafe(32)
    return token


def check_csrf(request: Request, form: FormData) -> None:
    """Refuse a form whose CSRF token is not the session's."""
    expected = request.session.get(CSRF_FIELD, "")
    given = form.get(CSRF_FIELD, "")
    if not expected or not isinstance(given, str) or not hmac.compare_digest(
            expected.encode(), given.encode()):
        raise HTTPException(403, "this form has expired or did not come from this site; "
                                 "reload the page and try again")


async def small_form(request: Request) -> FormData:
    """A form without files, CSRF-checked."""
    form = await request.form(max_files=0, max_fields=50, max_part_size=64 * 1024)
    check_csrf(request, form)
    return form


class TooLarge(Exception):
    pass


async def upload_form(request: Request, max_bytes: int) -> FormData:
    """A form with one file of at most ``max_bytes``, CSRF-checked; the body is refused
    (413) as soon as it is longer than the file limit plus the form's overhead."""
    limit = max_bytes + FORM_OVERHEAD
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise HTTPException(413, _too_large(max_bytes))
    received = 0
    receive = request.receive

    async def counted() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise TooLarge
        return message

    capped = Request(request.scope, counted)
    try:
        form = await capped.form(max_files=1, max_fields=10, max_part_size=64 * 1024)
    except TooLarge:
        raise HTTPException(413, _too_large(max_bytes)) from None
    check_csrf(request, form)
    return form


def _too_large(max_bytes: int) -> str:
    return (f"the file is over the {max_bytes / 2**20:g} MB limit; clear large outputs "
            "(Kernel > Restart & Clear Output) and submit again")


class RateLimit:
    """At most ``limit`` events per key within ``seconds`` (a sliding window)."""

    def __init__(self, limit: int, seconds: float) -> None:
        self.limit, self.seconds = limit, seconds
        self._events: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        events = self._events[key]
        while events and events[0] <= now - self.seconds:
            events.popleft()
        if not events:
            del self._events[key]
            events = self._events[key]
        return events

    def blocked(self, key: str) -> float:
        """Seconds until ``key`` may act again (0: it may now)."""
        now = time.monotonic()
        with self._lock:
            events = self._recent(key, now)
            if len(events) < self.limit:
                return 0.0
            return max(0.0, events[0] + self.seconds - now)

    def hit(self, key: str) -> float:
        """Count one event for ``key``; returns :meth:`blocked` before counting it (when
        positive, the event was refused and not counted)."""
        now = time.monotonic()
        with self._lock:
            events = self._recent(key, now)
            if len(events) >= self.limit:
                return max(0.0, events[0] + self.seconds - now)
            events.append(now)
            return 0.0


def security_headers(csp: str | None) -> dict[str, str]:
    """Headers every response carries; ``csp`` None leaves the page's own policy."""
    headers = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
               "X-Frame-Options": "DENY", "Cache-Control": "no-store",
               "Cross-Origin-Opener-Policy": "same-origin"}
    if csp:
        headers["Content-Security-Policy"] = csp
    return headers
