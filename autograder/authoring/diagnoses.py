"""Generic diagnoses of a wrong numeric value, tried after a suite's own mutants.

When a value is wrong and no mutant of the suite matches it, :func:`diagnose_value`
looks for a relation between the student's value and the expected one that names a
mistake without knowing the question: a NaN or inf where a finite value is expected,
the right values in the wrong shape, the transpose, a flipped sign, a sequence shifted
by one step, the right rows in another order, values in single precision, values
rounded to a few decimals, or a constant
factor (named after the check's context: ``n``, ``K``, ``p``, ...). Given a second
input/output pair (a :class:`Probe`), it also recognises a hard-coded result and an
ignored argument.

Every relation is tested with the check's tolerance (at least ``rtol=1e-9``,
``atol=1e-12``, as for mutants), and only on expected values where it means something:
no factor or permutation of an all-zero array, no shift of a constant sequence, no
permutation of rows that repeat. A diagnosis that could be wrong is worded "This looks
like ...". Each has a short ``name`` (what the report counts) and a ``message`` (what
the student reads); neither states an expected value the mismatch message does not
already show.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

MAX_CELLS = 4_000_000  # rows**2 * columns above this: no search for a permutation of rows


@dataclass(frozen=True)
class Diagnosis:
    """A recognised mistake: ``name`` for counting, ``message`` for the student."""

    name: str
    message: str


@dataclass(frozen=True)
class Probe:
    """A second input/output pair of the same function: the student's value ``got`` and
    the ``expected`` value on other inputs (``changed=None``: every input changed) or
    with only the argument ``changed`` changed."""

    got: Any
    expected: Any
    changed: str | None = None


def probe(got: Any, expected: Any, changed: str | None = None) -> Probe:
    """A second input/output pair for :meth:`Expectation.close_to` (see :class:`Probe`)."""
    return Probe(got, expected, changed)


@dataclass(frozen=True)
class _Case:
    """What every rule sees: both values as float64 arrays and the relation tolerance."""

    got: np.ndarray
    exp: np.ndarray
    rtol: float
    atol: float
    context: Mapping[str, float]
    probes: Sequence[tuple[np.ndarray, np.ndarray, str | None]]

    def close(self, a: np.ndarray, b: np.ndarray) -> bool:
        """Same shape and equal within the tolerance (NaN only where NaN)."""
        with np.errstate(all="ignore"):
            return a.shape == b.shape and bool(np.allclose(a, b, rtol=self.rtol,
                                                           atol=self.atol, equal_nan=True))

    def negligible(self, a: np.ndarray) -> bool:
        """Every entry within ``atol`` of zero."""
        return bool(np.all(np.abs(a) <= self.atol))


def diagnose_value(got: np.ndarray, expected: np.ndarray, rtol: float, atol: float,
                   context: Mapping[str, float] | None = None,
                   probes: Iterable[Probe] = ()) -> Diagnosis | None:
    """The first generic mistake that explains ``got`` (float64) against ``expected``."""
    pairs = []
    for p in probes:
        g, e = _floats(p.got), _floats(p.expected)
        if g is not None and e is not None:
            pairs.append((g, e, p.changed))
    case = _Case(got, np.asarray(expected, dtype=np.float64), max(rtol, 1e-9), max(atol, 1e-12),
                 {k: float(v) for k, v in (context or {}).items() if _number(v)}, pairs)
    for rule in RULES:
        found = rule(case)
        if found is not None:
            return found
    return None


def _floats(value: Any) -> np.ndarray | None:
    try:
        with np.errstate(all="ignore"):
            arr = np.array(value, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        return None
    return arr


def _number(v: Any) -> bool:
    return isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool) \
        and bool(np.isfinite(v))


# ---------------------------------------------------------------------------
# the rules, in the order they are tried


def _non_finite(c: _Case) -> Diagnosis | None:
    """NaN or inf where the expected value is finite: an overflow or an invalid operation."""
    if c.got.shape != c.exp.shape:
        return None
    bad = ~np.isfinite(c.got) & np.isfinite(c.exp)
    if not bad.any():
        return None
    index = tuple(int(i) for i in np.argwhere(bad)[0])
    value = "nan" if np.isnan(c.got[index]) else "inf"
    where = f" at index {index}" if c.exp.ndim else ""
    return Diagnosis(
        "nan or inf where the value is finite",
        f"This looks like an overflow or an invalid operation: got {value}{where}, where "
        "the expected value is finite (exp of a large number, 0/0, inf - inf or log 0?); "
        "compute it in a numerically stable form.")


def _probes(c: _Case) -> Diagnosis | None:
    """The same result for other inputs (hard-coded), or for another value of one argument
    (that argument ignored), while the expected value changed."""
    for got, exp, changed in c.probes:
        if c.close(got, c.got) and not c.close(exp, c.exp):
            if changed is None:
                return Diagnosis(
                    "hard-coded result",
                    "This looks like a hard-coded result: the same value came back for other "
                    "inputs, whose expected value is different.")
            return Diagnosis(
                f"argument {changed} ignored",
                f"This looks like the argument `{changed}` is ignored: the result stayed the "
                f"same when `{changed}` changed, although the expected value did not.")
    return None


def _wrong_shape(c: _Case) -> Diagnosis | None:
    """The expected values in order, in another shape (one value counts unless it is 0;
    several unless they are all equal: any shape would hold those)."""
    if c.got.shape == c.exp.shape or c.got.size != c.exp.size or c.exp.size == 0:
        return None
    trivial = c.negligible(c.exp) if c.exp.size == 1 else _constant(c, c.exp.ravel())
    if trivial or not c.close(c.got.ravel(), c.exp.ravel()):
        return None
    return Diagnosis(
        "right values in the wrong shape",
        f"The values are right but the shape is {c.got.shape} instead of {c.exp.shape} "
        "(a missing reshape or keepdims, or an extra axis?).")


def _transposed(c: _Case) -> Diagnosis | None:
    """The transpose of a matrix that is not symmetric."""
    if c.exp.ndim != 2 or min(c.exp.shape) < 2 or c.got.shape != c.exp.T.shape:
        return None
    if c.close(c.exp, c.exp.T) or not c.close(c.got, c.exp.T):
        return None
    return Diagnosis("transposed",
                     "This looks like the transpose of the expected matrix: rows and columns "
                     "are swapped.")


def _sign(c: _Case) -> Diagnosis | None:
    """Minus the expected value."""
    if c.got.shape != c.exp.shape or c.negligible(c.exp) or not c.close(c.got, -c.exp):
        return None
    return Diagnosis("sign flipped", "This looks like the sign is flipped: every entry is "
                                     "minus the expected one.")


def _shifted(c: _Case) -> Diagnosis | None:
    """A sequence one step ahead or behind, or with one value too few or too many."""
    g, e = c.got, c.exp
    if g.ndim != 1 or e.ndim != 1 or len(e) < 3:
        return None
    same, fewer, more = len(g) == len(e), len(g) == len(e) - 1, len(g) == len(e) + 1
    cases = [
        (same, g[:-1], e[1:], "entry t holds the expected value of step t + 1 (a step count "
                              "off by one: t + 1 where t is meant, or one update too many?)"),
        (same, g[1:], e[:-1], "entry t holds the expected value of step t - 1 (a step count "
                              "off by one: t - 1 where t is meant, or one update too few?)"),
        (fewer, g, e[1:], "the sequence lacks its first value, the one at the start (t = 0)"),
        (fewer, g, e[:-1], "the sequence lacks its last value: one step too few"),
        (more, g[1:], e, "the sequence has one value too many at the start"),
        (more, g[:-1], e, "the sequence has one value too many at the end: one step too many"),
    ]
    for applies, part, target, text in cases:  # a step function shifts into itself
        if applies and len(np.unique(target)) >= 3 and c.close(part, target):
            return Diagnosis("off by one step",
                             f"This looks like a sequence shifted by one: {text}.")
    return None


def _permuted(c: _Case) -> Diagnosis | None:
    """The expected rows (entries of a vector) in another order, when no two are equal."""
    if c.got.shape != c.exp.shape or c.exp.ndim == 0 or len(c.exp) < 2:
        return None
    rows_g = c.got.reshape(len(c.got), -1)
    rows_e = c.exp.reshape(len(c.exp), -1)
    if rows_e.shape[0] ** 2 * rows_e.shape[1] > MAX_CELLS or not np.all(np.isfinite(rows_e)):
        return None
    if _row_matches(c, rows_e, rows_e).sum() != len(rows_e):
        return None  # repeated rows: another order of them means nothing
    match = _row_matches(c, rows_g, rows_e)
    order = match.argmax(axis=1)
    if not np.all(match.sum(axis=1) == 1) or len(set(order.tolist())) != len(order):
        return None
    identity = np.arange(len(order))
    if np.array_equal(order, identity):
        return None
    what = "rows" if c.exp.ndim > 1 else "entries"
    if np.array_equal(order, identity[::-1]):
        return Diagnosis(f"{what} in reverse order",
                         f"This looks like the right {what} in reverse order.")
    first = int(np.argmax(order != identity))
    return Diagnosis(
        f"{what} permuted",
        f"This looks like the right {what} in another order: {what[:-1]} {first} is the "
        f"expected {what[:-1]} {int(order[first])} (shuffled or sorted {what}, or targets "
        "that no longer line up with their inputs?).")


def _row_matches(c: _Case, rows_a: np.ndarray, rows_e: np.ndarray) -> np.ndarray:
    """match[i, j]: row i of ``rows_a`` equals expected row j within the tolerance."""
    with np.errstate(all="ignore"):
        diff = np.abs(rows_a[:, None, :] - rows_e[None, :, :])
        return np.all(diff <= c.atol + c.rtol * np.abs(rows_e[None, :, :]), axis=2)


def _single_precision(c: _Case) -> Diagnosis | None:
    """Every entry a float32 number, close to the expected float64 one at float32's
    precision, while the expected values are not float32 numbers themselves."""
    if c.got.shape != c.exp.shape or not np.all(np.isfinite(c.got)):
        return None
    with np.errstate(all="ignore"):
        as32 = c.got.astype(np.float32).astype(np.float64)
        exp32 = c.exp.astype(np.float32).astype(np.float64)
    if not (np.array_equal(as32, c.got) and not np.array_equal(exp32, c.exp)
            and np.allclose(c.got, c.exp, rtol=1e-5, atol=max(c.atol, 1e-30))):
        return None
    return Diagnosis("single precision",
                     "This looks like single precision: every value is a float32 number "
                     "(about 7 significant digits). Compute in float64, NumPy's default: is "
                     "an array or a dtype float32 somewhere?")


def _rounded(c: _Case) -> Diagnosis | None:
    """The expected values rounded to 0 to 8 decimals, where rounding changes them: a
    result rounded before it is returned. One number must be rounded to 2 decimals or
    more (a wrong whole number is too often some rounding of the right one)."""
    if c.got.shape != c.exp.shape or not (np.all(np.isfinite(c.got))
                                          and np.all(np.isfinite(c.exp))):
        return None
    for k in range(2 if c.exp.size == 1 else 0, 9):
        rounded = np.round(c.exp, k)
        if np.array_equal(rounded, c.exp):  # already at k decimals: no rounding shows
            return None
        if np.allclose(c.got, rounded, rtol=1e-12, atol=0.0):
            return Diagnosis("rounded", f"This looks like the values rounded to {k} "
                             f"decimal{'' if k == 1 else 's'}: return them in full (round only "
                             "what you print).")
    return None


def _factor(c: _Case) -> Diagnosis | None:
    """The expected value times a constant: a named one (from the context, or 2), or, for
    an array with at least two distinct non-zero entries, any constant."""
    if c.got.shape != c.exp.shape or c.negligible(c.exp) or c.negligible(c.got):
        return None
    for value, label, cause in _candidates(c.context):
        if c.close(c.got, value * c.exp):
            return Diagnosis(f"constant factor {label}",
                             f"This looks like the expected value times {_number_text(value)} "
                             f"({cause}).")
    nonzero = c.exp[np.abs(c.exp) > c.atol]
    if _constant(c, nonzero):
        return None  # fewer than two distinct non-zero entries: any wrong value is a factor
    with np.errstate(all="ignore"):
        k = float(np.vdot(c.got, c.exp) / np.vdot(c.exp, c.exp))
    if not np.isfinite(k) or abs(k - 1.0) <= 10 * c.rtol or not c.close(c.got, k * c.exp):
        return None
    return Diagnosis("constant factor",
                     f"This looks like the expected value times {_number_text(k)}: the right "
                     "values off by a constant factor.")


def _candidates(context: Mapping[str, float]) -> list[tuple[float, str, str]]:
    """(factor, label, likely cause) to try, from the check's context, then 2 and 1/2."""
    out: list[tuple[float, str, str]] = []
    for name, v in context.items():
        if v in (0.0, 1.0, -1.0):
            continue
        out += _CAUSES.get(name, _generic_causes)(name, v)
    out += [(2.0, "2", "a factor 2 too many: the 2 of d(w^2)/dw = 2w where w^2/2 was "
                       "differentiated, or a difference divided by h instead of 2h?"),
            (0.5, "1/2", "a factor 2 missing: the inner derivative of a chain rule (d/dz of "
                         "2z), the 2 of d(w^2)/dw = 2w, or a 1/2 too many?")]
    return out


