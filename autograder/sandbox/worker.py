"""The untrusted side: runs a student's cells and answers the hidden suite's calls.

This code runs inside the sandbox, in the same process as the student's code, so
nothing here is trusted: a student can patch any of it, which can only spoil their
own grade. The trusted side validates every reply (see :mod:`autograder.protocol`).
Expected values never come here; only inputs do.

Requests are frames ``{"op": ..., "seq": n, ...}``; each gets exactly one reply with
the same ``seq``. Operations: ``run`` (execute a cell), ``call`` (call a global or a
method of a handle), ``get`` (read a global or an attribute; with ``"by_reference":
true`` as a handle, whatever its type), ``has`` (which globals exist), ``figures``
(describe open matplotlib figures), ``generator`` (a generator
``np.random.default_rng(seed)`` kept in the worker, for several calls to share).

A ``call`` with ``"watch_args": true`` keeps a copy of every array among its arguments
(also inside lists, tuples and dicts) and reports in ``"changed"`` which of them the
call modified in place, each with the parameter's name from the function's signature.
The worker only reports; the trusted side decides what a change costs.

A ``call`` with ``"watch_rng": true`` also snapshots the state of every generator it
built from a seed (``RngSeed``) for the call's arguments and reports in ``"drew"``
which of them the call drew numbers from, named like changed arrays; again the trusted
side decides whether drawing was allowed.

A ``call`` with ``"forbid": ["numpy.linalg.inv", ...]`` reports in ``"used"`` which of
those functions (of modules already imported) the call called, as the text rules them out.
With ``"require": ["sigmoid", "Network.step", ...]``, names of the notebook's own functions
(or methods of its classes) the text asks the call to use, it reports in ``"used"`` those
it ran too (themselves, or the notebook's functions and classes they hand their work to),
and in ``"defined"`` those the notebook defines (only those can be asked for).

A ``call`` with ``"count_lines": [names]`` replies None and reports in ``"lines"`` how
many lines of the notebook's own code the call ran (those of the notebook's functions of
these names, and of what they call, left out), for a rule such as "whole-array operations
rather than Python loops over the entries": a loop runs more lines on a larger input.

A ``call`` with ``"send_args": true`` replies ``[value, args]``: the positional arguments
as the call left them, for a suite that judges a later answer with what the student's
own function did to its inputs.
"""

from __future__ import annotations

import ast
import contextlib
import inspect
import io
import os
import re
import signal
import sys
import textwrap
import traceback
import types
import warnings
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from IPython.core.interactiveshell import InteractiveShell  # noqa: E402
from IPython.core.magic import Magics, line_magic, magics_class  # noqa: E402
from IPython.utils.text import SList  # noqa: E402
from matplotlib import _pylab_helpers  # noqa: E402
from matplotlib.axes import Axes as MplAxes  # noqa: E402
from matplotlib.collections import PathCollection  # noqa: E402
from matplotlib.figure import Figure as MplFigure  # noqa: E402
from traitlets.config import Config  # noqa: E402

from autograder.sandbox import protocol  # noqa: E402

MAX_TRACEBACK = 4000
# Floating-point overflow, invalid operations and division by zero raise instead of
# warning, for checks that a computation is numerically stable.
_STRICT = {"over": "raise", "invalid": "raise", "divide": "raise", "under": "ignore"}


class CappedStream(io.TextIOBase):
    """A text stream that keeps the first ``limit`` characters and counts the rest."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.parts: list[str] = []
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, s: str) -> int:
        s = str(s)
        room = self.limit - self.size
        if room > 0:
            self.parts.append(s[:room])
        self.size += len(s)
        return len(s)

    def text(self) -> str:
        out = "".join(self.parts)
        if self.size > self.limit:
            out += f"\n... [{self.size - self.limit} more characters not kept]"
        return out


@magics_class
class _GradingMagics(Magics):
    """Figures stay open on the Agg backend so the suite can inspect them; ``%cd`` changes
    the directory without IPython's bookmark database (there is no home to keep it in)."""

    @line_magic
    def matplotlib(self, line: str = "") -> None:
        """Agg whatever is asked; only an interactive backend keeps figures open across
        cells, as it would in Jupyter (where the inline backend closes them)."""
        global CLOSE_AFTER_CELL
        plt.switch_backend("Agg")
        CLOSE_AFTER_CELL = not re.search(r"widget|ipympl|notebook|nbagg|qt|tk|gtk|wx|osx",
                                         line.lower())

    @line_magic
    def cd(self, line: str = "") -> None:
        path = os.path.expanduser(line.strip().strip("'\"") or "~")
        try:
            os.chdir(path)
        except OSError as exc:
            print(exc, file=sys.stderr)  # as IPython: a failed cd does not stop the cell


