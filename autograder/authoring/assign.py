"""Generating student notebooks from master notebooks, through Otter Assign.

``solutions/<hw>/<hw>.ipynb`` (Otter Assign format) becomes
``assignments/<hw>/<hw>.ipynb``: solutions replaced by ``...``, public tests stored in
the notebook's metadata for ``grader.check``. Otter also runs the public tests against
the solution while it works, so a broken master notebook fails here. Cell ids are made
deterministic so the committed notebooks only change when their content does.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat


class AssignError(Exception):
    pass


def master_notebook(course: Path, assignment: str) -> Path:
    return course / "solutions" / assignment / f"{assignment}.ipynb"


def student_notebook(course: Path, assignment: str) -> Path:
    return course / "assignments" / assignment / f"{assignment}.ipynb"


def _otter_assign(course: Path, assignment: str, dist: Path) -> None:
    master = master_notebook(course, assignment)
    if not master.is_file():
        raise AssignError(f"no master notebook at {master}")
    proc = subprocess.run([sys.executable, "-m", "otter", "assign", str(master), str(dist)],
                          capture_output=True, text=True, cwd=dist.parent)
    if proc.returncode != 0:
        raise AssignError(f"otter assign failed for {assignment}:\n"
                          f"{proc.stdout[-3000:]}{proc.stderr[-3000:]}")


def generate(course: Path, assignment: str, outdir: Path) -> Path:
    """Run Otter Assign on the master notebook; returns the student notebook in ``outdir``."""
    with tempfile.TemporaryDirectory(prefix="nngrade-assign-") as tmp:
        dist = Path(tmp) / "dist"
        _otter_assign(course, assignment, dist)
        student = dist / "student"
        outdir.mkdir(parents=True, exist_ok=True)
        for item in student.iterdir():
            target = outdir / item.name
            if item.is_dir():
                shutil.rmtree(target, ignore_errors=True)
                shutil.copytree(item, target)
            else:
                shutil.copy2(item, target)
    notebook = outdir / f"{assignment}.ipynb"
    _stable_ids(notebook)
    return notebook


def otter_autograder_zip(course: Path, assignment: str, dest: Path) -> Path:
    """The autograder zip Otter Assign makes, for running ``otter run`` side by side."""
    with tempfile.TemporaryDirectory(prefix="nngrade-assign-") as tmp:
        dist = Path(tmp) / "dist"
        _otter_assign(course, assignment, dist)
        zip_path = next((dist / "autograder").glob("*.zip"))
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(zip_path, dest)
    return dest


def _stable_ids(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    for i, cell in enumerate(nb.cells):
        cell["id"] = hashlib.sha1(f"{i}\0{cell.source}".encode()).hexdigest()[:8]
    nbformat.write(nb, path)


def assignments(course: Path) -> list[str]:
    """Every assignment with a master notebook under ``solutions/``."""
    return sorted(p.parent.name for p in (course / "solutions").glob("*/*.ipynb")
                  if p.stem == p.parent.name)


def stale(course: Path, assignment: str) -> list[str]:
    """Files of ``assignments/<hw>`` that differ from a fresh generation (empty: fresh)."""
    with tempfile.TemporaryDirectory(prefix="nngrade-check-") as tmp:
        fresh = Path(tmp) / assignment
        generate(course, assignment, fresh)
        current = course / "assignments" / assignment
        names = {p.relative_to(fresh) for p in fresh.rglob("*") if p.is_file()}
        return sorted(str(n) for n in names if not (current / n).is_file()
                      or (current / n).read_bytes() != (fresh / n).read_bytes())
