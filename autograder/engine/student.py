"""What a question sees of a submission: the ``student`` proxy and worker objects.

Calls, attribute reads and object handles travel to the worker through the
notebook's runtime; replies come back as plain values (arrays, numbers, lists,
dicts) or :class:`Handle` references to objects that stay in the worker.

A call must leave its array arguments as they were: the worker compares them with
copies after the call and reports the ones that changed; here, unless the question
allows it (``may_change``), a change fails the current check, naming the argument.
A rule about arguments costs one check per function and question: a later check that
finds the same function breaking it again passes on that count, with a note.

Where a question forbids randomness (``no_draws=True``: "do not use ``rng`` at
inference"), the worker also reports whether the call drew numbers from a generator
built from ``student.rng(seed)``, and a draw fails the current check the same way.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

from autograder.engine.checks import current
from autograder.engine.errors import StudentError
from autograder.engine.results import Failure
from autograder.engine.runtime import NotebookRuntime
from autograder.engine.source import modules_used_by
from autograder.sandbox import protocol

# which array arguments a call may modify in place: True for all, positions or keywords
MayChange = bool | int | str | Collection[int | str]


class QuestionBudget:
    """The wall-clock budget left to one question, which grows by the time the grading
    waited for a CPU (``credit``)."""

    def __init__(self, seconds: float, credit: Callable[[], float] = lambda: 0.0) -> None:
        self.end = time.monotonic() + seconds
        self.credit = credit

    def take(self, wanted: float) -> float:
        left = self.end + self.credit() - time.monotonic()
        if left <= 0:
            raise StudentError(Failure.TIMEOUT, "the question's time limit was used up")
        return min(wanted, left)


class Student:
    """What a question sees of the submission: names, calls and objects in the worker."""

    def __init__(self, runtime: NotebookRuntime, budget: QuestionBudget) -> None:
        self._runtime = runtime
        self._budget = budget
        self._stopped: StudentError | None = None  # the worker was stopped in this question

    def modules_used_by(self, *names: str) -> set[str]:
        """The modules and module attributes the notebook's definitions of ``names`` use,
        directly or through its other functions and classes, read from its source (see
        :func:`~autograder.engine.source.modules_used_by`): for a rule such as "with
        NumPy only". Reading is not running: an import built at run time is not seen."""
        return modules_used_by(self._runtime.cells, names)

    def call(self, name: str, *args: Any, timeout: float | None = None,
             strict_floats: bool = False, may_change: MayChange = (),
             no_draws: bool = False, send_args: bool = False,
             forbid: Mapping[str, str] | None = None, fresh: bool = False,
             require: Mapping[str, str] | None = None, **kwargs: Any) -> Any:
        """Call the notebook's global ``name`` with inputs; returns plain values
        (arrays, numbers, lists, dicts) or a :class:`Handle` for other objects.

        ``strict_floats`` makes floating-point overflow, invalid operations and division
        by zero raise inside the call, to check that a computation is stable.
        ``may_change`` lists the arguments (positions from 0, or keyword names) that the
        question allows the function to modify in place, or is True for all of them; a
        change to any other array argument fails the current check. ``no_draws`` fails
        the current check if the call draws from a generator passed as
        ``student.rng(seed)``. With ``send_args``, the call returns ``[value, args]``,
        the positional arguments as the call left them. ``forbid`` maps functions the text
        rules out (``"numpy.linalg.inv"``) to the rule: calling one fails the current
        check with it. ``require`` maps the notebook's own functions the text asks the
        function to use (``"sigmoid"``) to the rule: a call that returns without calling
        one the notebook defines fails the current check with it. With ``fresh``,
        returning an array argument itself (or a view of it) fails the current check: the
        text asks for a new array."""
        header = {"op": "call", "name": name, "errstate": "raise" if strict_floats else None,
                  **({"send_args": True} if send_args else {}),
                  **({"forbid": list(forbid)} if forbid else {}),
                  **({"require": list(require)} if require else {}),
                  **({"fresh": True} if fresh else {})}
        return self._call(header, f"`{name}`", args, kwargs, timeout, None, may_change,
                          no_draws, forbid or {}, require or {})

    def lines_run(self, name: str, *args: Any, skip: Sequence[str] = (),
                  **kwargs: Any) -> int | None:
        """How many lines of the notebook's own code one call of ``name`` runs: its own and
        those of the notebook's functions it calls, except the functions named in ``skip``
        and what they call; None when the call took the count away (sys.settrace).
        Whole-array operations run the same lines on any input, a Python loop over the
        entries more on a larger one."""
        header = {"op": "call", "name": name, "count_lines": list(skip), "watch_args": False}
        reply = self._send(header, args, kwargs, None, None, raw=True)
        lines = reply.header.get("lines")
        if not isinstance(lines, int) or isinstance(lines, bool) or lines < 0:
            return None
        return lines

    def get(self, name: str) -> Any:
        """The value of the notebook's global ``name``."""
        return self._send({"op": "get", "name": name}, None, None, None, None)

    def defaults(self, name: str) -> dict[str, Any]:
        """The default arguments of the notebook's function (or class) ``name``: each
        parameter's default, or :data:`NO_DEFAULT`."""
        return _defaults(self._send({"op": "defaults", "name": name}, None, None, None, None))

    def has(self, *names: str) -> bool:
        """True when every name is defined in the notebook."""
        reply = self._runtime.request({"op": "has", "names": list(names)}, [],
                                      self._budget.take(self._runtime.budgets.call_seconds))
        got = reply.header.get("names")
        return isinstance(got, list) and all(n in got for n in names)

    def figures(self, also: Handle | None = None) -> list[dict]:
        """Plain descriptions of the notebook's open matplotlib figures and of ``also``, a
        figure a call returned (described too when the notebook closed it)."""
        if isinstance(also, Handle):
            value = self._send({"op": "figures", "handle": also.ref.id}, None, None, None,
                               also.generation)
        else:
            value = self._send({"op": "figures"}, None, None, None, None)
        return value if isinstance(value, list) else []

    @staticmethod
    def rng(seed: int) -> protocol.RngSeed:
        """An argument that becomes ``np.random.default_rng(seed)`` in the worker."""
        return protocol.RngSeed(seed)

    def generator(self, seed: int) -> Handle:
        """A generator ``np.random.default_rng(seed)`` that stays in the worker: pass it to
        several calls (and call its methods) to replay a notebook's draws in order."""
        value = self._send({"op": "generator", "seed": int(seed)}, None, None, None, None)
        if not isinstance(value, Handle):
            raise StudentError(Failure.ERROR, "the worker did not make a generator")
        return value

    def _call(self, header: dict, what: str, args, kwargs, timeout: float | None,
              generation: int | None, may_change: MayChange, no_draws: bool = False,
              forbid: Mapping[str, str] | None = None,
              require: Mapping[str, str] | None = None) -> Any:
        """A call that watches its array arguments unless ``may_change`` is True, and its
        generators if ``no_draws``."""
        watch = may_change is not True
        header = dict(header, watch_args=watch, **({"watch_rng": True} if no_draws else {}))
        reply = self._send(header, args, kwargs, timeout, generation, raw=True)
        sent = set(range(len(args))) | set(kwargs)
        if watch:
            allowed = (set() if may_change is False else {may_change}
                       if isinstance(may_change, int | str) else set(may_change))
            _report_arguments("changed", what, reply.header.get("changed"), sent - allowed)
        if no_draws:
            _report_arguments("drew", what, reply.header.get("drew"), sent)
        if forbid:
            _report_forbidden(what, reply.header.get("used"), forbid)
        if require:
            _report_unused(what, reply.header.get("used"), reply.header.get("defined"),
                           require)
        if header.get("fresh"):
            _report_arguments("aliased", what, reply.header.get("aliased"), sent)
        current_generation = self._runtime.generation
        return self._runtime.decode(reply, lambda ref: Handle(self, ref, current_generation))

    def _send(self, header: dict, args, kwargs, timeout: float | None,
              generation: int | None, raw: bool = False) -> Any:
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
        if raw:
            return reply
        generation_now = self._runtime.generation
        return self._runtime.decode(reply, lambda ref: Handle(self, ref, generation_now))