class _GradingShell(InteractiveShell):
    """No event loop and no shell inside the sandbox. A shell command (``!pip install``,
    ``%pip``, ``files = !ls``) is skipped with a note and the cell goes on, as an offline
    Jupyter prints the command's error and goes on."""

    def enable_gui(self, gui=None):
        return None

    def ask_exit(self):  # exit() or quit() in a cell ends that cell, as sys.exit() does
        raise SystemExit(0)

    def system(self, cmd):
        print(f"(not run during grading: !{cmd})", file=sys.stderr)
        self.user_ns["_exit_code"] = 1

    def getoutput(self, cmd, split=True, depth=0):
        self.system(cmd)
        return SList() if split else ""


def _otter_stub() -> types.ModuleType:
    """``import otter`` in a submission gets this: checks and exports do nothing."""
    mod = types.ModuleType("otter")

    class Notebook:
        def __init__(self, *args, **kwargs) -> None:
            pass

        def __getattr__(self, name):
            return lambda *args, **kwargs: None

    mod.Notebook = Notebook  # type: ignore[attr-defined]
    return mod


def make_shell() -> InteractiveShell:
    """An IPython shell with no history file, no colours and inert ``%matplotlib``."""
    cfg = Config()
    cfg.HistoryManager.enabled = False
    cfg.InteractiveShell.colors = "nocolor"
    cfg.InteractiveShell.xmode = "Plain"
    shell = _GradingShell.instance(config=cfg)
    shell.register_magics(_GradingMagics)
    sys.modules["otter"] = _otter_stub()
    warnings.filterwarnings("ignore", message=".*non-interactive.*")
    _warm_up(shell)
    _remember_closed_figures()
    return shell


def _warm_up(shell: InteractiveShell) -> None:
    """Run a cell, a failing cell and a call once, so IPython's lazy imports happen
    before the fork: workers then start faster and need nothing more from disk."""
    out = CappedStream(1000)
    saved = sys.stdout, sys.stderr
    sys.stdout = sys.stderr = out
    try:
        shell.run_cell("_warm = 1 + 1", store_history=False)
        shell.run_cell("1 / 0", store_history=False)
        _student_traceback(ZeroDivisionError())
        _warm_up_figures()
    finally:
        sys.stdout, sys.stderr = saved
        shell.user_ns.pop("_warm", None)


def _warm_up_figures() -> None:
    """Draw and close a figure with a line and an image, so that matplotlib builds its
    caches (fonts, colormaps, tickers) once, not in every worker."""
    np.random.default_rng(0)
    fig, ax = plt.subplots(figsize=(2, 2))
    ax.plot([0.0, 1.0], [1.0, 0.0], label="line")
    ax.imshow(np.zeros((2, 2)), cmap="viridis", vmin=0, vmax=1)
    ax.set_title("title")
    ax.set_xlabel("x")
    ax.legend()
    fig.canvas.draw()
    plt.close("all")


#: The figures pyplot closed, oldest first, as (number, figure or description). Jupyter's
#: inline backend shows and closes every figure at the end of its cell, and so does the
#: worker (unless the notebook asked for an interactive backend): a later cell's
#: ``plt.clf()`` or ``plt.yscale(...)`` then starts a figure of its own, as in Jupyter,
#: and a notebook may close its figures itself. The newest KEEP_LIVE stay figures,
#: described when the suite asks (a later cell may still draw on them through their
#: axes); older ones keep the description they had when they left that window.
CLOSED_FIGURES: list[tuple[int, Any]] = []
KEEP_LIVE, KEEP_CLOSED = 20, 200
CLOSE_AFTER_CELL = True


def _remember_closed_figures() -> None:
    """Keep every figure pyplot closes (one figure, or all of them)."""
    gcf = _pylab_helpers.Gcf
    destroy, destroy_all = gcf.destroy, gcf.destroy_all

    def remember(manager) -> None:
        try:
            CLOSED_FIGURES.append((int(manager.num), manager.canvas.figure))
        except Exception:  # a figure the notebook broke is not kept
            return
        live = [k for k, (_, fig) in enumerate(CLOSED_FIGURES) if isinstance(fig, MplFigure)]
        if len(live) > KEEP_LIVE:
            num, fig = CLOSED_FIGURES[live[0]]
            CLOSED_FIGURES[live[0]] = (num, _describe_safely(num, fig))
        del CLOSED_FIGURES[:-KEEP_CLOSED]

    def destroy_one(num) -> None:
        manager = num if hasattr(num, "canvas") else gcf.figs.get(num)
        if manager is not None:
            remember(manager)
        destroy(num)

    def destroy_every() -> None:
        for manager in list(gcf.figs.values()):
            remember(manager)
        destroy_all()

    # setattr: the type checker refuses assignments to a class's methods
    setattr(gcf, "destroy", destroy_one)  # noqa: B010
    setattr(gcf, "destroy_all", destroy_every)  # noqa: B010


