"""The Gradescope package, run as Gradescope runs it: ``nngrade gradescope`` builds the
zip; a temporary root laid out like Gradescope's ``/autograder`` (``source/``,
``submission/``, ``results/``) gets it unpacked, ``setup.sh`` installs it in a fresh
virtual environment (from PyPI, with the system's Python as on Gradescope's Ubuntu
image), and ``run_autograder`` grades, as root, the solution, the blank notebook and a
hostile notebook. Each ``results.json`` is validated against a JSON Schema written from
Gradescope's specification. Every submission is graded twice: directly (this machine
allows namespaces: the full tier) and as in Gradescope's Docker container, whose seccomp
profile refuses namespaces (``tests/docker_like.py``: the reduced tier).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import docker_like
import jsonschema
import nbformat
import pytest

from autograder.authoring.gradescope import (
    GradescopeConfig,
    PackageError,
    error_json,
    find_submission,
    results_json,
)
from autograder.engine.results import CheckResult, QuestionResult, Status, SubmissionResult
from autograder.engine.session import UID_FIRST
from autograder.sandbox.tiers import UID_SLOTS

pytestmark = pytest.mark.integration  # runs notebooks and the nngrade command

HERE = Path(__file__).resolve().parent
COURSE = HERE.parents[1]
SCHEMA = json.loads((HERE / "results.schema.json").read_text())
MASTER = COURSE / "solutions/hw1_forward/hw1_forward.ipynb"
BLANK = COURSE / "assignments/hw1_forward/hw1_forward.ipynb"
UID_PATTERN = re.compile(r"uid (\d+) of its own")


def nngrade(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "autograder.cli", *map(str, args)],
                          capture_output=True, text=True, cwd=COURSE, timeout=600)


@pytest.fixture(scope="module")
def package(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("package")
    proc = nngrade("gradescope", "-a", "hw1_forward", "--out", out)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "checked: master notebook 17 / 17" in proc.stdout
    assert "checked: blank notebook 0 / 17" in proc.stdout
    return out / "hw1_forward" / "autograder.zip"


def system_python() -> str:
    """A Python 3.11+ installed where every user can read it, as on Gradescope's image."""
    for candidate in ("/usr/bin/python3.13", "/usr/bin/python3.12", "/usr/bin/python3.11"):
        if os.path.exists(candidate):
            return candidate
    return sys.executable


@pytest.fixture(scope="module")
def autograder(package) -> Path:
    """Gradescope's /autograder, simulated: unpacked source, run_autograder copied next
    to it, setup.sh run once as root."""
    if os.geteuid() != 0:
        pytest.skip("Gradescope runs setup.sh and run_autograder as root; CI runs as root")
    # Gradescope's /autograder sits at the top of the filesystem, where every user can
    # reach it (the session's own temporary folder is private)
    base = Path(tempfile.mkdtemp(prefix="nngrade-gradescope-", dir="/tmp"))
    base.chmod(0o755)
    root = base / "autograder"
    (root / "source").mkdir(parents=True)
    root.chmod(0o755)
    with zipfile.ZipFile(package) as zf:
        zf.extractall(root / "source")
    for name in ("setup.sh", "run_autograder"):  # zipfile does not restore modes
        (root / "source" / name).chmod(0o755)
    shutil.copy2(root / "source/run_autograder", root / "run_autograder")
    proc = subprocess.run(["bash", "./setup.sh"], cwd=root / "source", capture_output=True,
                          text=True, timeout=1800,
                          env=dict(os.environ, NNGRADE_PYTHON=system_python()))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    yield root
    shutil.rmtree(base, ignore_errors=True)


def hostile_notebook(root: Path) -> nbformat.NotebookNode:
    """The blank notebook plus a cell that goes for everything under the autograder's
    root: the hidden suite, the reference code (to define its answers with), the
    submission and results folders, a forged results.json, and a detached process that
    forges it again after the grader writes it. The cell ends by raising what it
    achieved, so the results show that it ran."""
    nb = nbformat.read(BLANK, as_version=4)
    results = str(root / "results" / "results.json")
    forged = json.dumps({"score": 17, "tests": []})
    later = f"import time; time.sleep(3); open({results!r}, 'w').write({forged!r})"
    nb.cells.append(nbformat.v4.new_code_cell(f'''
import glob, os, subprocess, sys
read = []
for pattern in ("/source/**/*.py", "/submission/**/*", "/results/*",
                "/nngrade-venv/lib/python*/site-packages/reference/*.py"):
    for path in glob.glob({str(root)!r} + pattern, recursive=True):
        try:
            text = open(path).read()
        except OSError:
            continue
        read.append(path)
        if path.endswith(("activations.py", "losses.py")):
            exec(text, globals())
try:
    from reference.activations import *  # noqa
    read.append("reference")
except Exception as exc:
    print("no reference:", exc)
forged = []
for target in ({results!r}, "results.json"):
    try:
        open(target, "w").write({forged!r})
        forged.append(target)
    except OSError as exc:
        print("cannot forge", target, exc)
subprocess.Popen([sys.executable, "-c", {later!r}], start_new_session=True)
raise RuntimeError(f"attack ran: read {{len(read)}} files, forged {{forged}}")
'''))
    return nb