# What a worker's report on a call's arguments means: reply key -> (check label, message,
# mistake); ``{what}`` is the function, ``{name}`` the argument.
_ARGUMENT_REPORTS = {
    "changed": ("{what} leaves its arguments unchanged",
                "{what} changed its argument `{name}` in place; leave the caller's arrays "
                "unchanged (work on a copy, or build new arrays)",
                "changed an argument in place"),
    "drew": ("{what} draws no random numbers",
             "{what} drew random numbers from its argument `{name}`; this call must not use "
             "the generator", "drew random numbers where none may be drawn"),
    "aliased": ("{what} returns new arrays",
                "{what} returned its argument `{name}` itself (or a view of it), so a change "
                "to the result changes the caller's array: return a new array (np.array(W, "
                "dtype=float), or an expression such as W * 1.0)",
                "returned an argument where a new array is asked"),
}
CHARGED_ONCE = "{what} {mistake} in other checks of this question too; that is charged once"


def _report_arguments(kind: str, what: str, report: Any, watched: set[int | str]) -> None:
    """Fail the current check for the first argument the worker's report of ``kind`` (a
    key of ``_ARGUMENT_REPORTS``) names, if it is among the ``watched`` positions and
    keywords, unless the question charged the same kind and function before: then the
    check only notes it. A failure counts as charged when its message is the one the
    student reads (the check had not failed before)."""
    name = _first_reported(report, watched)
    if name is None:
        return
    rec = current()
    label, message, mistake = _ARGUMENT_REPORTS[kind]
    if (kind, what) in rec.charged:
        if rec.unit is not None:
            again = CHARGED_ONCE.format(what=what, mistake=mistake)
            rec.unit.note = f"{rec.unit.note} {again}".strip()
        return
    shown = rec.unit is None or rec.unit.passed
    rec.record(False, label.format(what=what), message.format(what=what, name=name),
               Failure.MISMATCH, mistake)
    if shown:
        rec.charged.add((kind, what))


