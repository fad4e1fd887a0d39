"""A notebook's live worker: object handles, restarts and replay."""

from __future__ import annotations

import pytest

from autograder.engine.budgets import Budgets
from autograder.engine.errors import StudentError
from autograder.engine.runtime import NotebookRuntime
from autograder.engine.student import QuestionBudget, Student
from autograder.sandbox.limits import Limits

pytestmark = pytest.mark.integration  # runs notebooks in the sandbox

CELLS = ["class Box:\n    def __init__(self, v):\n        self.v = v\n"
         "    def add(self, other):\n        return self.v + other.v\n"
         "class Crate(Box):\n    pass\n",
         "import os\nstarted = os.getpid()",
         "import os\nos._exit(1)",
         "after = 'defined after the crash'"]


@pytest.fixture
def runtime(factory):
    rt = NotebookRuntime(factory, Limits(), Budgets(), CELLS)
    yield rt
    rt.close()


def test_a_cell_that_kills_the_worker_is_skipped_and_the_rest_still_runs(runtime):
    log = runtime.run_notebook()
    assert [c.ok for c in log] == [True, True, False, True]
    assert "exited by itself with code 1" in log[2].error
    student = Student(runtime, QuestionBudget(30))
    assert student.get("after") == "defined after the crash"
    assert runtime.restarts == 1


def test_objects_travel_by_reference_and_are_lost_with_their_worker(runtime):
    runtime.run_notebook()
    student = Student(runtime, QuestionBudget(30))
    a, b = student.call("Box", 2), student.call("Box", 5)
    assert a.type_name == "Box" and a.call("add", b) == 7 and b.get("v") == 5
    crate = student.call("Crate", 1)  # a subclass is what its base class is
    assert crate.is_a("Crate") and crate.is_a("Box") and not a.is_a("Crate")
    assert not crate.is_a("object") and crate.call("add", a) == 3
    big = student.call("Box", __import__("numpy").array([1e308]))
    assert big.call("add", big)[0] == float("inf")
    with pytest.raises(StudentError, match="FloatingPointError: overflow"):
        big.call("add", big, strict_floats=True)
    runtime.session.kill("for the test")
    with pytest.raises(StudentError, match="lost when the notebook's process"):
        a.call("add", b)
    c = student.call("Box", 1)
    with pytest.raises(StudentError, match="lost"):
        c.call("add", a)  # an old handle must not alias a new object
    assert c.call("add", c) == 2


def test_only_student_objects_can_be_sent_back(runtime):
    runtime.run_notebook()
    student = Student(runtime, QuestionBudget(30))
    from autograder.sandbox.protocol import ProtocolError
    with pytest.raises(ProtocolError, match="cannot send a value of type set"):
        student.call("Box", {1, 2})


def test_a_dict_global_is_read_as_a_value_and_a_missing_name_is_an_error(factory):
    rt = NotebookRuntime(factory, Limits(), Budgets(),
                         ["import numpy as np\nhistories = {'gd': np.arange(3.0), 'ok': False}"])
    try:
        rt.run_notebook()
        student = Student(rt, QuestionBudget(30))
        got = student.get("histories")
        assert set(got) == {"gd", "ok"} and list(got["gd"]) == [0.0, 1.0, 2.0]
        with pytest.raises(StudentError, match="not defined"):
            student.get("nothing")
        with pytest.raises(StudentError, match="is a dict, not a function"):
            student.call("histories")
    finally:
        rt.close()


SILENCING = ("import numpy as np\n"
             "def quiet(z):\n    with np.errstate(over='ignore'):\n"
             "        return 1 / (1 + np.exp(-z))\n"
             "def quiet_all(z):\n    old = np.seterr(all='ignore')\n"
             "    try:\n        return np.exp(z)\n    finally:\n        np.seterr(**old)\n"
             "def underflow(z):\n    with np.errstate(under='raise'):\n        return np.exp(z)\n")


