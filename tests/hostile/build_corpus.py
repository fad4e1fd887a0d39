"""Write the hostile corpus notebooks (``tests/hostile/corpus/`` for Homework 1 and
``tests/hostile/corpus_hw6_digits/`` for the capstone) from ``cases.py``.

    python tests/hostile/build_corpus.py

Deterministic; rerun after the Homework 1 student notebook changes. Files too large or
odd to commit (100k cells, 200 MB, a symlink) are made by the test itself.
"""

from __future__ import annotations

import importlib.util
import json
import random
import sys
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CORPUS = HERE / "corpus"
CAPSTONE = HERE / "corpus_hw6_digits"
sys.path.insert(0, str(HERE))

from cases import ACCEPTED, CAPSTONE_CASES, CASES, CORRECT  # noqa: E402


def _load_builder():
    spec = importlib.util.spec_from_file_location("build_samples",
                                                  ROOT / "examples/build_samples.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


BUILDER = _load_builder()


def student_notebook(assignment: str) -> nbformat.NotebookNode:
    return nbformat.read(ROOT / f"assignments/{assignment}/{assignment}.ipynb", as_version=4)


def notebook(answers: list[str] | None, insert: dict[int, list[str]],
             assignment: str = "hw1_forward") -> nbformat.NotebookNode:
    """The student notebook with ``answers``, plus code cells inserted after answer cells."""
    nb = BUILDER.fill(student_notebook(assignment), {"answers": answers} if answers else {})
    slots = [i for i, c in enumerate(nb.cells)
             if "otter_answer_cell" in c.metadata.get("tags", [])]
    for after in sorted(insert, reverse=True):
        position = slots[0] if after < 0 else slots[after] + 1
        for offset, source in enumerate(insert[after]):
            cell = nbformat.v4.new_code_cell(source.strip("\n"))
            cell.id = BUILDER.cell_id(position + offset, cell.source)
            nb.cells.insert(position + offset, cell)
    nbformat.validate(nb)
    return nb


def write(name: str, data: bytes, folder: Path = CORPUS) -> None:
    (folder / f"{name}.ipynb").write_bytes(data)


def main() -> None:
    CORPUS.mkdir(exist_ok=True)
    for old in CORPUS.glob("*.ipynb"):
        old.unlink()
    for name, case in CASES.items():
        nb = notebook(case["answers"], case.get("insert", {}))
        write(name, nbformat.writes(nb).encode() + b"\n")
    correct = notebook(CORRECT, {})
    for name in ACCEPTED:
        if name == "nbformat_v3":
            write(name, nbformat.writes(nbformat.convert(correct, 3)).encode() + b"\n")
        else:
            write(name, nbformat.writes(correct).encode() + b"\n")
    write("corrupt_json", nbformat.writes(correct).encode()[:500])
    write("json_not_a_notebook", json.dumps({"student": "x", "answers": [1, 2]}).encode())
    r_cell = nbformat.v4.new_code_cell("x <- c(1, 2)")
    r_cell.id = BUILDER.cell_id(0, r_cell.source)
    r_nb = nbformat.v4.new_notebook(cells=[r_cell])
    r_nb.metadata["kernelspec"] = {"name": "ir", "language": "R", "display_name": "R"}
    write("r_kernel", nbformat.writes(r_nb).encode())
    write("binary_junk", random.Random(1).randbytes(4096))
    CAPSTONE.mkdir(exist_ok=True)
    for old in CAPSTONE.glob("*.ipynb"):
        old.unlink()
    for name, case in CAPSTONE_CASES.items():
        nb = notebook(case["answers"], case["insert"], "hw6_digits")
        write(name, nbformat.writes(nb).encode() + b"\n", CAPSTONE)
    for folder in (CORPUS, CAPSTONE):
        print(f"wrote {len(list(folder.glob('*.ipynb')))} files to {folder.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
