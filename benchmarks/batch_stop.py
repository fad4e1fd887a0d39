"""How long a batch takes to stop after SIGINT or SIGTERM.

Grades a batch of Homework 1 submissions (a few ordinary ones, then endless loops that
each run into the 10 s cell limit, so the batch would take minutes), sends the signal
once some submissions are recorded, and prints the time from the signal to the
grader's exit, its exit code, and how many submissions were recorded after the signal.

    python benchmarks/batch_stop.py [--submissions 100] [--checkout PATH]

``--checkout`` runs the grader of another checkout of the project (for a before/after
comparison); its gradebook is counted by its number of recorded gradings or attempts.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COURSE = Path(__file__).resolve().parent.parent
SAMPLES = COURSE / "examples" / "submissions" / "hw1_forward"


def recorded(db: Path) -> int:
    try:
        with sqlite3.connect(db) as conn:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
            table = "gradings" if "gradings" in tables else "attempts"
            return conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def measure(how: signal.Signals, n: int, checkout: Path) -> tuple[float, int, int, int]:
    with tempfile.TemporaryDirectory(prefix="nngrade-bench-stop-") as tmp:
        subs = Path(tmp) / "subs"
        subs.mkdir()
        for i in range(4):
            shutil.copy(SAMPLES / "ada_lovelace.ipynb", subs / f"a{i:03d}.ipynb")
        for i in range(n - 4):
            shutil.copy(SAMPLES / "barbara_liskov.ipynb", subs / f"z{i:03d}.ipynb")
        db = Path(tmp) / "g.db"
        env = dict(os.environ, PYTHONPATH=str(checkout))
        proc = subprocess.Popen(
            [sys.executable, "-m", "autograder.cli", "grade", str(subs), "-a", "hw1_forward",
             "--db", str(db), "--out", str(Path(tmp) / "out"), "--workers", "2"],
            cwd=checkout, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        while recorded(db) < 4 and proc.poll() is None:
            time.sleep(0.1)
        time.sleep(2.0)
        before = recorded(db)
        sent = time.monotonic()
        proc.send_signal(how)
        code = proc.wait(timeout=3600)
        return time.monotonic() - sent, code, before, recorded(db) - before


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--submissions", type=int, default=100)
    parser.add_argument("--checkout", type=Path, default=COURSE)
    args = parser.parse_args()
    print(f"batch of {args.submissions} hw1 submissions, 2 workers, checkout {args.checkout}")
    for how in (signal.SIGINT, signal.SIGTERM):
        seconds, code, before, after = measure(how, args.submissions, args.checkout)
        print(f"{how.name}: stopped {seconds:.1f} s after the signal, exit code {code}, "
              f"{before} recorded before it, {after} after it")


if __name__ == "__main__":
    main()