def test_a_strict_call_cannot_silence_what_it_turns_into_errors(factory):
    """The text says the hidden tests turn overflow into an error: a function that wraps an
    overflowing exp in np.errstate(over='ignore') or np.seterr(all='ignore') still
    overflows, so the strict call raises; kinds it does not watch stay the student's to set,
    and outside strict calls np.errstate is NumPy's own."""
    rt = NotebookRuntime(factory, Limits(), Budgets(), [SILENCING])
    z = __import__("numpy").array([-1000.0, 0.0])
    try:
        rt.run_notebook()
        student = Student(rt, QuestionBudget(30))
        for name in ("quiet", "quiet_all"):
            with pytest.raises(StudentError, match="FloatingPointError: overflow"):
                student.call(name, -z if name == "quiet_all" else z, strict_floats=True)
        with pytest.raises(StudentError, match="FloatingPointError: underflow"):
            student.call("underflow", z, strict_floats=True)
        assert list(student.call("quiet", z)) == [0.0, 0.5]
        assert list(student.call("quiet_all", -z)) == [float("inf"), 1.0]
    finally:
        rt.close()


LIBRARY_SILENCING = (
    "import numpy as np, scipy.special, pathlib, importlib\n"
    "def lse_softmax(z):\n"
    "    return np.exp(z - scipy.special.logsumexp(z, axis=-1, keepdims=True))\n"
    "pathlib.Path('own_module.py').write_text('import numpy as np\\n'\n"
    "    'def quiet(z):\\n    with np.errstate(over=\"ignore\"):\\n'\n"
    "    '        return 1 / (1 + np.exp(-z))\\n')\n"
    "importlib.invalidate_caches()\n"
    "from own_module import quiet\n")


def test_a_library_may_silence_what_it_handles_but_a_module_of_the_students_may_not(factory):
    """SciPy's logsumexp silences the overflow of its first attempt and handles it, so a
    softmax built on it is right under a strict call; a module the student writes and
    imports is the student's code, and stays strict."""
    rt = NotebookRuntime(factory, Limits(), Budgets(), [LIBRARY_SILENCING])
    z = __import__("numpy").array([[1000.0, 0.0], [-1000.0, 0.0]])
    try:
        log = rt.run_notebook()
        assert all(cell.ok for cell in log), log
        student = Student(rt, QuestionBudget(30))
        got = student.call("lse_softmax", z, strict_floats=True)
        assert got.tolist() == [[1.0, 0.0], [0.0, 1.0]]
        with pytest.raises(StudentError, match="FloatingPointError: overflow"):
            student.call("quiet", z, strict_floats=True)
    finally:
        rt.close()


def test_a_call_can_send_back_its_arguments_as_it_left_them(factory):
    """With send_args, a call returns [value, args] (the arguments after the call), so a
    suite can judge a later function with what an earlier one did in place."""
    rt = NotebookRuntime(factory, Limits(), Budgets(),
                         ["def halve(z, label):\n    z /= 2\n    return label"])
    z = __import__("numpy").array([2.0, 4.0])
    try:
        rt.run_notebook()
        student = Student(rt, QuestionBudget(30))
        value, args = student.call("halve", z, "x", may_change=True, send_args=True)
        assert value == "x" and list(args[0]) == [1.0, 2.0] and args[1] == "x"
        assert list(z) == [2.0, 4.0]  # the trusted side's array is the suite's own
        assert student.call("halve", z, "y", may_change=True) == "y"
    finally:
        rt.close()


def test_an_attribute_read_by_reference_is_the_very_object(factory):
    """get(by_reference=True) hands back a handle, whatever the type, so a suite can pass
    one object's list to another call and see what that call does to it."""
    rt = NotebookRuntime(factory, Limits(), Budgets(), [
        "class Box:\n    def __init__(self):\n        self.items = [1.0]\n",
        "def grow(items):\n    items.append(2.0)\n"])
    try:
        rt.run_notebook()
        student = Student(rt, QuestionBudget(30))
        box = student.call("Box")
        items = box.get("items", by_reference=True)
        assert items.type_name == "list"
        student.call("grow", items, may_change=True)
        assert box.get("items") == [1.0, 2.0]
    finally:
        rt.close()