def _report_forbidden(what: str, used: Any, forbid: Mapping[str, str]) -> None:
    """Fail the current check if the worker reports a call of a function the text rules
    out (only names the suite asked about count)."""
    name = next((n for n in used[:8] if isinstance(n, str) and n in forbid), None) \
        if isinstance(used, list) else None
    if name is not None:
        current().record(False, f"{what} uses no {name}", f"{what} called {name}: "
                         f"{forbid[name]}", Failure.MISMATCH, f"called {name}")


def _report_unused(what: str, used: Any, defined: Any, require: Mapping[str, str]) -> None:
    """Fail the current check if the call did not call a notebook function the text asks
    it to use (of those the worker found defined)."""
    used = used if isinstance(used, list) else []
    defined = defined if isinstance(defined, list) else []
    name = next((n for n in require if n in defined and n not in used), None)
    if name is not None:
        current().record(False, f"{what} uses your {name}", f"{what} did not call your "
                         f"{name}: {require[name]}", Failure.MISMATCH, f"did not use {name}")


def _first_reported(report: Any, watched: set[int | str]) -> str | None:
    """The name (``param[path]``) of the first argument in a worker's report that is
    among the ``watched`` positions and keywords. The report is checked item by item: a
    malformed one is ignored (it can only come from a submission that tampered with the
    worker)."""
    if not isinstance(report, list):
        return None
    for item in report[:32]:
        if not isinstance(item, dict):
            continue
        key, param, path = item.get("arg"), item.get("param"), item.get("path")
        if isinstance(key, bool) or not isinstance(key, int | str) or key not in watched:
            continue
        if not isinstance(path, str) or len(path) > 200:
            continue
        if not (isinstance(param, str) and 0 < len(param) <= 100):
            param = key if isinstance(key, str) else f"argument {key + 1}"
        return f"{param}{path}"
    return None


class Handle:
    """An object that lives in the worker (an instance of the student's class, say)."""

    def __init__(self, student: Student, ref: protocol.HandleRef, generation: int) -> None:
        self._student = student
        self.ref = ref
        self.generation = generation

    @property
    def type_name(self) -> str:
        return self.ref.type_name

    def is_a(self, class_name: str) -> bool:
        """The object is an instance of a class of this name or derives from one (a
        subclass of ``MLPRegressor`` is an ``MLPRegressor``). Names only: the class
        itself stays in the worker."""
        return class_name in (self.type_name, *self.ref.bases)

    def call(self, method: str, *args: Any, timeout: float | None = None,
             strict_floats: bool = False, may_change: MayChange = (),
             no_draws: bool = False, send_args: bool = False,
             require: Mapping[str, str] | None = None, **kwargs: Any) -> Any:
        """Call a method of the object (``strict_floats``, ``may_change``, ``no_draws``,
        ``send_args`` and ``require`` as in :meth:`Student.call`; ``require`` may name a
        method as ``"Class.method"``)."""
        header = {"op": "call", "handle": self.ref.id, "attr": method,
                  "errstate": "raise" if strict_floats else None,
                  **({"send_args": True} if send_args else {}),
                  **({"require": list(require)} if require else {})}
        return self._student._call(header, f"`{self.type_name}.{method}`", args, kwargs,
                                   timeout, self.generation, may_change, no_draws, None,
                                   require or {})

    def defaults(self, method: str) -> dict[str, Any]:
        """The default arguments of a method of the object (as :meth:`Student.defaults`)."""
        return _defaults(self._student._send({"op": "defaults", "handle": self.ref.id,
                                              "attr": method}, None, None, None,
                                             self.generation))

    def get(self, attr: str, by_reference: bool = False) -> Any:
        """Read an attribute of the object; ``by_reference``: as a handle to the object in
        the worker (to pass the very object to another call), whatever its type."""
        header = {"op": "get", "handle": self.ref.id, "attr": attr,
                  **({"by_reference": True} if by_reference else {})}
        return self._student._send(header, None, None, None, self.generation)

    def __repr__(self) -> str:
        return f"<student object of type {self.type_name}>"


NO_DEFAULT = object()  # a parameter without a default, in :meth:`Student.defaults`


def _defaults(value: Any) -> dict[str, Any]:
    """The worker's ``{parameter: [has a default, default]}`` as ``{parameter: default or
    NO_DEFAULT}`` (anything malformed is dropped: the reply comes from the worker)."""
    if not isinstance(value, dict):
        raise StudentError(Failure.ERROR, "the signature could not be read")
    return {k: (v[1] if v[0] is True else NO_DEFAULT) for k, v in value.items()
            if isinstance(k, str) and isinstance(v, list) and len(v) == 2}