def _n_causes(name: str, n: float) -> list[tuple[float, str, str]]:
    out = [(n, "n", f"n = {n:g}, the number of samples: a sum over the samples where the "
                    "mean is expected, or a missing 1/n?"),
           (1 / n, "1/n", f"divided by n = {n:g} once too often: the 1/n of the mean may "
                          "already be inside an earlier term")]
    if n > 2:
        out += [(n / (n - 1), "n/(n-1)", "the unbiased n - 1 where the biased n belongs?"),
                ((n - 1) / n, "(n-1)/n", "the biased n where the unbiased n - 1 belongs?")]
    return out


def _k_causes(name: str, k: float) -> list[tuple[float, str, str]]:
    return [(k, "K", f"K = {k:g}, the number of classes or outputs: summed over them where "
                     "one value per sample is expected?"),
            (1 / k, "1/K", f"divided by K = {k:g}: averaged over all the entries instead of "
                           "summing over the classes and averaging over the samples?")]


def _p_causes(name: str, p: float) -> list[tuple[float, str, str]]:
    if not 0 < p < 1:
        return _generic_causes(name, p)
    return [(1 / (1 - p), "1/(1-p)", f"scaled by 1 / (1 - p) with p = {p:g}: the rescaling "
                                     "of inverted dropout where none belongs, or applied "
                                     "twice?"),
            (1 - p, "1-p", f"scaled by 1 - p with p = {p:g}: the rescaling by 1 / (1 - p) "
                           "is missing?"),
            (p, "p", f"multiplied by p = {p:g}: the drop rate where the keep probability "
                     "1 - p belongs?")]


def _generic_causes(name: str, v: float) -> list[tuple[float, str, str]]:
    return [(v, name, f"{name} = {v:g} applied once too often?"),
            (1 / v, f"1/{name}", f"divided by {name} = {v:g} where it does not belong?")]


_CAUSES: dict[str, Callable[[str, float], list[tuple[float, str, str]]]] = {
    "n": _n_causes, "K": _k_causes, "p": _p_causes}


def _constant(c: _Case, values: np.ndarray) -> bool:
    """All entries equal within the tolerance (a single entry counts as constant)."""
    values = values.ravel()
    return values.size < 2 or c.close(values, np.full_like(values, values[0]))


def _number_text(x: float) -> str:
    """Enough digits to tell ``x`` from 1 (and from a round number it is not)."""
    for digits in (4, 8, 12, 17):
        text = f"{x:.{digits}g}"
        if float(text) != 1.0 or x == 1.0:
            return text
    return text


RULES: tuple[Callable[[_Case], Diagnosis | None], ...] = (
    _non_finite, _probes, _wrong_shape, _transposed, _sign, _shifted, _permuted,
    _single_precision, _rounded, _factor)