def test_a_call_of_a_function_the_text_rules_out_fails_the_check(factory):
    """forbid= names functions a question rules out; the call still runs, and using one
    fails the current check with the rule (np.linalg.solve passes)."""
    from autograder.engine.checks import recording
    rt = NotebookRuntime(factory, Limits(), Budgets(), [
        "import numpy as np\ndef by_inverse(A, b):\n    return np.linalg.inv(A) @ b\n"
        "def by_solve(A, b):\n    return np.linalg.solve(A, b)\n"])
    A, b = __import__("numpy").eye(2) * 2.0, __import__("numpy").ones(2)
    rule = {"numpy.linalg.inv": "use np.linalg.solve"}
    try:
        rt.run_notebook()
        student = Student(rt, QuestionBudget(30))
        with recording() as rec:
            assert list(student.call("by_inverse", A, b, forbid=rule)) == [0.5, 0.5]
            student.call("by_solve", A, b, forbid=rule)
    finally:
        rt.close()
    failed = [c for c in rec.checks if not c.passed]
    assert len(rec.checks) == 1 and len(failed) == 1  # by_solve's call records nothing
    assert "`by_inverse` called numpy.linalg.inv: use np.linalg.solve" in failed[0].message


def test_a_call_that_skips_a_notebook_function_the_text_asks_for_fails_the_check(factory):
    """require= names the notebook's own functions a question asks the function to use;
    a call that returns without running one (under whatever name) fails the current
    check with the rule, and the notebook's function is its own again after the call."""
    from autograder.engine.checks import recording
    rt = NotebookRuntime(factory, Limits(), Budgets(), [
        "import math\ndef square(x):\n    return x * x\n"
        "def through_helper(x):\n    return helper(x)\n"
        "def helper(x):\n    return square(x) + 1\n"
        "def by_hand(x):\n    return x ** 2 + 1\n"
        "def bound(x, f=square):\n    return f(x) + 1\n"
        "def raises(x):\n    raise ValueError(x)\n"
        "def is_original():\n    return square.__name__ == 'square'\n"
        "class Cube:\n    def __call__(self, x):\n        return self.forward(x)\n"
        "    def forward(self, x):\n        return x ** 3\n"
        "def cube(x):\n    '''the cube'''\n    assert x == x\n    return Cube()(x)\n"
        "def poly(x):\n    return cube(x) + x\n"
        "def cube_plus(x):\n    return cube(x) + x + 1\n"
        "def through_class(x):\n    return Cube().forward(x) + 1\n"
        "class Square:\n    def forward(self, x):\n        return x * x\n"
        "def by_other_class(x):\n    return Square().forward(x) + 1\n"])
    rule = {"square": "use your square", "undefined": "use your undefined"}
    cubed = {"cube": "use your cube"}
    poly = {"poly": "use your poly"}
    try:
        rt.run_notebook()
        student = Student(rt, QuestionBudget(30))
        with recording() as rec:
            assert student.call("through_helper", 3.0, require=rule) == 10.0
            assert student.call("by_hand", 3.0, require=rule) == 10.0
            assert student.call("bound", 3.0, require=rule) == 10.0  # the same function
            with pytest.raises(StudentError):
                student.call("raises", 3.0, require=rule)
            # the work cube hands on (Cube's own methods) counts as using cube
            assert student.call("through_class", 2.0, require=cubed) == 9.0
            assert student.call("by_other_class", 2.0, require=cubed) == 5.0
            # poly computes more than it hands on: running cube is not running poly
            assert student.call("cube_plus", 2.0, require=poly) == 11.0
        assert student.call("is_original") is True
    finally:
        rt.close()
    assert [(c.passed, c.message) for c in rec.checks] == [
        (False, "`by_hand` did not call your square: use your square"),
        (False, "`by_other_class` did not call your cube: use your cube"),
        (False, "`cube_plus` did not call your poly: use your poly")]


