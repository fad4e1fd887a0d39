"""Reading a submitted notebook: validate it, or refuse it with one clear line.

Nothing here executes student code. A refused notebook is still recorded (with its
reason and zero points) so no submission silently disappears from the gradebook.
"""

from __future__ import annotations

import hashlib
import json
import re
import warnings
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

MAX_BYTES = 20 * 2**20
MAX_CELLS = 2000
MAX_CODE_CHARS = 2 * 2**20

# Otter's own cells (init, checks, export) need otter itself; grading skips them.
_OTTER_ONLY = re.compile(
    r"^\s*(#.*|grader\s*\.\s*(check|check_all|export|run_plugin)\s*\(.*\)\s*;?|)\s*$")


_HEADING = re.compile(r"^#{1,6}\s", re.M)
_CHECK = re.compile(r"grader\s*\.\s*check\s*\(\s*['\"](\w+)['\"]")

# What Otter Assign writes into an answer cell for the student to replace.
PLACEHOLDER = "_Type your answer here, replacing this text._"


class LoadError(Exception):
    """The file cannot be graded; the message is one line a student understands."""


@dataclass
class Answer:
    """A Markdown answer cell of a manually graded question."""

    question: str | None  # the question it answers, from the cell's metadata
    block: int            # which manual-question block it sits in (0, 1, ...), -1 outside
    text: str             # the student's text ("" when still the placeholder)


@dataclass
class Submission:
    student: str
    path: Path
    sha256: str
    cells: list[str]                  # code cells to execute, in order
    answers: list[Answer] = field(default_factory=list)
    positions: list[int] = field(default_factory=list)  # each code cell's index in the notebook
    blocks: list[str | None] = field(default_factory=list)  # each code cell's question

    def answer_to(self, qid: str, block: int) -> str:
        """The student's answer to manual question ``qid`` (the ``block``-th manual
        question of the notebook): the cells named for it, or when the notebook names
        none, the answer cells inside its question block. Never by position alone."""
        named = any(a.question for a in self.answers)
        texts = [a.text for a in self.answers
                 if (a.question == qid if named else a.block == block)]
        return "\n\n".join(t for t in texts if t)


def student_id(path: Path, assignment: str | None = None) -> str:
    """``submissions/alice/hw1.ipynb`` -> ``alice``; ``submissions/bob.ipynb`` -> ``bob``."""
    stem = path.stem
    if assignment and stem == assignment and path.parent.name:
        return path.parent.name
    return stem


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_submission(path: Path, student: str | None = None, assignment: str | None = None,
                    max_bytes: int = MAX_BYTES) -> Submission:
    """Read and validate ``path``; raises :class:`LoadError` with the reason."""
    path = Path(path)
    if path.is_symlink():
        raise LoadError("the file is a symbolic link; submit the notebook file itself")
    if not path.is_file():
        raise LoadError("no such file")
    size = path.stat().st_size
    if size > max_bytes:
        raise LoadError(f"the notebook is {size / 2**20:.1f} MB, over the "
                        f"{max_bytes / 2**20:.0f} MB limit (clear large outputs and resubmit)")
    raw = path.read_bytes()
    nb = _parse(raw)
    cells = list(nb.cells)
    _check_language(nb)
    code = [(i, _source(c)) for i, c in enumerate(cells) if c.get("cell_type") == "code"]
    code = [(i, s) for i, s in code if s.strip() and not _otter_only(s)]
    if sum(len(s) for _, s in code) > MAX_CODE_CHARS:
        raise LoadError("the notebook's code is over 2 MB")
    answers = _answers(cells)
    return Submission(student or student_id(path, assignment), path,
                      hashlib.sha256(raw).hexdigest(), [s for _, s in code], answers,
                      [i for i, _ in code], _blocks(cells, [i for i, _ in code]))


def _blocks(cells: list, positions: list[int]) -> list[str | None]:
    """The question each code cell (at ``positions``) belongs to: a Markdown heading starts
    a section, and a section with the ``grader.check("q…")`` cell of one question is that
    question's (its answer cells above the check, its demonstrations below). None where
    a section has no check, or several."""
    section, sections, checks = 0, [], defaultdict(set)
    for cell in cells:
        source = _source(cell)
        if cell.get("cell_type") == "markdown" and _HEADING.search(source):
            section += 1
        elif cell.get("cell_type") == "code" and (found := _CHECK.search(source)):
            checks[section].add(found.group(1))
        sections.append(section)
    owner = {k: next(iter(qs)) for k, qs in checks.items() if len(qs) == 1}
    return [owner.get(sections[p]) for p in positions]


