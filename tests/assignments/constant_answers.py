"""The solution notebook with every answer replaced by a constant, and the checks of
the hidden suite that still give it credit.

Every function defined in an answer cell of the master notebook, and every method of a
class defined there, is made to return a constant: zeros shaped like its first array
argument (or 0.0), ones likewise (or 1.0), or its first argument itself. A constructor
(``__init__``) does nothing, so objects can still be built but hold nothing; other
dunder methods stay as they are. A check that passes for one of these gives credit
without the computation it asks for.
"""

from __future__ import annotations

import ast
import tempfile
from pathlib import Path

import nbformat

from autograder.authoring.assign import master_notebook
from autograder.engine.pipeline import grade_path
from autograder.engine.results import Failure
from autograder.engine.session import WorkerFactory
from autograder.engine.suite import Suite

MODES = ("zeros", "ones", "first")
DECORATOR = "_nngrade_constant"

PRELUDE = f'''
import numpy as _np

def {DECORATOR}(mode, method=False):
    """Replace a function by one that returns a constant of the kind ``mode``."""
    def wrap(func):
        def constant(*args, **kwargs):
            if func.__name__ == "__init__":
                return None
            values = list(args[1:] if method else args) + list(kwargs.values())
            if mode == "first":
                return values[0] if values else None
            fill = 0.0 if mode == "zeros" else 1.0
            shaped = next((v for v in values if isinstance(v, _np.ndarray)), None)
            return fill if shaped is None else _np.full(shaped.shape, fill)
        constant.__name__ = func.__name__
        return constant
    return wrap
'''


def answer_cells(nb: nbformat.NotebookNode) -> list[int]:
    """Indices of the code cells between ``# BEGIN SOLUTION`` and ``# END SOLUTION`` raw
    cells (Otter Assign's solution cells)."""
    inside, found = False, []
    for i, cell in enumerate(nb.cells):
        text = cell.source.strip()
        if cell.cell_type == "raw" and text.startswith("# BEGIN SOLUTION"):
            inside = True
        elif cell.cell_type == "raw" and text.startswith("# END SOLUTION"):
            inside = False
        elif inside and cell.cell_type == "code":
            found.append(i)
    return found


def constant_source(source: str, mode: str) -> str:
    """``source`` with every top-level function, and every method of a top-level class
    but its other dunder methods, returning a constant (``__init__``: doing nothing). A
    cell that is not plain Python (magics) is kept as it is."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return source
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            _decorate(node, mode, method=False)
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and (
                        item.name == "__init__" or not item.name.startswith("__")):
                    static = any(isinstance(d, ast.Name) and d.id == "staticmethod"
                                 for d in item.decorator_list)
                    _decorate(item, mode, method=not static)
    return ast.unparse(tree)


def _decorate(node: ast.FunctionDef | ast.AsyncFunctionDef, mode: str, method: bool) -> None:
    """Apply the constant decorator first (innermost), under any property or cache."""
    call = ast.Call(ast.Name(DECORATOR, ast.Load()),
                    [ast.Constant(mode)], [ast.keyword("method", ast.Constant(method))])
    node.decorator_list.append(call)


def constant_notebook(course: Path, assignment: str, mode: str) -> nbformat.NotebookNode:
    """The master notebook with the prelude first and every answer made constant."""
    nb = nbformat.read(master_notebook(course, assignment), as_version=4)
    cells = answer_cells(nb)
    assert cells, f"no answer cells found in the master notebook of {assignment}"
    for i in cells:
        nb.cells[i].source = constant_source(nb.cells[i].source, mode)
    nb.cells.insert(0, nbformat.v4.new_code_cell(PRELUDE))
    return nb


def checks_passing_for_constants(course: Path, assignment: str, suite: Suite,
                                 factory: WorkerFactory, seed: int) -> dict[str, list[str]]:
    """``{"q3: <check label>": [modes for which it passes]}`` for every check of the
    suite that gives credit to constant answers; a question that the suite itself could
    not finish (an internal error, which hides the checks after it) is listed as
    ``"q6: internal error in the hidden suite"``."""
    found: dict[str, list[str]] = {}
    with tempfile.TemporaryDirectory(prefix="nngrade-constant-") as tmp:
        for mode in MODES:
            path = Path(tmp) / f"{assignment}.ipynb"
            nbformat.write(constant_notebook(course, assignment, mode), path)
            result = grade_path(path, suite, factory, seed, student=f"constant_{mode}")
            assert not result.error, result.error
            for q in result.questions:
                for c in q.checks:
                    if c.passed or c.kind == Failure.INTERNAL:
                        label = c.message if c.kind == Failure.INTERNAL else c.label
                        found.setdefault(f"{q.question}: {label}", []).append(mode)
    return found
