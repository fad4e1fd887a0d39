"""Grading a question with the student's own earlier functions.

A question that builds on an earlier one (a forward pass that uses the student's
``sigmoid``, a Hessian that differentiates the student's ``backprop``) should not cost the
earlier mistake a second time. :func:`own_result` computes, outside any check, what the
student's own earlier function returns; build from it the value the later function
would give with it, and offer that to the comparison as an accepted answer::

    A1_own = own_result(student, "sigmoid", Z1)     # None if it raised or is missing
    expect(got[1], "A1").close_to(sigmoid(Z1), accept={
        "what your own sigmoid of Question 1 gives": A1_own})

A value that matches an accepted answer passes, and the check's label says which.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograder.authoring.expect import as_float_array
from autograder.engine.errors import StudentError
from autograder.engine.student import Handle, Student


def own_result(student: Student | Handle, name: str, *args: Any, like: Any = None,
               with_args: bool = False, **kwargs: Any) -> Any:
    """What the notebook's function ``name`` (or, given a :class:`Handle`, the object's
    method ``name``) returns for these inputs, or None when it raised, timed out or is not
    defined. With ``like`` (an array, a number or lists and
    tuples of them), the value as float64 arrays of those shapes, nested the same way,
    or None if it is not (ready for arithmetic on the trusted side). Nothing is
    recorded: this is no check of its own. Its arguments are not watched either, since
    the function's own question checks that it leaves them unchanged, and the worker only
    ever changes its copies. With ``with_args``, ``(value, args)``: also the positional
    arguments as the call left them (shaped like ``args`` when ``like`` is given), for a
    later function that sees what an earlier one changed in place."""
    try:
        value = student.call(name, *args, may_change=True, send_args=with_args, **kwargs)
    except StudentError:
        return None
    if not with_args:
        return value if like is None else shaped_like(value, like)
    if not (isinstance(value, list) and len(value) == 2):
        return None
    if like is None:
        return value[0], value[1]
    got, left = shaped_like(value[0], like), shaped_like(value[1], list(args))
    return None if got is None or left is None else (got, left)


def changes_arguments(student: Student | Handle, name: str, *args: Any, **kwargs: Any) -> bool:
    """The student's own function (or method) ``name`` changes in place an array among
    these arguments. A later function that calls it then changes its own arguments too;
    pass ``may_change=`` to that call (the earlier function's question charges the
    change) and say so with a note. False when it raises or is missing."""
    got = own_result(student, name, *args, with_args=True, **kwargs)
    return got is not None and not _same_values(got[1], list(args))


def _same_values(left: Any, given: Any) -> bool:
    """Arrays (nested in lists, tuples and dicts) equal to the given ones, NaN to NaN."""
    if isinstance(given, list | tuple):
        return isinstance(left, list | tuple) and len(left) == len(given) and all(
            _same_values(a, b) for a, b in zip(left, given, strict=True))
    if isinstance(given, dict):
        return isinstance(left, dict) and left.keys() == given.keys() and all(
            _same_values(left[k], given[k]) for k in given)
    if isinstance(given, np.ndarray):
        return isinstance(left, np.ndarray) and left.shape == given.shape and bool(
            np.array_equal(left, given, equal_nan=given.dtype.kind in "fc"))
    return True  # not an array: the worker watches arrays only


def own_attribute(obj: Handle, name: str, like: Any = None) -> Any:
    """The attribute ``name`` of a student object, or None when it cannot be read; with
    ``like``, as for :func:`own_result`. It records no check: for a mutant or an accepted
    answer that an attribute the question does not grade helps to build."""
    try:
        value = obj.get(name)
    except StudentError:
        return None
    return value if like is None else shaped_like(value, like)


def own_global(student: Student, name: str, kind: type | tuple[type, ...] = object) -> Any:
    """The notebook's global ``name`` when it is defined and a ``kind``, or None. It records
    no check: for a mistake that uses a notebook setting instead of an argument."""
    if not student.has(name):
        return None
    try:
        value = student.get(name)
    except StudentError:
        return None
    return value if isinstance(value, kind) and not isinstance(value, bool) else None


def shaped_like(value: Any, template: Any, broadcast: bool = False) -> Any:
    """``value`` as float64 arrays shaped like ``template`` (nested in lists and tuples the
    same way), or None when it is not. With ``broadcast``, an array that broadcasts
    against the template's shape counts as it is, as the student's own ``b - lr * db``
    uses it (a bias gradient summed to one number, or kept 2-D with keepdims, say)."""
    if isinstance(template, tuple | list):
        if not isinstance(value, tuple | list) or len(value) != len(template):
            return None
        items = [shaped_like(v, t, broadcast) for v, t in zip(value, template, strict=True)]
        return None if any(i is None for i in items) else items
    arr, problem = as_float_array(value)
    shape = np.shape(template)
    if arr is None or problem is not None:
        return None
    if broadcast and arr.shape != shape:
        try:
            np.broadcast_shapes(arr.shape, shape)
        except ValueError:
            return None
        return arr
    return arr if arr.shape == shape else None