class Worker:
    """Serves one trusted peer over ``sock`` until it says ``bye`` or disconnects."""

    def __init__(self, shell: InteractiveShell, sock, output_limit: int) -> None:
        self.shell = shell
        self.sock = sock
        self.output_limit = output_limit
        self.handles: dict[int, Any] = {}
        self.next_handle = 1
        self.in_student_code = False
        self.interrupted = False  # set when the trusted side's SIGINT stopped student code

    # -- plumbing ------------------------------------------------------------

    def serve(self) -> None:
        signal.signal(signal.SIGINT, self._on_sigint)
        if "" not in sys.path:  # as in Jupyter: a module the notebook writes in its own
            sys.path.insert(0, "")  # folder (%%writefile helpers.py) can be imported
        while True:
            try:
                header, blobs = protocol.recv_frame(self.sock, protocol.Budget(max_bytes=2**31))
            except EOFError:
                return
            op = header.get("op")
            if op == "bye":
                return
            handler = getattr(self, "op_" + str(op), None)
            try:
                reply, out_blobs = handler(header, blobs) if handler else self._bad(op)
            except KeyboardInterrupt:
                reply, out_blobs = self._error("timeout", "KeyboardInterrupt",
                                               "interrupted: time limit exceeded"), []
            except Exception as exc:  # a request this worker cannot serve, e.g. a lost handle
                reply, out_blobs = self._error("protocol", type(exc).__name__, str(exc)), []
            reply["seq"] = header.get("seq")
            protocol.send_frame(self.sock, reply, out_blobs)

    def _on_sigint(self, signum, frame) -> None:
        if self.in_student_code:
            self.interrupted = True
            raise KeyboardInterrupt

    def _bad(self, op):
        return self._error("protocol", "ProtocolError", f"unknown operation {op!r}"), []

    @staticmethod
    def _error(kind: str, type_name: str, message: str, tb: str = "") -> dict:
        return {"ok": False, "error": {"kind": kind, "type": type_name,
                                       "message": message[:2000], "traceback": tb}}

    def _student(self, fn, *args, **kwargs):
        """Run student code with output captured and SIGINT enabled."""
        out, err = CappedStream(self.output_limit), CappedStream(self.output_limit)
        saved = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = out, err
        self.in_student_code = True
        self.interrupted = False
        try:
            return fn(*args, **kwargs), out, err
        finally:
            self.in_student_code = False
            sys.stdout, sys.stderr = saved

    def _exception(self, exc: BaseException) -> dict:
        kind = "timeout" if isinstance(exc, KeyboardInterrupt) and self.interrupted else "exception"
        return self._error(kind, type(exc).__name__, _safe_str(exc), _student_traceback(exc))

    # -- operations ----------------------------------------------------------

    def op_run(self, header: dict, blobs):
        source = header["source"]
        result, out, err = self._student(self.shell.run_cell, source, store_history=False,
                                         silent=False)
        reply = {"ok": result.success, "stdout": out.text(), "stderr": err.text()}
        exc = result.error_before_exec or result.error_in_exec
        if exc is not None:
            reply.update(self._exception(exc))  # before the next student call resets
            reply["ok"] = False                 # whether this one was interrupted
        if CLOSE_AFTER_CELL:
            self._student(_close_figures)
        return reply, []

    def op_call(self, header: dict, blobs):
        target = self._resolve(header)
        if isinstance(target, _Failed):
            return target, []
        built: list[np.random.Generator] = []  # the generators made from seeds

        def from_rng(seed: int) -> np.random.Generator:
            built.append(np.random.default_rng(seed))
            return built[-1]

        args = protocol.unpack(header["args"], blobs, from_handle=self._deref,
                               from_rng=from_rng)
        kwargs = protocol.unpack(header["kwargs"], blobs, from_handle=self._deref,
                                 from_rng=from_rng)
        if not callable(target):
            return self._error("type", "TypeError",
                               f"{_describe(header)} is a {type(target).__name__}, "
                               "not a function"), []
        errstate: dict[str, Any] = _STRICT if header.get("errstate") == "raise" else {}
        watched = _array_arguments(args, kwargs) if header.get("watch_args") is True else []
        generators = (_generator_arguments(args, kwargs, built)
                      if header.get("watch_rng") is True else [])
        used: list[str] = []
        required = _own_code(header.get("require"), self.shell.user_ns)
        count = header.get("count_lines")
        lines = [0]
        try:
            with np.errstate(**errstate), _kept(errstate), \
                    _noting_calls(header.get("forbid"), used), _noting_runs(required, used), \
                    _counting_lines(count, self.shell.user_ns, lines):
                value, _, _ = self._student(target, *args, **kwargs)
        except BaseException as exc:  # the student's exception, whatever it is
            return self._exception(exc), []
        changed = [(key, path) for key, path, arr, saved in watched if not _unchanged(arr, saved)]
        drew = [(key, path) for key, path, gen, state in generators
                if gen.bit_generator.state != state]
        aliased = [(key, path) for key, path, arr, _ in watched if _holds(value, arr)] \
            if header.get("fresh") is True else []
        if isinstance(count, list):
            value = None  # a count is all such a call answers: its value is not sent
        reply, blobs = self._reply_value([value, list(args)] if header.get("send_args") is True
                                         else value)
        if reply.get("ok") is True:
            for key, found in (("changed", changed), ("drew", drew), ("aliased", aliased)):
                if found:
                    reply[key] = self._describe_changes(target, len(args), found)
            if used:
                reply["used"] = sorted(set(used))
            if required:
                reply["defined"] = sorted(set(required.values()))
            if isinstance(count, list):
                reply["lines"] = lines[0]
        return reply, blobs

    def op_get(self, header: dict, blobs):
        target = self._resolve(header)
        if isinstance(target, _Failed):
            return target, []
        if header.get("by_reference") is True:  # a handle even to a list or an array
            return {"ok": True, "value": protocol.Encoder().encode(self._keep(target))}, []
        return self._reply_value(target)

    def op_generator(self, header: dict, blobs):
        seed = header.get("seed")
        if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed < 2**63:
            return self._error("protocol", "ProtocolError", "a generator needs a seed"), []
        return self._reply_value(np.random.default_rng(seed))

    def op_defaults(self, header: dict, blobs):
        target = self._resolve(header)
        if isinstance(target, _Failed):
            return target, []
        try:
            found, _, _ = self._student(_defaults_of, target)
        except BaseException as exc:  # a signature that cannot be read is the student's
            return self._exception(exc), []
        return {"ok": True, "value": protocol.Encoder().encode(found)}, []

    def op_has(self, header: dict, blobs):
        names = [n for n in header["names"] if n in self.shell.user_ns]
        return {"ok": True, "names": names}, []

    def op_figures(self, header: dict, blobs):
        enc = protocol.Encoder()
        also = self.handles.get(header["handle"]) if "handle" in header else None
        try:
            value, _, _ = self._student(_describe_figures, also, self.shell.user_ns)
            tree = enc.encode(value)
        except BaseException as exc:
            return self._exception(exc), []
        return {"ok": True, "value": tree}, enc.blobs

    # -- helpers -------------------------------------------------------------

    def _resolve(self, header: dict):
        """The object a request names: a global, or an attribute of a handle; a
        :class:`_Failed` reply when there is none (a global may itself be a dict)."""
        if "handle" in header:
            obj = self.handles.get(header["handle"])
            if obj is None:
                return _Failed(self._error("missing", "LookupError", "unknown object handle"))
        else:
            name = header["name"]
            if name not in self.shell.user_ns:
                return _Failed(self._error("missing", "NameError",
                                           f"name {name!r} is not defined"))
            obj = self.shell.user_ns[name]
        attr = header.get("attr")
        if attr is None:
            return obj
        try:
            value, _, _ = self._student(getattr, obj, attr)
            return value
        except BaseException as exc:
            reply = _Failed(self._exception(exc))
            if isinstance(exc, AttributeError):
                reply["error"]["kind"] = "missing"
            return reply

    def _describe_changes(self, target, n_args: int, changed: list) -> list[dict]:
        """``{"arg": position or keyword, "param": name or None, "path": "[0]"}`` for each
        changed array; the name of a position comes from the target's signature."""
        try:
            params, _, _ = self._student(_positional_names, target, n_args)
        except BaseException:  # a signature that cannot be read: positions only
            params = [None] * n_args
        return [{"arg": key, "param": key if isinstance(key, str) else params[key],
                 "path": path} for key, path in changed[:MAX_CHANGES]]

    def _deref(self, ref: protocol.HandleRef):
        if ref.id not in self.handles:
            raise ValueError("unknown object handle")
        return self.handles[ref.id]

    def _keep(self, obj) -> protocol.HandleRef:
        ref = protocol.HandleRef(self.next_handle, type(obj).__name__[:100], _bases(obj))
        self.handles[ref.id] = obj
        self.next_handle += 1
        return ref

    def _reply_value(self, value):
        enc = protocol.Encoder(to_handle=self._keep)
        try:
            tree, _, _ = self._student(enc.encode, value)
        except BaseException as exc:
            reply = self._exception(exc)
            reply["error"]["kind"] = "unsendable"
            return reply, []
        return {"ok": True, "value": tree}, enc.blobs


