"""The peers measured on the same notebooks: ``otter run`` and nbgrader's ``autograde``.

nbgrader is not a dependency of this project: the benchmark installs it (with NumPy
and matplotlib, which the notebooks import) into a throwaway virtual environment under
the temporary folder, kept between runs, and builds an nbgrader course whose one
assignment is Homework 1 with the public tests of the student notebook as nbgrader's
autograded test cells. The otter cells of each notebook (``otter.Notebook``,
``grader.check``) are left out there, as nngrade skips them too.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from autograder.authoring.assign import otter_autograder_zip

NBGRADER_VENV = Path(tempfile.gettempdir()) / "nngrade-bench-nbgrader"
NBGRADER_PACKAGES = ["nbgrader", "numpy", "matplotlib", "ipykernel"]


def time_otter(course: Path, assignment: str, paths: list[Path], work: Path) -> float:
    """Seconds for ``otter run`` to grade ``paths`` one after the other."""
    zip_path = otter_autograder_zip(course, assignment, work / "otter.zip")
    start = time.perf_counter()
    for i, path in enumerate(paths):
        out = work / "otter_out" / str(i)
        out.mkdir(parents=True)
        subprocess.run([sys.executable, "-m", "otter", "run", "-a", str(zip_path), "-o",
                        str(out), str(path)], check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def nbgrader_python() -> tuple[Path | None, str]:
    """The Python of the throwaway environment with nbgrader (made if missing), or None
    and why it could not be made."""
    python = NBGRADER_VENV / "bin" / "python"
    if (NBGRADER_VENV / ".ready").exists():
        return python, ""
    shutil.rmtree(NBGRADER_VENV, ignore_errors=True)
    steps = [[sys.executable, "-m", "venv", str(NBGRADER_VENV)],
             [str(python), "-m", "pip", "install", "--quiet", *NBGRADER_PACKAGES]]
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True)
        if done.returncode:
            lines = (done.stderr or done.stdout).strip().splitlines()
            return None, f"{' '.join(step[:4])} failed: {lines[-1] if lines else '?'}"
    (NBGRADER_VENV / ".ready").touch()
    return python, ""


def _otter_cell(cell) -> bool:
    return cell.cell_type == "code" and ("otter" in cell.source or "grader." in cell.source)


def _test_cells(template) -> list:
    """nbgrader's autograded test cells: one per question, from the otter tests that
    the student notebook carries (its public tests)."""
    cells = []
    for qid, test in template.metadata["otter"]["tests"].items():
        lines = []
        for suite in test["suites"]:
            for case in suite["cases"]:
                lines += [line[4:] for line in case["code"].splitlines()
                          if line.startswith((">>> ", "... "))]
        cell = nbformat.v4.new_code_cell("\n".join(lines))
        cell.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True,
                                     "points": test.get("points", 1),
                                     "grade_id": qid, "schema_version": 3}
        cells.append(cell)
    return cells


def _nbgrader_copy(notebook: Path, tests: list, target: Path) -> None:
    nb = nbformat.read(notebook, as_version=4)
    nb.cells = [c for c in nb.cells if not _otter_cell(c)] + [nbformat.from_dict(t)
                                                               for t in tests]
    nb.metadata.pop("otter", None)
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, target)


def time_nbgrader(template_path: Path, assignment: str, paths: list[Path],
                  work: Path) -> tuple[float | None, str]:
    """Seconds for ``nbgrader autograde`` to grade ``paths`` (None, and why, when
    nbgrader cannot be installed or run here)."""
    python, why = nbgrader_python()
    if python is None:
        return None, why
    root = work / "nbgrader"
    template = nbformat.read(template_path, as_version=4)
    tests = _test_cells(template)
    (root).mkdir(parents=True)
    (root / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        f"c.CourseDirectory.root = {str(root)!r}\n"
        "c.CourseDirectory.course_id = 'bench'\n"
        "c.Execute.timeout = 60\n")
    _nbgrader_copy(template_path, tests, root / "source" / assignment / f"{assignment}.ipynb")
    for i, path in enumerate(paths):
        _nbgrader_copy(path, tests, root / "submitted" / f"s{i:03d}" / assignment
                       / f"{assignment}.ipynb")
    nbgrader = [str(python), "-m", "nbgrader"]
    env = dict(os.environ, PATH=f"{python.parent}:{os.environ.get('PATH', '')}")
    made = subprocess.run(nbgrader + ["generate_assignment", assignment, "--force"],
                          cwd=root, capture_output=True, text=True, env=env)
    if made.returncode:
        return None, f"nbgrader generate_assignment failed: {_last(made)}"
    start = time.perf_counter()
    graded = subprocess.run(nbgrader + ["autograde", assignment, "--force"], cwd=root,
                            capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - start
    done = len(list((root / "autograded").glob(f"*/{assignment}/{assignment}.ipynb")))
    if graded.returncode or done != len(paths):
        return None, (f"nbgrader autograde graded {done} of {len(paths)} notebooks: "
                      f"{_last(graded)}")
    return seconds, ""


def _last(done: subprocess.CompletedProcess) -> str:
    lines = (done.stderr or done.stdout or "").strip().splitlines()
    return lines[-1][:300] if lines else f"exit code {done.returncode}"