def run_autograder(root: Path, tier: str, notebook: nbformat.NotebookNode | Path,
                   name: str) -> tuple[dict, str]:
    """Put ``notebook`` in submission/ as ``name``, run run_autograder as root (in a
    Docker-like container for the reduced tier); returns results.json and the log."""
    for folder in ("submission", "results"):
        shutil.rmtree(root / folder, ignore_errors=True)
        (root / folder).mkdir()
    if isinstance(notebook, Path):
        shutil.copy(notebook, root / "submission" / name)
    else:
        nbformat.write(notebook, root / "submission" / name)
    command = [str(root / "run_autograder")]
    if tier == "reduced":
        command = docker_like.command(command)
    proc = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=root)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return json.loads((root / "results/results.json").read_text()), proc.stdout


def leftover_processes(log: str) -> list[str]:
    """Processes still running under the uids of the grader's workers (the block of the
    uid its log names)."""
    uid = int(UID_PATTERN.search(log).group(1))
    base = UID_FIRST + (uid - UID_FIRST) // UID_SLOTS * UID_SLOTS
    left = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        line = next(x for x in status.splitlines() if x.startswith("Uid:"))
        if base <= int(line.split()[1]) < base + UID_SLOTS:
            left.append(pid)
    return left


def test_the_zip_holds_the_scripts_at_its_root_and_no_notebook(package):
    with zipfile.ZipFile(package) as zf:
        names = zf.namelist()
        modes = {i.filename: i.external_attr >> 16 for i in zf.infolist()}
        config = json.loads(zf.read("nngrade-gradescope.json"))
        constraints = zf.read("constraints.txt").decode()
    assert modes["setup.sh"] & 0o111 and modes["run_autograder"] & 0o111
    assert "course/solutions/hw1_forward/hidden.py" in names
    assert "course/pyproject.toml" in names and "course/reference/activations.py" in names
    assert not [n for n in names if n.endswith(".ipynb") or "__pycache__" in n]
    assert config["details_visibility"] == "after_published" and config["isolation"] == \
        "reduced-ok"
    assert re.search(r"^numpy==\d", constraints, re.M) and "torch" not in constraints