MAX_CHANGES = 32
_MAX_WATCH_DEPTH = 8


def _only_unwatched(strict: dict[str, Any], settings: dict[str, Any]) -> dict[str, Any]:
    """The floating-point settings a student asks for, less those a strict call watches
    (its "raise" stays in force; ``all`` still sets the unwatched kinds)."""
    every = settings.pop("all", None)
    kept = {k: v for k, v in settings.items() if strict.get(k) != "raise"}
    if every is not None:
        kept.update({k: every for k in ("divide", "over", "under", "invalid")
                     if strict.get(k) != "raise" and k not in kept})
    return kept


def _from_library(frame: Any) -> bool:
    """The code of ``frame`` belongs to an installed library (SciPy's logsumexp, say,
    which silences the overflow it then handles): a module imported from the
    interpreter's own folders, which the student's code cannot write to."""
    name = frame.f_globals.get("__name__")
    module = sys.modules.get(name) if isinstance(name, str) and name != "__main__" else None
    path = getattr(module, "__file__", None)
    return isinstance(path, str) and path == frame.f_code.co_filename and \
        os.path.realpath(path).startswith(_INSTALLED)


_INSTALLED = tuple({os.path.realpath(p) + os.sep for p in (sys.prefix, sys.base_prefix)})


@contextlib.contextmanager
def _kept(strict: dict[str, Any]):
    """While a strict call runs, the student's np.errstate and np.seterr cannot silence
    what it turns into errors: the text says overflow raises, and a silenced overflow is
    still one. A library's own settings (see :func:`_from_library`) apply as usual."""
    if not strict:
        yield
        return
    errstate, seterr = np.errstate, np.seterr

    class StrictErrstate(errstate):  # type: ignore[misc, valid-type]
        def __init__(self, **settings: Any) -> None:
            super().__init__(**settings if _from_library(sys._getframe(1))
                             else _only_unwatched(strict, settings))

    def strict_seterr(all: Any = None, **settings: Any) -> Any:  # noqa: A002
        settings = {"all": all, **settings}
        return seterr(**settings if _from_library(sys._getframe(1))
                      else _only_unwatched(strict, settings))

    np.errstate, np.seterr = StrictErrstate, strict_seterr  # type: ignore[misc, assignment]
    try:
        yield
    finally:
        np.errstate, np.seterr = errstate, seterr  # type: ignore[misc]


