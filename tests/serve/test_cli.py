"""``nngrade serve`` and ``nngrade serve tokens`` on the command line: the web stack is
not imported by ``nngrade --help``; usage errors are one line with exit code 2; tokens
are written to a private file with working links."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import docker_like
import pytest

from autograder.records.access import Tokens
from autograder.records.gradebook import Gradebook

COURSE = Path(__file__).resolve().parents[2]
ROSTER = COURSE / "examples" / "roster.csv"


def nngrade(*args, cwd: Path = COURSE) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "autograder.cli", "--course", str(COURSE),
                           *map(str, args)], capture_output=True, text=True, cwd=cwd,
                          timeout=120)


def test_help_does_not_import_the_web_stack():
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "autograder.cli",
                           "--help"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and "serve" in proc.stdout
    imported = {line.split("|")[-1].strip() for line in proc.stderr.splitlines()}
    assert not {"starlette", "uvicorn", "sqlalchemy", "autograder.serve"} & imported


def test_tokens_for_everyone_then_for_the_missing_only(tmp_path):
    db, out = tmp_path / "g.db", tmp_path / "tokens.csv"
    common = ("--roster", ROSTER, "--db", db, "--data", tmp_path / "data")
    proc = nngrade("serve", "tokens", *common, "--out", out, "--base-url",
                   "https://grading.example.edu/")
    assert proc.returncode == 0, proc.stderr
    assert (out.stat().st_mode & 0o777) == 0o600
    rows = list(csv.DictReader(out.open()))
    roles = {r["id"]: r["role"] for r in rows}
    assert roles["ada_lovelace"] == "student" and roles["ines"] == "instructor"
    roster = {row["id"] for row in csv.DictReader(ROSTER.open())}
    assert roles["tara"] == "ta" and set(roles) == roster | {"ines", "tara"}
    ada = next(r for r in rows if r["id"] == "ada_lovelace")
    assert ada["link"] == f"https://grading.example.edu/signin?token={ada['token']}"
    assert ada["email"] == "ada_lovelace@students.example"
    assert Tokens(Gradebook(str(db))).identify(ada["token"]).person == "ada_lovelace"
    assert ada["token"] not in proc.stdout + proc.stderr
    again = nngrade("serve", "tokens", *common, "--out", tmp_path / "none.csv", "--missing")
    assert again.returncode == 0 and "Issued 0 sign-in token(s)" in again.stdout
    one = nngrade("serve", "tokens", *common, "--out", tmp_path / "one.csv", "ada_lovelace")
    assert "Issued 1 sign-in token(s)" in one.stdout
    assert Tokens(Gradebook(str(db))).identify(ada["token"]) is None  # replaced


def test_the_sample_roster_names_every_sample_student():
    samples = {p.stem for p in (COURSE / "examples" / "submissions").glob("*/*.ipynb")}
    roster = {row["id"] for row in csv.DictReader(ROSTER.open())}
    missing = sorted(samples - roster)
    assert not missing, f"add these sample students to examples/roster.csv: {missing}"


def test_usage_errors_are_one_line(tmp_path):
    proc = nngrade("serve", "tokens", "--roster", ROSTER, "--db", tmp_path / "g.db", "--data",
                   tmp_path / "d", "nobody")
    assert proc.returncode == 2 and "not in the roster or the staff: nobody" in proc.stderr
    proc = nngrade("serve", "--db", tmp_path / "g.db", "--data", tmp_path / "d")
    assert proc.returncode == 2 and "the service needs a roster" in proc.stderr
    bad = tmp_path / "bad.toml"
    bad.write_text("[staff]\nada_lovelace = 'ta'\n")
    proc = nngrade("--config", bad, "serve", "tokens", "--roster", ROSTER, "--db",
                   tmp_path / "g.db", "--data", tmp_path / "d")
    assert proc.returncode == 2 and "staff id(s) also in the roster: ada_lovelace" in proc.stderr


@pytest.mark.integration
def test_serve_refuses_to_start_below_its_isolation_policy(tmp_path):
    """As in a container that refuses namespaces: the service does not start when its
    workers would get less than ``--isolation`` (here require-full), in one line."""
    argv = [sys.executable, "-m", "autograder.cli", "--course", str(COURSE), "serve",
            "--roster", str(ROSTER), "--db", str(tmp_path / "g.db"), "--data",
            str(tmp_path / "d"), "--isolation", "require-full", "--port", "9"]
    proc = subprocess.run(docker_like.command(argv), capture_output=True, text=True,
                          cwd=COURSE, timeout=120)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stderr.count("\n") == 1
    assert proc.stderr.startswith("nngrade: --isolation require-full, but workers here get "
                                  "only the reduced tier")
    assert "Serving" not in proc.stdout
