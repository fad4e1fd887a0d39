"""What a question sees of a submission: the ``student`` proxy and worker objects.

Calls, attribute reads and object handles travel to the worker through the
notebook's runtime; replies come back as plain values (arrays, numbers, lists,
dicts) or :class:`Handle` references to objects that stay in the worker.
"""

from __future__ import annotations

import time
from typing import Any

from autograder.engine.errors import StudentError
from autograder.engine.results import Failure
from autograder.engine.runtime import NotebookRuntime
from autograder.sandbox import protocol


class QuestionBudget:
    """The wall-clock budget left to one question."""

    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds

    def take(self, wanted: float) -> float:
        left = self.end - time.monotonic()
        if left <= 0:
            raise StudentError(Failure.TIMEOUT, "the question's time limit was used up")
        return min(wanted, left)


class Student:
    """What a question sees of the submission: names, calls and objects in the worker."""

    def __init__(self, runtime: NotebookRuntime, budget: QuestionBudget) -> None:
        self._runtime = runtime
        self._budget = budget
        self._stopped: StudentError | None = None  # the worker was stopped in this question

    def call(self, name: str, *args: Any, timeout: float | None = None,
             strict_floats: bool = False, **kwargs: Any) -> Any:
        """Call the notebook's global ``name`` with inputs; returns plain values
        (arrays, numbers, lists, dicts) or a :class:`Handle` for other objects.

        ``strict_floats`` makes floating-point overflow, invalid operations and division
        by zero raise inside the call, to check that a computation is stable."""
        header = {"op": "call", "name": name, "errstate": "raise" if strict_floats else None}
        return self._send(header, args, kwargs, timeout, None)

    def get(self, name: str) -> Any:
        """The value of the notebook's global ``name``."""
        return self._send({"op": "get", "name": name}, None, None, None, None)

    def has(self, *names: str) -> bool:
        """True when every name is defined in the notebook."""
        reply = self._runtime.request({"op": "has", "names": list(names)}, [],
                                      self._budget.take(self._runtime.budgets.call_seconds))
        got = reply.header.get("names")
        return isinstance(got, list) and all(n in got for n in names)

    def figures(self) -> list[dict]:
        """Plain descriptions of the notebook's open matplotlib figures."""
        value = self._send({"op": "figures"}, None, None, None, None)
        return value if isinstance(value, list) else []

    @staticmethod
    def rng(seed: int) -> protocol.RngSeed:
        """An argument that becomes ``np.random.default_rng(seed)`` in the worker."""
        return protocol.RngSeed(seed)

    def _send(self, header: dict, args, kwargs, timeout: float | None,
              generation: int | None) -> Any:
        generations = {generation} if generation is not None else set()
        blobs: list[bytes] = []
        if args is not None:
            def by_reference(obj: Any) -> protocol.HandleRef:
                if not isinstance(obj, Handle):
                    raise protocol.ProtocolError(
                        f"cannot send a value of type {type(obj).__name__}")
                generations.add(obj.generation)
                return obj.ref

            enc = protocol.Encoder(to_handle=by_reference)
            header = dict(header, args=enc.encode(list(args)), kwargs=enc.encode(dict(kwargs)))
            blobs = enc.blobs
        if self._stopped is not None:  # one stopped worker per question is enough
            raise StudentError(self._stopped.kind, "not run: an earlier call of this question "
                               f"was stopped ({self._stopped.message.splitlines()[0]})")
        seconds = self._budget.take(timeout or self._runtime.budgets.call_seconds)
        try:
            reply = self._runtime.request(header, blobs, seconds, generations)
        except StudentError as exc:
            if exc.fatal:
                self._stopped = exc
            raise
        current = self._runtime.generation
        return self._runtime.decode(reply, lambda ref: Handle(self, ref, current))


class Handle:
    """An object that lives in the worker (an instance of the student's class, say)."""

    def __init__(self, student: Student, ref: protocol.HandleRef, generation: int) -> None:
        self._student = student
        self.ref = ref
        self.generation = generation

    @property
    def type_name(self) -> str:
        return self.ref.type_name

    def call(self, method: str, *args: Any, timeout: float | None = None,
             strict_floats: bool = False, **kwargs: Any) -> Any:
        """Call a method of the object (``strict_floats`` as in :meth:`Student.call`)."""
        header = {"op": "call", "handle": self.ref.id, "attr": method,
                  "errstate": "raise" if strict_floats else None}
        return self._student._send(header, args, kwargs, timeout, self.generation)

    def get(self, attr: str) -> Any:
        """Read an attribute of the object."""
        header = {"op": "get", "handle": self.ref.id, "attr": attr}
        return self._student._send(header, None, None, None, self.generation)

    def __repr__(self) -> str:
        return f"<student object of type {self.type_name}>"