@contextlib.contextmanager
def _noting_calls(names: Any, used: list[str]):
    """While a call runs, each function named ``module.function`` (of a module already
    imported) notes in ``used`` that it was called, then does its work."""
    saved = []
    for name in names[:8] if isinstance(names, list) else []:
        module, _, attr = str(name).rpartition(".")
        found = sys.modules.get(module)
        original = getattr(found, attr, None)
        if not callable(original):
            continue

        def noting(*args, _name=str(name), _original=original, **kwargs):
            used.append(_name)
            return _original(*args, **kwargs)

        saved.append((found, attr, original))
        setattr(found, attr, noting)
    try:
        yield
    finally:
        for found, attr, original in saved:
            setattr(found, attr, original)


def _own_code(names: Any, namespace: dict) -> dict[types.CodeType, str]:
    """The code objects that count as running the notebook's functions of these names, each
    to its name: the function's own (through decorators such as functools.cache), and, for
    a function that only hands its work on (``sigmoid(z)`` returning ``Sigmoid()(z)``, see
    :func:`_handed_to`), that of the notebook's functions, classes and objects it hands it
    to. A class counts by the methods it defines itself, not those it inherits, which its
    siblings share. Names of anything else are left out."""
    found: dict[types.CodeType, str] = {}
    home = namespace.get("__name__", "__main__")
    for name in names[:8] if isinstance(names, list) else []:
        obj = _lookup(namespace, name) if isinstance(name, str) else None
        if not (isinstance(name, str) and callable(obj)):
            continue
        own = _codes_of(obj, home, anywhere=True)
        if own:
            handed = [_codes_of(namespace.get(n), home) for n in _handed_to(obj)]
            found.update(dict.fromkeys([c for cs in handed for c in cs], name))
            found.update(dict.fromkeys(own, name))
    return found


def _lookup(namespace: dict, name: str) -> Any:
    """The notebook's global ``name``, or with ``Class.method`` that method of the class."""
    first, *rest = name.split(".")
    obj = namespace.get(first)
    try:
        for attr in rest:
            obj = getattr(obj, attr, None)
    except Exception:  # a class's own __getattr__ failing
        return None
    return obj


