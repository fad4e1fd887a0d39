"""A real ``nngrade serve`` for the browser and load tests: started with the command a
course runs, on 127.0.0.1 and a free port, with its own course.toml, gradebook and data
folder; stopped with SIGTERM, as a service manager stops it."""

from __future__ import annotations

import csv
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

COURSE = Path(__file__).resolve().parents[2]


@dataclass
class Server:
    url: str
    tokens: dict[str, str]
    db: Path
    data: Path
    process: subprocess.Popen


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def nngrade(config: Path, *args: object, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "autograder.cli", "--course", str(COURSE),
                           "--config", str(config), *map(str, args)], capture_output=True,
                          text=True, timeout=300, **kw)


@contextmanager
def running(tmp: Path, config_text: str, roster: Path, workers: int = 2) -> Iterator[Server]:
    """Issue tokens for everyone, start the service and wait until it is healthy."""
    config = tmp / "course.toml"
    config.write_text(config_text)
    db, data, tokens_csv = tmp / "gradebook.db", tmp / "data", tmp / "tokens.csv"
    common = ("--roster", roster, "--db", db, "--data", data)
    issued = nngrade(config, "serve", "tokens", *common, "--out", tokens_csv)
    assert issued.returncode == 0, issued.stdout + issued.stderr
    assert (tokens_csv.stat().st_mode & 0o777) == 0o600
    with open(tokens_csv, newline="") as f:
        tokens = {row["id"]: row["token"] for row in csv.DictReader(f)}
    port = free_port()
    log = open(tmp / "server.out", "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "autograder.cli", "--course", str(COURSE), "--config",
         str(config), "serve", *map(str, common), "--host", "127.0.0.1", "--port", str(port),
         "-j", str(workers)], stdout=log, stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process, tmp / "server.out")
        yield Server(url, tokens, db, data, process)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _wait_healthy(url: str, process: subprocess.Popen, output: Path) -> None:
    end = time.monotonic() + 60
    while time.monotonic() < end:
        if process.poll() is not None:
            raise AssertionError(f"nngrade serve exited: {output.read_text()[-2000:]}")
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"nngrade serve did not become healthy: {output.read_text()[-2000:]}")
