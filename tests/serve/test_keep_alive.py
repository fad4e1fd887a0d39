"""A real ``nngrade serve`` on 127.0.0.1 keeps an idle connection open longer than the
progress page waits between two polls (5 s at most), so a poll never races the server
closing the connection it reuses."""

from __future__ import annotations

import socket
import time
from urllib.parse import urlsplit

import pytest

from autograder.cli.serve import KEEP_ALIVE_SECONDS

from .conftest import ROSTER, SEED
from .server import running

pytestmark = pytest.mark.integration  # starts the service with its graders

LONGEST_POLL_WAIT = 5.0  # progress.html.j2: Math.min(5000, 1000 + 50 * position) ms


def _healthz(conn: socket.socket) -> bytes:
    """One GET /healthz on an open connection; the response's status line, or b"" if the
    server had closed the connection."""
    conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            return b""
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    length = int(next(line.split(b":")[1] for line in head.split(b"\r\n")
                      if line.lower().startswith(b"content-length:")))
    while len(body) < length:
        body += conn.recv(4096)
    return head.split(b"\r\n")[0]


def test_an_idle_connection_outlives_the_longest_wait_between_polls(tmp_path):
    assert KEEP_ALIVE_SECONDS > 2 * LONGEST_POLL_WAIT
    with running(tmp_path, f"[grading]\nseed = {SEED}\n", ROSTER, workers=1) as server:
        address = urlsplit(server.url)
        with socket.create_connection((address.hostname, address.port), timeout=30) as conn:
            assert _healthz(conn) == b"HTTP/1.1 200 OK"
            time.sleep(LONGEST_POLL_WAIT + 1.0)
            assert _healthz(conn) == b"HTTP/1.1 200 OK"  # the same connection, reused