def _handed_to(obj: Any) -> set[str]:
    """The names in the returned call of a function whose body does nothing but check or
    convert its arguments and return that call; nothing for any other body (a function
    that computes, loops or branches is used only when it runs itself)."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(inspect.unwrap(obj))))
    except Exception:  # no source (exec, a builtin), or source that does not parse alone
        return set()
    func = tree.body[0] if tree.body else None
    if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
        return set()
    body = [s for s in func.body if not (
        isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    last = body[-1] if body else None
    if not (isinstance(last, ast.Return) and isinstance(last.value, ast.Call)
            and all(_only_checks(s) for s in body[:-1])):
        return set()
    return {n.id for n in ast.walk(last.value) if isinstance(n, ast.Name)}


def _only_checks(stmt: ast.stmt) -> bool:
    """Whether a statement only converts or checks arguments: an assignment, an assert, or
    an ``if`` that raises."""
    if isinstance(stmt, ast.If):
        return not stmt.orelse and all(isinstance(s, ast.Raise) for s in stmt.body)
    return isinstance(stmt, ast.Assign | ast.AnnAssign | ast.Assert)


def _codes_of(obj: Any, home: str, anywhere: bool = False) -> list[types.CodeType]:
    """The code a notebook function runs (``anywhere``: any Python function), or the methods
    a notebook class (or the class of a notebook object) defines itself; nothing for what
    the notebook did not define."""
    try:
        obj = inspect.unwrap(obj)
        if isinstance(obj, types.FunctionType):
            return [obj.__code__] if anywhere or obj.__module__ == home else []
        cls = obj if isinstance(obj, type) else type(obj)
        if getattr(cls, "__module__", None) != home:
            return []
        members = [getattr(m, "__func__", m) for m in vars(cls).values()]
    except Exception:  # a cycle of __wrapped__, or an object's own __getattr__ failing
        return []
    return [m.__code__ for m in members if isinstance(m, types.FunctionType)]


@contextlib.contextmanager
def _noting_runs(codes: dict[types.CodeType, str], used: list[str]):
    """While a call runs, note in ``used`` the name of each of these code objects that
    starts running, however the call reaches it (a global, an alias, a default argument)."""
    if not codes:
        yield
        return
    previous = sys.getprofile()

    def profile(frame, event, arg):
        if event == "call" and frame.f_code in codes:
            used.append(codes[frame.f_code])

    sys.setprofile(profile)
    try:
        yield
    finally:
        sys.setprofile(previous)


@contextlib.contextmanager
def _counting_lines(skip: Any, namespace: dict, lines: list[int]):
    """With ``skip`` a list of names, count in ``lines[0]`` the lines the call runs in the
    notebook's code (frames whose globals are the notebook's), except inside the code of
    the notebook's functions named in ``skip`` (see :func:`_own_code`)."""
    if not isinstance(skip, list):
        yield
        return
    skipped = _own_code(skip, namespace)
    depth = [0]  # how many skipped frames are running

    def inside_skipped(frame, event, arg):
        if event == "return":
            depth[0] -= 1
        return inside_skipped

    def counting(frame, event, arg):
        if event == "line" and not depth[0]:
            lines[0] += 1
        return counting

    def tracer(frame, event, arg):  # a new frame
        if frame.f_globals is not namespace:
            return None
        if frame.f_code in skipped:
            depth[0] += 1
            return inside_skipped
        return counting

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        yield
    finally:
        if sys.gettrace() is not tracer:  # the call took the count away: none is reported
            lines[0] = -1
        sys.settrace(previous)


def _array_arguments(args: list, kwargs: dict) -> list[tuple[int | str, str, np.ndarray,
                                                            tuple]]:
    """(argument, path inside it, the array, its shape, dtype and bytes) for every array
    among the arguments, as decoded from the request (plain lists, tuples, dicts and
    ndarrays)."""
    found: list = []
    for key, value in [*enumerate(args), *kwargs.items()]:
        for path, arr in _arrays_in(value, "", 0):
            found.append((key, path, arr, (arr.shape, arr.dtype, arr.tobytes())))
    return found


def _generator_arguments(args: list, kwargs: dict, built: list[np.random.Generator]
                         ) -> list[tuple[int | str, str, np.random.Generator, dict]]:
    """(argument, path inside it, the generator, its state) for every generator among the
    arguments that this call built from a seed."""
    ours = {id(gen) for gen in built}
    found: list = []
    for key, value in [*enumerate(args), *kwargs.items()]:
        for path, gen in _arrays_in(value, "", 0, np.random.Generator):
            if id(gen) in ours:
                found.append((key, path, gen, gen.bit_generator.state))
    return found


def _arrays_in(value, path: str, depth: int, kind: type = np.ndarray):
    """(path, item) for every object of exactly type ``kind`` inside lists, tuples and
    dicts."""
    if type(value) is kind:
        yield path, value
    elif depth < _MAX_WATCH_DEPTH and type(value) in (list, tuple):
        for i, item in enumerate(value):
            yield from _arrays_in(item, f"{path}[{i}]", depth + 1, kind)
    elif depth < _MAX_WATCH_DEPTH and type(value) is dict:
        for k, item in value.items():
            yield from _arrays_in(item, f"{path}[{k!r}]", depth + 1, kind)


def _holds(value: Any, arr: np.ndarray) -> bool:
    """``value`` is, or holds in its lists, tuples and dicts, the array ``arr`` itself or
    a view of it (a result that writes through to the caller's array). Each argument was
    decoded into a buffer of its own, so an overlap of memory bounds can only come from
    ``arr``: the bounds test suffices, and never costs more than a comparison."""
    return any(np.may_share_memory(found, arr) for _, found in _arrays_in(value, "", 0))


def _unchanged(arr: np.ndarray, saved: tuple) -> bool:
    """The same shape, dtype and bytes as before the call (a byte comparison is ten times
    faster than comparing the values, and sees any write that changed them)."""
    shape, dtype, data = saved
    return arr.shape == shape and arr.dtype == dtype and arr.tobytes() == data


def _defaults_of(target) -> dict[str, list]:
    """{parameter: [has a default, the default]} of a function, method or class (its
    constructor), or of the function a decorator wraps; a default that is not a plain
    number, string, bool or None is given as its type's name, and ``**kwargs`` as
    ``protocol.ANY_KEYWORD``."""
    found: dict[str, list] = {}
    for p in inspect.signature(_wrapped(target)).parameters.values():
        if p.kind is p.VAR_KEYWORD:
            found[protocol.ANY_KEYWORD] = [False, None]
        elif p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY, p.POSITIONAL_ONLY):
            value = p.default
            plain = value is None or isinstance(value, bool | int | float | str)
            found[p.name] = [value is not p.empty,
                             None if value is p.empty else value if plain
                             else f"<{type(value).__name__}>"]
    return found


