"""Generating student notebooks from master notebooks, through Otter Assign.

``solutions/<hw>/<hw>.ipynb`` (Otter Assign format) becomes
``assignments/<hw>/<hw>.ipynb``: solutions replaced by ``...``, public tests stored in
the notebook's metadata for ``grader.check``. Otter also runs the public tests against
the solution while it works, so a broken master notebook fails here. Cell ids are made
deterministic so the committed notebooks only change when their content does.
"""

from __future__ import annotations

import doctest
import hashlib
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import yaml

from autograder.engine.suite import Suite


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
    _finish(notebook, [q for q, (_, manual) in master_questions(course, assignment).items()
                       if manual])
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


QUIET = (">>> from contextlib import redirect_stdout as _quiet\n"
         ">>> from io import StringIO as _StringIO\n")


def quiet_case(code: str) -> str:
    """A public doctest case whose examples run with their printed output discarded, so a
    student's function that prints (which the texts allow) does not fail a check whose
    asserts all hold; an example that states its expected output is kept as it is."""
    examples = doctest.DocTestParser().get_examples(code)
    if not examples or all(e.want for e in examples):
        return code
    lines = [QUIET]
    for e in examples:
        if e.want:
            lines.append(_doctest_lines(e.source) + e.want)
        else:
            body = "".join(f"    {line}\n" for line in e.source.splitlines())
            lines.append(_doctest_lines("with _quiet(_StringIO()):\n" + body))
    return "".join(lines)


def _doctest_lines(source: str) -> str:
    first, *rest = source.splitlines()
    return "".join([f">>> {first}\n", *(f"... {line}\n" for line in rest)])


def _quiet_tests(nb: nbformat.NotebookNode) -> None:
    for test in nb.metadata.get("otter", {}).get("tests", {}).values():
        for suite in test.get("suites", []):
            for case in suite.get("cases", []):
                case["code"] = quiet_case(case["code"])


def _finish(path: Path, manual: list[str]) -> None:
    """Name each manual question's cells after it (Otter Assign only encloses them in
    ``<!-- BEGIN QUESTION -->`` ... ``<!-- END QUESTION -->``), so answers are matched by
    name when graded; make the public tests indifferent to what the student's functions
    print; and make cell ids deterministic."""
    nb = nbformat.read(path, as_version=4)
    _quiet_tests(nb)
    block, inside = -1, False
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            if "<!-- END QUESTION -->" in cell.source:
                inside = False
            if "<!-- BEGIN QUESTION -->" in cell.source:
                block, inside = block + 1, True
                if block >= len(manual):
                    raise AssignError(f"{path.name}: more hand-graded question blocks than "
                                      f"manual questions ({', '.join(manual) or 'none'})")
            if inside:
                cell.metadata["nngrade"] = {"question": manual[block]}
        cell["id"] = hashlib.sha1(f"{i}\0{cell.source}".encode()).hexdigest()[:8]
    if block + 1 != len(manual):
        raise AssignError(f"{path.name}: {block + 1} hand-graded question blocks for "
                          f"{len(manual)} manual questions")
    nbformat.write(nb, path)


def master_questions(course: Path, assignment: str) -> dict[str, tuple[float, bool]]:
    """Question name -> (points, manual) from the master notebook's Otter config cells,
    in the notebook's order."""
    nb = nbformat.read(master_notebook(course, assignment), as_version=4)
    found = {}
    for cell in nb.cells:
        if cell.cell_type == "raw" and re.match(r"#\s*BEGIN QUESTION", cell.source):
            config = yaml.safe_load(cell.source.split("\n", 1)[1]) or {}
            found[str(config.get("name"))] = (float(config.get("points", 0)),
                                              bool(config.get("manual", False)))
    return found


def disagreements(course: Path, suite: Suite) -> list[str]:
    """Where the master notebook and the hidden suite disagree on the questions (names,
    order, points, graded by hand or not); empty when they agree."""
    master = master_questions(course, suite.assignment)
    declared = {q.id: (q.points, q.manual) for q in suite.questions}
    problems = [f"{q} is in the master notebook but not in hidden.py" for q in master
                if q not in declared]
    problems += [f"{q} is in hidden.py but not in the master notebook" for q in declared
                 if q not in master]
    for q in master.keys() & declared.keys():
        (mp, mm), (sp, sm) = master[q], declared[q]
        if mp != sp:
            problems.append(f"{q}: {mp:g} points in the master notebook, {sp:g} in hidden.py")
        if mm != sm:
            problems.append(f"{q}: manual is {mm} in the master notebook, {sm} in hidden.py")
    if not problems and list(master) != list(declared):
        problems.append("the questions are in a different order in hidden.py")
    return problems


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