def _parse(raw: bytes) -> nbformat.NotebookNode:
    try:
        text = raw.decode("utf-8-sig")  # an editor's byte-order mark is not the student's fault
    except UnicodeDecodeError:
        raise LoadError("the file is not text (binary or not UTF-8); is it a notebook?") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LoadError(f"the file is not valid JSON (line {exc.lineno}, column {exc.colno}); "
                        "it may be truncated or corrupted") from None
    except RecursionError:
        raise LoadError("the file is not a notebook (JSON nested too deeply)") from None
    if not isinstance(data, dict) or "cells" not in data and "worksheets" not in data:
        raise LoadError("the file is JSON but not a Jupyter notebook (no cells)")
    count = len(data["cells"]) if isinstance(data.get("cells"), list) else 0
    if count > MAX_CELLS:
        raise LoadError(f"the notebook has {count} cells; the limit is {MAX_CELLS}")
    try:
        with warnings.catch_warnings():  # nbformat warns about fixable ids; not our concern
            warnings.simplefilter("ignore")
            nb = nbformat.reads(text, as_version=4)
            nbformat.validate(nb)
    except Exception as exc:  # nbformat raises several types for bad documents
        first = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        raise LoadError(f"the file is not a valid Jupyter notebook ({first})") from None
    return nb


def _check_language(nb: nbformat.NotebookNode) -> None:
    meta = nb.get("metadata", {})
    names = [str(meta.get("kernelspec", {}).get("language", "")),
             str(meta.get("language_info", {}).get("name", "")),
             str(meta.get("kernelspec", {}).get("name", ""))]
    for name in names[:2]:
        if name and name.lower() not in ("python", "python3"):
            raise LoadError(f"the notebook uses the {name} kernel; this course needs Python 3")
    # a kernel's name is the student's choice ("irene", "julia-nn"): it tells the language
    # only where the notebook names none
    if names[2] and not any(names[:2]) and re.match(r"^(ir|julia|xeus-cling|javascript|bash)",
                                                    names[2].lower()):
        raise LoadError(f"the notebook uses the {names[2]} kernel; this course needs Python 3")


def _answers(cells: list) -> list[Answer]:
    """Markdown answer cells, with the question each one answers. Otter Assign encloses
    each manual question of a student notebook in ``<!-- BEGIN QUESTION -->`` ...
    ``<!-- END QUESTION -->`` and ``nngrade assign`` names the question in the answer
    cell's metadata; in a master notebook, the answer is the Markdown solution of a
    ``manual: true`` question."""
    found, block, inside, asked = [], -1, False, None
    master_question, in_solution = None, False
    for cell in cells:
        source, kind = _source(cell), cell.get("cell_type")
        meta = cell.get("metadata", {}) or {}
        named = (meta.get("nngrade") or {}).get("question")
        named = named if isinstance(named, str) else None
        if kind == "raw":
            master_question, in_solution = _master_marker(source, master_question, in_solution)
        elif kind == "markdown":
            if "<!-- END QUESTION -->" in source:
                inside = False
            if "<!-- BEGIN QUESTION -->" in source:
                block, inside, asked = block + 1, True, named
            elif "otter_answer_cell" in (meta.get("tags") or []):
                text = "" if source.strip() == PLACEHOLDER else source.strip()
                found.append(Answer(named, block if inside else -1, text))
            elif inside and meta.get("editable", True) is not False and \
                    source.strip() not in ("", PLACEHOLDER):
                # a cell the student added inside the question's block (below the
                # placeholder, or in place of the answer cell) is part of the answer
                found.append(Answer(asked, block, source.strip()))
            elif in_solution and master_question:
                found.append(Answer(master_question, -1, source.strip()))
    return found


def _master_marker(source: str, question: str | None,
                   in_solution: bool) -> tuple[str | None, bool]:
    """Follow an Otter Assign master notebook's raw marker cells: the manual question
    being read, and whether a solution is open."""
    head = source.strip()
    if head.startswith("# BEGIN QUESTION"):
        name = re.search(r"^name:\s*(\S+)", source, re.M)
        manual = re.search(r"^manual:\s*true\b", source, re.M | re.I)
        return (name.group(1) if name and manual else None), False
    if head.startswith("# END QUESTION"):
        return None, False
    if head.startswith("# BEGIN SOLUTION"):
        return question, True
    if head.startswith("# END SOLUTION"):
        return question, False
    return question, in_solution


def _source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def _otter_only(source: str) -> bool:
    return all(_OTTER_ONLY.match(line) for line in source.splitlines())