def _wrapped(target, depth: int = 0):
    """The function a decorator hides without ``functools.wraps`` (inspect follows
    ``__wrapped__`` itself): a ``wrapper(*args, **kwargs)`` whose closure holds exactly
    one function or class passes every call, defaults included, on to it."""
    kinds = [p.kind for p in inspect.signature(target).parameters.values()]
    if depth >= 8 or kinds != [inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD]:
        return target
    inner = []
    for cell in getattr(target, "__closure__", None) or ():
        try:
            value = cell.cell_contents
        except ValueError:  # a cell not yet filled
            continue
        if inspect.isfunction(value) or inspect.isclass(value) or inspect.ismethod(value):
            inner.append(value)
    return _wrapped(inner[0], depth + 1) if len(inner) == 1 else target


def _positional_names(target, n_args: int) -> list[str | None]:
    """The parameter name of each of ``n_args`` positional arguments (``args[2]`` for
    ``*args``); None where the signature says nothing."""
    names: list[str | None] = []
    star = None
    for p in inspect.signature(target).parameters.values():
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            names.append(p.name)
        elif p.kind == p.VAR_POSITIONAL:
            star = p.name
    extra = [f"{star}[{i}]" if star else None for i in range(max(0, n_args - len(names)))]
    return [n if isinstance(n, str) else None for n in (names + extra)[:n_args]]


def _bases(obj: Any) -> tuple[str, ...]:
    """The names of the classes ``obj``'s class derives from, nearest first, without
    ``object`` (the trusted side compares names only)."""
    try:
        mro = type.__getattribute__(type(obj), "__mro__")
        return tuple(str(c.__name__)[:100] for c in mro[1:protocol.MAX_BASES + 1]
                     if c is not object)
    except Exception:  # an odd metaclass: no bases reported
        return ()


def _safe_str(exc: BaseException) -> str:
    try:
        return str(exc)
    except BaseException:
        return "<unprintable exception>"


def _student_traceback(exc: BaseException) -> str:
    """The traceback's frames that belong to notebook cells, and the exception line."""
    try:
        frames = [f for f in traceback.extract_tb(exc.__traceback__)
                  if f.filename.startswith("<")]
        lines = traceback.format_list(frames) + traceback.format_exception_only(exc)
        return "".join(lines)[-MAX_TRACEBACK:]
    except BaseException:
        return ""


def _describe(header: dict) -> str:
    if "handle" in header:
        return f"attribute {header.get('attr')!r}"
    return repr(header.get("name"))


class _Failed(dict):
    """The error reply of a request whose target could not be resolved."""


def _describe_figures(also: Any = None, namespace: dict | None = None) -> list[dict]:
    """A plain description of every figure the notebook closed, every open figure, and
    ``also`` (a figure a call returned) and the figures the notebook built without pyplot
    (numbered 0) when they are neither: what the suite may inspect, oldest first."""
    figures = CLOSED_FIGURES + [(int(num), plt.figure(num)) for num in plt.get_fignums()]
    for extra in [also, *_figures_without_pyplot(namespace or {})]:
        if isinstance(extra, MplFigure) and all(fig is not extra for _, fig in figures):
            figures.append((0, extra))
    return [fig if isinstance(fig, dict) else _describe_figure(num, fig)
            for num, fig in figures]


def _figures_without_pyplot(namespace: dict, most: int = 20) -> list:
    """Figures built as ``matplotlib.figure.Figure(...)`` (pyplot never sees them) that a
    global of the notebook holds, itself or as the figure of its axes (``ax``)."""
    found: list = []
    for value in list(namespace.values()):
        try:
            fig = value.figure if isinstance(value, MplAxes) else value
            if isinstance(fig, MplFigure) and fig.canvas.manager is None:
                found.append(fig)
        except Exception:  # a global that breaks isinstance or .figure is no figure
            continue
    return found[:most]


def _describe_figure(number: int, fig) -> dict:
    return {"number": number, "axes": [_describe_axes(ax) for ax in fig.axes],
            "suptitle": fig.get_suptitle()}


def _close_figures() -> None:
    """Close the cell's figures, as Jupyter's inline backend does (they are kept)."""
    try:
        plt.close("all")
    except Exception:  # pyplot broken by the notebook: its figures stay open
        pass


def _describe_safely(number: int, fig) -> dict:
    try:
        return _describe_figure(number, fig)
    except Exception:  # a figure the notebook broke describes as empty
        return {"number": number, "axes": [], "suptitle": ""}


def _tick_labels(axis) -> list[str]:
    """The major tick labels of an axis as the formatter writes them (no drawing needed)."""
    try:
        return [str(t) for t in axis.get_major_formatter().format_ticks(
            axis.get_majorticklocs())][:100]
    except Exception:
        return []