def test_a_method_the_text_asks_for_is_required_as_class_dot_method(factory):
    """A handle's call takes require= too, and a method is named "Class.method": a fit that
    repeats its step's work inline fails the check, one that calls it (as self.step) passes."""
    from autograder.engine.checks import recording
    rt = NotebookRuntime(factory, Limits(), Budgets(), [
        "class Net:\n    def __init__(self):\n        self.w = 0.0\n"
        "    def step(self):\n        self.w += 1.0\n"
        "    def fit(self, n):\n        for _ in range(n):\n            self.step()\n"
        "        return self.w\n"
        "    def fit_inline(self, n):\n        self.w += n\n        return self.w\n"])
    rule = {"Net.step": "take one step per batch with your step"}
    try:
        rt.run_notebook()
        student = Student(rt, QuestionBudget(30))
        net = student.call("Net")
        with recording() as rec:
            assert net.call("fit", 2, require=rule) == 2.0
            assert net.call("fit_inline", 3, require=rule) == 5.0
    finally:
        rt.close()
    assert [(c.passed, c.message) for c in rec.checks] == [
        (False, "`Net.fit_inline` did not call your Net.step: take one step per batch with "
                "your step")]


def test_a_python_loop_over_the_entries_runs_more_lines_on_a_larger_input(factory):
    """lines_run counts the lines of the notebook's code a call runs: whole-array operations
    the same on any input, a loop (np.vectorize of a notebook function too) one or more per
    entry; the functions named in skip, and what they call, are not counted. The rule check
    fails a loop and leaves a call that fails unjudged."""
    import numpy as np

    from autograder.authoring import verify_whole_array
    from autograder.engine.checks import recording
    rt = NotebookRuntime(factory, Limits(), Budgets(), [
        "import numpy as np\n"
        "def whole(z):\n    return np.maximum(z, 0.0)\n"
        "def looped(z):\n    out = np.zeros_like(z)\n    for i, v in enumerate(z.flat):\n"
        "        out.flat[i] = max(v, 0.0)\n    return out\n"
        "def vectorized(z):\n    return np.vectorize(lambda v: max(v, 0.0))(z)\n"
        "def calls_looped(z):\n    return looped(z) + 1\n"
        "def small_only(z):\n    assert z.size < 100\n    return z\n"
        "import sys\n"
        "def untraced(z):\n    sys.settrace(None)\n    return looped(z)\n"])
    small, large = np.ones((2, 3)), np.ones((100, 3))
    try:
        rt.run_notebook()
        student = Student(rt, QuestionBudget(30))
        assert student.lines_run("whole", small) == student.lines_run("whole", large) == 1
        assert student.lines_run("looped", large) - student.lines_run("looped", small) == 588
        assert student.lines_run("vectorized", large) > 100 + student.lines_run(
            "vectorized", small)
        assert student.lines_run("calls_looped", large, skip=["looped"]) == 1
        assert student.lines_run("untraced", large) is None
        with recording() as rec:
            for name in ("whole", "looped", "vectorized", "small_only", "untraced"):
                verify_whole_array(student, name, (small,), (large,))
    finally:
        rt.close()
    assert [c.passed for c in rec.checks] == [True, False, False, False]
    assert "replaced sys.settrace" in rec.checks[3].message
    assert "ran 603 lines of your code on an input of shape (100, 3) but 15 on an input " \
        "of shape (2, 3): a Python loop over the rows or entries" in rec.checks[1].message


def test_a_generator_in_the_worker_is_shared_by_the_calls_it_is_passed_to(factory):
    """student.generator(seed) replays a notebook's draws in order: the notebook's own
    function and the generator's methods draw from the same stream."""
    import numpy as np
    rt = NotebookRuntime(factory, Limits(), Budgets(),
                         ["def draw(rng, k):\n    return rng.uniform(size=k)"])
    try:
        rt.run_notebook()
        student = Student(rt, QuestionBudget(30))
        g = student.generator(5)
        first = student.call("draw", g, 3)
        second = g.call("normal", size=2)
        third = student.call("draw", g, 1)
    finally:
        rt.close()
    want = np.random.default_rng(5)
    assert np.array_equal(first, want.uniform(size=3))
    assert np.array_equal(second, want.normal(size=2))
    assert np.array_equal(third, want.uniform(size=1))


