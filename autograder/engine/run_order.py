"""A notebook that works only when its cells run out of order.

Every homework says so: the grader runs the notebook from top to bottom in a fresh
process, "so a notebook that only works in your current session will lose points".
The plainest case is a cell that fails with ``NameError`` for a name that only a *later*
cell defines: it ran in the student's session because that later cell had run before.
Such a cell costs one check of the question whose block it sits in (the block ends at
the question's ``grader.check`` cell), whatever the question's functions do once the
whole notebook has run. Nothing here executes student code; later cells are only parsed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from autograder.engine.results import CellLog, CheckResult, Failure, QuestionResult
from autograder.engine.source import top_level_names

_NAME_ERROR = re.compile(r"^NameError: name '(\w+)' is not defined")
LABEL = "the notebook run from top to bottom"
MISTAKE = "a name used in a cell above the one that defines it"


@dataclass(frozen=True)
class OutOfOrder:
    """Code cell ``cell`` failed for ``name``, which code cell ``defined_in`` (later) binds."""

    cell: int
    name: str
    defined_in: int


def out_of_order(cells: list[str], logs: list[CellLog]) -> list[OutOfOrder]:
    """The cells (indices into ``cells``, the executed code cells) that failed for a name
    bound only by a later cell. ``logs`` index the same list."""
    found = []
    bound: dict[int, set[str]] = {}
    for log in logs:
        match = _NAME_ERROR.match(log.error or "")
        if log.ok or not match:
            continue
        name = match.group(1)
        for later in range(log.index + 1, len(cells)):
            if later not in bound:
                bound[later] = top_level_names(cells[later])
            if name in bound[later]:
                found.append(OutOfOrder(log.index, name, later))
                break
    return found


def charge(questions: list[QuestionResult], found: list[OutOfOrder], blocks: list[str | None],
           where: Callable[[int], str]) -> None:
    """Add one failed check to each automatically graded question with such a cell in
    its block (a question already at zero keeps its result). ``blocks`` gives the question
    of each code cell's block, ``where`` names a code cell as the student finds it."""
    by_question: dict[str, list[OutOfOrder]] = {}
    for f in found:
        qid = blocks[f.cell] if f.cell < len(blocks) else None
        if qid:
            by_question.setdefault(qid, []).append(f)
    for i, q in enumerate(questions):
        cells = by_question.get(q.question)
        if not cells or q.manual or not q.score:
            continue
        check = CheckResult(LABEL, False, 1.0, _message(cells, where), Failure.ERROR, MISTAKE)
        questions[i] = QuestionResult.from_checks(q.question, q.max_points, q.checks + [check],
                                                  seconds=q.seconds)


def _message(cells: list[OutOfOrder], where: Callable[[int], str]) -> str:
    first = cells[0]
    more = f" (and {len(cells) - 1} more cell(s) of this question)" if len(cells) > 1 else ""
    return (f"{where(first.cell)} raised NameError: name '{first.name}' is not "
            f"defined{more}; only the later {where(first.defined_in)} defines it, so "
            "this notebook works only in a session where its cells ran out of order. The "
            "grader runs it from top to bottom: restart the kernel and run all cells before "
            "you submit (Kernel → Restart & Run All).")
