"""Build the sample submissions of an assignment from its current student notebook.

Each assignment has a spec module ``examples/samples/<assignment>.py`` with a dict
``SAMPLES`` that maps a student id (the file stem) to a sample::

    SAMPLES = {
        "ada_lovelace": {"answers": ["def sigmoid(z): ...", ...]},  # one per answer cell
        "alan_turing": {},                                          # the blank notebook
        "edsger_dijkstra": {"answers": [...], "truncate": 300},     # a corrupt upload
    }

Keys of a sample (all optional):

* ``answers``: the source of each cell tagged ``otter_answer_cell``, in order; ``None``
  keeps a cell as generated, and an empty list keeps them all.
* ``replace``: ``{cell index: source}`` for other cells of the notebook.
* ``append``: sources of code cells added at the end.
* ``truncate``: keep only the first bytes of the written file.

Usage: ``python examples/build_samples.py hw1_forward`` (or ``all``). The folder
``examples/submissions/<assignment>/`` is rewritten. The output is deterministic: cells
keep the student notebook's ids, and added cells get an id hashed from index and source.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import nbformat

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / "examples" / "samples"
OUT = ROOT / "examples" / "submissions"
KEYS = {"answers", "replace", "append", "truncate"}


def swap(source: str, *pairs: tuple[str, str]) -> str:
    """``source`` with each ``(old, new)`` replaced; ``old`` must occur in it (specs use
    it to plant a mistake in a correct answer)."""
    for old, new in pairs:
        if old not in source:
            raise ValueError(f"{old!r} not found")
        source = source.replace(old, new)
    return source


def load_spec(assignment: str) -> ModuleType:
    """Import ``examples/samples/<assignment>.py`` (which may import this module)."""
    if str(ROOT / "examples") not in sys.path:
        sys.path.insert(0, str(ROOT / "examples"))
    path = SPECS / f"{assignment}.py"
    spec = importlib.util.spec_from_file_location(f"samples_{assignment}", path)
    if spec is None or not path.is_file():
        raise SystemExit(f"no sample spec {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def cell_id(index: int, source: str) -> str:
    """A stable cell id from the cell's position and source."""
    return hashlib.sha256(f"{index}\0{source}".encode()).hexdigest()[:8]


def fill(blank: nbformat.NotebookNode, sample: dict[str, Any]) -> nbformat.NotebookNode:
    """A copy of the student notebook with the sample's answers and extra cells."""
    unknown = set(sample) - KEYS
    if unknown:
        raise ValueError(f"unknown sample keys {sorted(unknown)}")
    nb = nbformat.from_dict(blank)
    slots = [c for c in nb.cells if "otter_answer_cell" in c.metadata.get("tags", [])]
    answers = sample.get("answers") or [None] * len(slots)
    if len(answers) != len(slots):
        raise ValueError(f"{len(answers)} answers for {len(slots)} answer cells")
    for cell, source in zip(slots, answers, strict=True):
        if source is not None:
            cell.source = source.strip("\n")
    for index, source in sample.get("replace", {}).items():
        nb.cells[index].source = source.strip("\n")
    for source in sample.get("append", ()):
        cell = nbformat.v4.new_code_cell(source.strip("\n"))
        cell.id = cell_id(len(nb.cells), cell.source)
        nb.cells.append(cell)
    nbformat.validate(nb)
    return nb


def build(assignment: str) -> list[Path]:
    """Rewrite ``examples/submissions/<assignment>/`` from the spec; return the files."""
    blank = nbformat.read(ROOT / "assignments" / assignment / f"{assignment}.ipynb",
                          as_version=4)
    out = OUT / assignment
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.ipynb"):
        old.unlink()
    written = []
    for student, sample in load_spec(assignment).SAMPLES.items():
        data = nbformat.writes(fill(blank, sample)).encode() + b"\n"
        if sample.get("truncate") is not None:
            data = data[: sample["truncate"]]
        path = out / f"{student}.ipynb"
        path.write_bytes(data)
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assignment", help="assignment id, e.g. hw1_forward, or 'all'")
    args = parser.parse_args(argv)
    names = (sorted(p.stem for p in SPECS.glob("*.py") if not p.stem.startswith("_"))
             if args.assignment == "all" else [args.assignment])
    for name in names:
        files = build(name)
        print(f"{name}: wrote {len(files)} notebooks to {(OUT / name).relative_to(ROOT)}")


if __name__ == "__main__":
    main()