SHELL_CELLS = ["!pip install numpy matplotlib\nimport numpy as np\nfirst = np.pi",
               "%pip install --quiet otter-grader\nsecond = 2",
               "files = !ls\nthird = list(files)",
               "%%writefile helpers.py\ndef twice(x):\n    return 2 * x\n",
               "from helpers import twice\nfourth = twice(2)",
               "%cd /nonexistent\n%cd /tmp\nimport os\nfifth = os.getcwd()"]


def test_shell_commands_are_skipped_and_the_rest_of_the_cell_runs(factory):
    """An offline Jupyter prints a failing shell command's error and goes on; so does the
    worker, which runs no shell (its network and file system are closed anyway). As in
    Jupyter, a module the notebook writes in its folder can be imported."""
    rt = NotebookRuntime(factory, Limits(), Budgets(), SHELL_CELLS)
    try:
        log = rt.run_notebook()
        student = Student(rt, QuestionBudget(30))
        values = [student.get(n) for n in ("first", "second", "third", "fourth", "fifth")]
    finally:
        rt.close()
    assert all(c.ok for c in log), [c.error for c in log]
    assert values == [__import__("math").pi, 2, [], 4, "/tmp"]


def test_an_error_is_said_once_and_with_the_notebooks_own_frames():
    from autograder.engine.runtime import _error_line
    bare = {"type": "AttributeError", "message": "no attribute 'lr'",
            "traceback": "AttributeError: no attribute 'lr'\n"}
    assert _error_line(bare, with_traceback=True) == "AttributeError: no attribute 'lr'"
    framed = dict(bare, traceback='  File "<cell 3>", line 2, in fit\n' + bare["traceback"])
    assert _error_line(framed, with_traceback=True).count("no attribute") == 2


DEFAULTS = ("import numpy as np\n"
            "def leaky(z, alpha=0.01, *, scale=2, name='x', arr=np.zeros(2)):\n    return z\n"
            "class Net:\n    def __init__(self, sizes, lr=0.2, rng=None):\n        pass\n"
            "    def fit(self, X, epochs=3):\n        return X\n"
            "class Odd:\n    __signature__ = property(lambda self: 1 / 0)\n"
            "    def __call__(self, z):\n        return z\n"
            "odd = Odd()\n"
            "def timed(f):\n    def wrapper(*args, **kwargs):\n        return f(*args, **kwargs)\n"
            "    return wrapper\n"
            "leaky_timed = timed(timed(leaky))\n"
            "def loose(z, **options):\n    return z * options.get('alpha', 0.01)\n")


def test_the_default_arguments_of_functions_classes_and_methods_are_read(factory):
    """Each parameter's default (a plain value, or its type's name), NO_DEFAULT where there
    is none; a signature that raises is the student's error."""
    from autograder.engine.student import NO_DEFAULT
    rt = NotebookRuntime(factory, Limits(), Budgets(), [DEFAULTS])
    try:
        rt.run_notebook()
        student = Student(rt, QuestionBudget(30))
        assert student.defaults("leaky") == {"z": NO_DEFAULT, "alpha": 0.01, "scale": 2,
                                             "name": "x", "arr": "<ndarray>"}
        assert student.defaults("Net") == {"sizes": NO_DEFAULT, "lr": 0.2, "rng": None}
        net = student.call("Net", [2, 3])
        assert net.defaults("fit") == {"X": NO_DEFAULT, "epochs": 3}
        # a decorator without functools.wraps passes the call, defaults too, to leaky
        assert student.defaults("leaky_timed") == student.defaults("leaky")
        assert student.defaults("loose") == {"z": NO_DEFAULT, "**": NO_DEFAULT}
        with pytest.raises(StudentError, match="not defined"):
            student.defaults("missing")
        with pytest.raises(StudentError):
            student.defaults("odd")
    finally:
        rt.close()