def test_setup_installs_the_project_without_torch(autograder):
    python = autograder / "nngrade-venv/bin/python"
    proc = subprocess.run([python, "-c", "import autograder, reference, numpy"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    proc = subprocess.run([python, "-m", "pip", "show", "torch"], capture_output=True, text=True)
    assert proc.returncode != 0
    assert (autograder / "source").stat().st_mode & 0o777 == 0o700


@pytest.mark.parametrize("tier", ["full", "reduced"])
def test_the_solution_gets_full_marks(autograder, tier):
    results, log = run_autograder(autograder, tier, MASTER, "Homework 1 (final).ipynb")
    jsonschema.validate(results, SCHEMA)
    assert results["score"] == 17
    assert {t["name"]: t["score"] for t in results["tests"]} == {
        "q1": 2, "q2": 2, "q3": 3, "q4": 3, "q5": 1, "q6": 4, "q7": 2}
    assert results["extra_data"]["isolation"].startswith(f"{tier}: ")
    assert f"isolation: {tier}: " in log


@pytest.mark.parametrize("tier", ["full", "reduced"])
def test_the_blank_notebook_gets_zero_and_expected_values_wait_for_publication(autograder,
                                                                              tier):
    results, _ = run_autograder(autograder, tier, BLANK, "hw1_forward.ipynb")
    jsonschema.validate(results, SCHEMA)
    assert results["score"] == 0
    scored = [t for t in results["tests"] if "score" in t]
    details = [t for t in results["tests"] if "score" not in t]
    assert len(scored) == 7 and all(t["visibility"] == "visible" for t in scored)
    assert details and all(t["visibility"] == "after_published" for t in details)
    assert results["stdout_visibility"] == "hidden"


@pytest.mark.parametrize("tier", ["full", "reduced"])
def test_a_hostile_notebook_earns_nothing_and_cannot_touch_the_results(autograder, tier):
    results, log = run_autograder(autograder, tier, hostile_notebook(autograder), "x.ipynb")
    jsonschema.validate(results, SCHEMA)
    assert results["score"] == 0 and all(t.get("score", 0) == 0 for t in results["tests"])
    # it ran, found nothing, and could forge only a file in its own working directory
    assert "RuntimeError: attack ran: read 0 files, forged ['results.json']" in \
        results["output"]
    time.sleep(4)  # the detached forger would have struck by now
    assert json.loads((autograder / "results/results.json").read_text()) == results
    assert leftover_processes(log) == []


def test_a_submission_without_a_notebook_gets_zero_and_says_why(autograder):
    for folder in ("submission", "results"):
        shutil.rmtree(autograder / folder, ignore_errors=True)
        (autograder / folder).mkdir()
    (autograder / "submission/answers.py").write_text("x = 1")
    proc = subprocess.run([str(autograder / "run_autograder")], capture_output=True, text=True,
                          timeout=600)
    results = json.loads((autograder / "results/results.json").read_text())
    jsonschema.validate(results, SCHEMA)
    assert proc.returncode == 0 and results["score"] == 0
    assert "No notebook (.ipynb file) was found" in results["output"]


# ---------------------------------------------------------------------------
# the parts, without Gradescope


def test_the_submitted_notebook_is_found_whatever_its_name(tmp_path):
    (tmp_path / "unzipped/.ipynb_checkpoints").mkdir(parents=True)
    shutil.copy(BLANK, tmp_path / "unzipped/Copy of hw1 (2).ipynb")
    shutil.copy(BLANK, tmp_path / "unzipped/.ipynb_checkpoints/old.ipynb")
    assert find_submission(tmp_path, "hw1_forward").name == "Copy of hw1 (2).ipynb"
    other = nbformat.v4.new_notebook()
    nbformat.write(other, tmp_path / "scratch.ipynb")
    assert find_submission(tmp_path, "hw1_forward").name == "Copy of hw1 (2).ipynb"
    shutil.copy(BLANK, tmp_path / "again.ipynb")
    with pytest.raises(PackageError, match="several notebooks"):
        find_submission(tmp_path, "hw1_forward")
    with pytest.raises(PackageError, match="No notebook"):
        find_submission(tmp_path / "unzipped/.ipynb_checkpoints", "hw1_forward")


def test_results_of_a_partial_a_manual_and_an_ungradable_submission_fit_the_schema():
    config = GradescopeConfig("hw3_cost", 1, test_visibility="after_due_date",
                              details_visibility="hidden")
    checks = [CheckResult("softmax(Z) for Z of shape (5, 3)", True),
              CheckResult("softmax(Z) for Z of shape (1, 4)", False, message="expected 0.25, "
                          "got 0.5", mistake="normalised over columns")]
    result = SubmissionResult("s", "hw3_cost", "s.ipynb", "0" * 64, 1, questions=[
        QuestionResult.from_checks("q1", 2, checks),
        QuestionResult("q6", 2, None, Status.MANUAL, "Needs a manual grade.")])
    data = results_json(result, config)
    jsonschema.validate(data, SCHEMA)
    q1, details, manual = data["tests"]
    assert (q1["score"], q1["max_score"], q1["status"], q1["visibility"]) == \
        (1.0, 2, "failed", "after_due_date")
    assert "expected" not in q1["output"] and "looks like: normalised over columns" in \
        q1["output"]
    assert "expected 0.25" in details["output"] and details["visibility"] == "hidden"
    assert "score" not in manual and "by hand" in manual["name"]
    jsonschema.validate(error_json("No notebook", config), SCHEMA)


def test_a_bad_visibility_is_refused_in_one_line(tmp_path):
    proc = nngrade("gradescope", "-a", "hw1_forward", "--out", tmp_path,
                   "--details-visibility", "sometimes")
    assert proc.returncode == 2 and "sometimes" in proc.stderr
    with pytest.raises(PackageError, match="details_visibility must be one of"):
        GradescopeConfig("hw1_forward", 1, details_visibility="sometimes")