def _tick_locations(axis) -> list[float]:
    """Where the major ticks stand, in data coordinates (one per tick label)."""
    try:
        return [float(v) for v in axis.get_majorticklocs()][:100]
    except Exception:
        return []


MAX_PICTURE, MAX_PICTURES = 2500, 3  # entries of an image described with its values, images


def _picture(im) -> dict:
    """An image's values (a small 2-D one's) and where its cells stand: extent, origin."""
    try:
        data = np.ma.getdata(im.get_array())
        values = np.array(data, dtype=float) if np.ndim(data) == 2 and \
            np.size(data) <= MAX_PICTURE else None
        return {"values": values, "extent": [float(v) for v in im.get_extent()],
                "origin": str(im.origin)}
    except Exception:  # an image the notebook broke is described without its cells
        return {}


def _grid_values(collection) -> np.ndarray | None:
    """A mesh's cell values (pcolormesh, pcolor), if they form a small 2-D array."""
    try:
        data = np.ma.getdata(collection.get_array())
        return np.array(data, dtype=float) if np.ndim(data) == 2 and \
            np.size(data) <= MAX_PICTURE else None
    except Exception:  # a mesh the notebook broke is described by its shape alone
        return None


def _legend_labels(ax) -> dict[int, str]:
    """The names a legend gives to lines, as a reader pairs them: ``ax.legend(["gd",
    "adam"])`` names the artists that have no label of their own in the order they were
    drawn (as Matplotlib pairs them); ``ax.legend(lines, names)`` names each line drawn in
    its entry's style, whatever its own label (lines alike in style keep theirs)."""
    legend = ax.get_legend()
    if legend is None:
        return {}
    texts = [t.get_text() for t in legend.get_texts()]
    try:
        handles = list(matplotlib.legend._get_legend_handles([ax]))  # type: ignore[attr-defined]
    except (AttributeError, TypeError):  # a Matplotlib without this helper
        return {}
    own = [str(h.get_label()) for h in handles if not str(h.get_label()).startswith("_")]
    named = {} if texts == own else {  # not ax.legend() from the artists' own labels
        id(h): t for h, t in zip(handles, texts, strict=False)
        if str(h.get_label()).startswith("_")}
    # ax.legend(lines, names): an entry names the one line drawn in its entry's style
    lines = ax.get_lines()
    for proxy, text in zip(getattr(legend, "legend_handles", []), texts, strict=False):
        if isinstance(proxy, matplotlib.lines.Line2D):
            alike = [ln for ln in lines if _style(ln) == _style(proxy)]
            if len(alike) == 1:
                named[id(alike[0])] = text
    return named


def _style(line) -> tuple:
    """What tells a line from the others in a legend: colour, line style, marker, width."""
    try:
        return (matplotlib.colors.to_rgba(line.get_color()), str(line.get_linestyle()),
                str(line.get_marker()), float(line.get_linewidth()))
    except Exception:  # a line the notebook broke pairs with nothing
        return (id(line),)


def _describe_axes(ax) -> dict:
    """Lines (a scatter plot's points count as a line), image and mesh shapes, labels, the
    legend (the axes' own, else the figure's) and tick labels of one axes."""
    legends = [ax.get_legend()] if ax.get_legend() else list(getattr(ax.figure, "legends", []))
    named = _legend_labels(ax)
    lines = [{"label": named.get(id(line), str(line.get_label())),
              "marker": str(line.get_marker()), "linestyle": str(line.get_linestyle()),
              "x": np.asarray(line.get_xdata(), dtype=float),
              "y": np.asarray(line.get_ydata(), dtype=float)} for line in ax.get_lines()]
    for c in ax.collections:
        points = np.asarray(c.get_offsets(), dtype=float).reshape(-1, 2) \
            if isinstance(c, PathCollection) else np.empty((0, 2))
        if len(points):
            lines.append({"label": named.get(id(c), str(c.get_label())), "marker": "o",
                          "linestyle": "None", "x": points[:, 0], "y": points[:, 1]})
    images = [list(np.shape(im.get_array())) for im in ax.get_images()]
    pictures = [_picture(im) for im in ax.get_images()[:MAX_PICTURES]]
    meshes = [list(np.shape(c.get_array())) for c in ax.collections
              if c.get_array() is not None]
    mesh_values = [_grid_values(c) for c in ax.collections
                   if c.get_array() is not None][:MAX_PICTURES]
    return {
        "title": ax.get_title(), "xlabel": ax.get_xlabel(), "ylabel": ax.get_ylabel(),
        "xscale": ax.get_xscale(), "yscale": ax.get_yscale(), "lines": lines,
        "images": images, "meshes": meshes,
        "legend": [t.get_text() for legend in legends for t in legend.get_texts()],
        "xticklabels": _tick_labels(ax.xaxis), "yticklabels": _tick_labels(ax.yaxis),
        "xticks": _tick_locations(ax.xaxis), "yticks": _tick_locations(ax.yaxis),
        "pictures": pictures, "mesh_values": mesh_values,
        "is_colorbar": hasattr(ax, "_colorbar"),
    }
