"""Hidden suite of Homework 4: optimizers, learning-rate schedules and gradient clipping.

Expected values come from ``reference.optim`` and ``reference.schedules`` on inputs drawn
from ``rng``; the answers of classic mistakes from the SDK's ``mutants.optimizer_runs``.
An update rule is driven step by step on the student's own theta and state, with a
learning rate that changes at every step (as a schedule would) and gradients of scales
comparable to eps (so eps inside or outside the root are far apart); theta and each state
entry the text defines are compared after every step, and a mistake is named from the
whole trajectory. Two runs are also interleaved, which separates an explicit state from
memory kept elsewhere. ``run_valley`` and ``lr_per_step`` are judged with the student's
own earlier functions when those are wrong, so one mistake costs points once.
"""

import re

import numpy as np

from autograder.authoring import (
    Budgets,
    Handle,
    Tolerance,
    all_axes,
    as_float_array,
    builders,
    check,
    describe_value,
    expect,
    fail,
    maybe_numbers,
    mutants,
    note,
    own_result,
    question,
    verify,
    verify_defaults,
)
from reference import optim, schedules

TOLERANCE = Tolerance(1e-9, 1e-12, "a correct update written another way (Géron's velocity "
                      "converted with the current lr, the bias correction folded into the step "
                      "size, lerp for the averages) differs by a few ulps per step, ~1e-13 over "
                      "the 40 steps of a valley run; every listed mistake by orders of "
                      "magnitude more")
BUDGETS = Budgets(cell_seconds=10, notebook_seconds=60)
N_STEPS = 4
SHAPES = [(1, 4), (5,), (3, 2)]  # one row, a vector, a matrix
QUESTION_OF = {"gd": 1, "momentum": 1, "nag": 1, "adagrad": 2, "rmsprop": 2, "adam": 3,
               "nadam": 3}
OPTIMIZERS = tuple(QUESTION_OF)
STATE = {"gd": {}, "momentum": {"b": "momentum_buffers"}, "nag": {"b": "momentum_buffers"},
         "adagrad": {"s": "sums"}, "rmsprop": {"s": "square_avgs"},
         "adam": {"m": "ms", "v": "vs"}, "nadam": {"m": "ms", "v": "vs",
                                                   "mu_product": "mu_products"}}
REFERENCE = {
    "gd": lambda h: optim.SGD(h["lr"]),
    "momentum": lambda h: optim.SGD(h["lr"], momentum=h["momentum"]),
    "nag": lambda h: optim.SGD(h["lr"], momentum=h["momentum"], nesterov=True),
    "adagrad": lambda h: optim.Adagrad(h["lr"], eps=h.get("eps", 1e-10)),
    "rmsprop": lambda h: optim.RMSprop(h["lr"], alpha=h.get("beta", 0.99),
                                       eps=h.get("eps", 1e-8)),
    "adam": lambda h: optim.Adam(h["lr"], betas=(h.get("beta1", 0.9), h.get("beta2", 0.999)),
                                 eps=h.get("eps", 1e-8)),
    "nadam": lambda h: optim.NAdam(h["lr"], betas=(h.get("beta1", 0.9), h.get("beta2", 0.999)),
                                   eps=h.get("eps", 1e-8),
                                   momentum_decay=h.get("momentum_decay", 4e-3))}
# the defaults of Keras (and RMSProp's eps for AdaGrad) that a student may carry over
OTHER_DEFAULTS = {"adagrad": (("eps", 1e-8), ("eps", 1e-7)),
                  "rmsprop": (("beta", 0.9), ("eps", 1e-7)),
                  "adam": (("beta2", 0.99), ("eps", 1e-7)),
                  "nadam": (("beta2", 0.99), ("eps", 1e-7))}
SHARED = ("the runs share memory outside their states (a global variable?): everything a step "
          "remembers must be in the state it returns")


def _reference_run(name: str, theta0, grads, hs) -> list[tuple[np.ndarray, dict]]:
    """(theta, state as the text defines it) after each step of ``reference.optim``;
    ``grads[k]`` is an array or a function of theta, ``hs[k]`` the hyper-parameters."""
    opt, theta, out = REFERENCE[name](hs[0]), np.array(theta0, dtype=float), []
    for grad, h in zip(grads, hs, strict=True):
        opt.lr = h["lr"]
        opt.step([theta], [grad(theta) if callable(grad) else grad])
        out.append((theta.copy(), {"t": opt.t, **{k: np.copy(getattr(opt, a)[0])
                                                   for k, a in STATE[name].items()}}))
    return out


def _same(got, want) -> bool:
    """The student's value equals ``want`` within the suite's tolerance."""
    arr, problem = as_float_array(got)
    return problem is None and arr.shape == np.shape(want) and bool(
        np.allclose(arr, want, rtol=TOLERANCE.rtol, atol=TOLERANCE.atol, equal_nan=True))


def _plain(x) -> bool:
    """A value that crosses the sandbox boundary unchanged."""
    if isinstance(x, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in x.items())
    return (all(_plain(v) for v in x) if isinstance(x, list | tuple)
            else isinstance(x, np.ndarray | int | float | str | None))


def _log_uniform(rng, low: float, high: float) -> float:
    return float(np.exp(rng.uniform(np.log(low), np.log(high))))


def _fmt(h: dict) -> str:
    return ", ".join(f"{k}={v:.3g}" for k, v in h.items())


# ---------------------------------------------------------------------------
# q1-q3: the update rules, step by step


def _step(student, name: str, theta, g, state, h, what: str):
    """One call of the student's step: (theta, state), or the check fails."""
    got = student.call(f"{name}_step", theta, g, state, **h)
    if not (expect(got, what).is_tuple(2, "(new_theta, new_state)") and expect(
            got[1], f"the state after {what}").satisfies(
            lambda s: isinstance(s, dict) and _plain(s) and "t" in s,
            "expected a dict of NumPy arrays and plain numbers with the key 't' (keep the state "
            f"explicit and plain), got {describe_value(got[1])}")):
        fail(f"{what} did not return (new_theta, new_state)")
    return got[0], got[1]


def _compare(name: str, got: list, want: list, wrong: dict, run: str = "") -> None:
    """theta and every state entry the text defines, after each step; the mistake is named
    from the whole trajectory (two mistakes can agree on the first steps)."""
    wrong = {m: r for m, r in wrong.items() if all(
        _same(a, b) for (a, _), (b, _) in zip(got, r, strict=True))} | wrong
    for k, ((theta, state), (w_theta, w_state)) in enumerate(zip(got, want, strict=True)):
        at = f"{run} after step {k + 1}"
        if not (expect(theta, f"theta{at}").close_to(
                w_theta, mutants={m: r[k][0] for m, r in wrong.items()})
                and expect(state.get("t"), f"state['t']{at}").equals(
                k + 1, mutants={m: r[k][1]["t"] for m, r in wrong.items()})):
            return
        for key in STATE[name]:
            target = w_state[key]
            if key == "m" and _same(state.get(key), -target):
                target = -target  # the lecture's convention: m averages -g
            if not expect(state.get(key), f"state[{key!r}]{at}").close_to(
                    target, mutants={m: r[k][1][key] for m, r in wrong.items()}):
                return


def _case(rng, name: str, shape, defaults: bool = False, fixed: dict | None = None):
    """theta0, the gradients and the hyper-parameters of each step (lr always changes;
    ``fixed`` overrides the others)."""
    h = {}
    if not defaults:
        h = {"momentum": {"momentum": float(rng.uniform(0.5, 0.95))},
             "nag": {"momentum": float(rng.uniform(0.5, 0.95))},
             "rmsprop": {"beta": float(rng.uniform(0.8, 0.98))},
             "adam": {"beta1": float(rng.uniform(0.6, 0.95)),
                      "beta2": float(rng.uniform(0.9, 0.998))},
             "nadam": {"beta1": float(rng.uniform(0.6, 0.95)),
                       "beta2": float(rng.uniform(0.9, 0.998)),
                       "momentum_decay": _log_uniform(rng, 1e-3, 2e-2)}}.get(name, {})
        if name in ("adagrad", "rmsprop", "adam", "nadam"):
            h["eps"] = _log_uniform(rng, 1e-3, 1e-1)
    scale = (1e-7, 1e-5) if defaults else (0.03, 1.0)  # tiny: the default eps matters
    grads = [rng.normal(size=shape) * _log_uniform(rng, *scale) for _ in range(N_STEPS)]
    hs = [{"lr": float(rng.uniform(0.05, 0.5)), **h, **(fixed or {})} for _ in range(N_STEPS)]
    return rng.normal(size=shape), grads, hs


def _run(student, name: str, theta0, grads, hs) -> list[tuple]:
    """(theta, state) after each step of the student's optimizer, from its own init."""
    state, theta, got = student.call(f"{name}_init", theta0), theta0, []
    for k, (g, h) in enumerate(zip(grads, hs, strict=True)):
        theta, state = _step(student, name, theta, g, state, h, f"{name}_step at step {k + 1}")
        got.append((theta, state))
    return got


def _solo(student, rng, name: str, shape, defaults: bool = False) -> None:
    theta0, grads, hs = _case(rng, name, shape, defaults)
    lrs = ", ".join(f"{x['lr']:.3g}" for x in hs)
    setting = ("default hyper-parameters, gradients of size ~1e-6 (every default matters, eps too)"
               if defaults else _fmt({k: v for k, v in hs[0].items() if k != "lr"}) or "gd")
    with check(f"{name}_init then {N_STEPS} steps of {name}_step, theta of shape {shape}, lr "
               f"changing at every step ({lrs}), {setting}: theta and the state after each "
               "step"):
        got = _run(student, name, theta0, grads, hs)
        wrong = mutants.optimizer_runs(name, theta0, grads, hs)
        if defaults:  # another library's defaults
            torch = mutants.OPTIMIZER_DEFAULTS.get(name, {})
            wrong |= {f"the default {key} is {torch[key]:g} (PyTorch's), not {value:g}":
                      _reference_run(name, theta0, grads, [{**h, key: value} for h in hs])
                      for key, value in OTHER_DEFAULTS.get(name, ())}
        _compare(name, got, _reference_run(name, theta0, grads, hs), wrong)


def _shared_memory(name, cases) -> list[list]:
    """Two interleaved runs whose memory (all but t) is one global, reset at t = 0."""
    memory, thetas, out = None, [np.array(c[0], float) for c in cases], [[], []]
    for k in range(N_STEPS):
        for r, (theta0, grads, hs) in enumerate(cases):
            memory = mutants.init_state(name, theta0) if k == 0 else memory
            thetas[r], memory = mutants.optimizer_step(name, thetas[r], grads[k],
                                                       {**memory, "t": k}, hs[k])
            out[r].append(thetas[r])
    return out


def _interleaved(student, rng, name: str) -> None:
    cases = [_case(rng, name, SHAPES[2]) for _ in range(2)]
    with check(f"two runs of {name} interleaved (init A, init B, step A, step B, ...), theta of "
               f"shape {SHAPES[2]}: each run depends on its own state only (keep the state "
               "explicit: no global variables)"):
        states = [student.call(f"{name}_init", c[0]) for c in cases]
        thetas, got = [c[0] for c in cases], [[], []]
        for k in range(N_STEPS):
            for r, (_, grads, hs) in enumerate(cases):
                thetas[r], states[r] = _step(student, name, thetas[r], grads[k], states[r],
                                             hs[k], f"{name}_step of run {'AB'[r]}, step {k + 1}")
                got[r].append(thetas[r])
        shared = _shared_memory(name, cases)
        for r, case in enumerate(cases):
            if not expect(got[r], f"theta of run {'AB'[r]} after each step").close_to(
                    [w for w, _ in _reference_run(name, *case)], mutants={SHARED: shared[r]}):
                return


def _rules(student, rng, names, defaults=False) -> None:
    for name in names:
        for shape in SHAPES + ([(4,)] if name in ("momentum", "nag", "adam") else []):
            _solo(student, rng, name, shape)
        if defaults:
            _solo(student, rng, name, (2, 3), defaults=True)
        _interleaved(student, rng, name)


ZERO_DECAY = {"momentum": ("momentum", 0.9, "gd"), "nag": ("momentum", 0.9, "gd"),
              "rmsprop": ("beta", 0.99, "rmsprop"), "adam": ("beta1", 0.9, "adam")}


def _zero_decay(student, rng, name: str) -> None:
    """A decay rate of 0 is a valid value, used as given: momentum and NAG with momentum 0
    are gradient descent, RMSProp with beta 0 divides by |g|, Adam with beta1 0 steps along
    g itself (theta only is compared: the reference keeps no buffer with momentum 0)."""
    key, default, same_as = ZERO_DECAY[name]
    theta0, grads, hs = _case(rng, name, SHAPES[1], fixed={key: 0.0})
    with check(f"{name}_init then {N_STEPS} steps of {name}_step with {key}=0, theta of shape "
               f"{SHAPES[1]}: theta after each step"
               + (" is that of gradient descent" if same_as == "gd" else "")):
        got = [theta for theta, _ in _run(student, name, theta0, grads, hs)]
        expect(got, "theta after each step").each_close_to(
            [w for w, _ in _reference_run(same_as, theta0, grads, hs)], mutants={
                f"{key}=0 was replaced by {default} ({key} or {default}, say): a {key} of 0 "
                "is a valid value, used as given": [
                    w for w, _ in _reference_run(name, theta0, grads,
                                                 [{**h, key: default} for h in hs])]})


@question("q1", points=3)
def momentum_methods(student, rng):
    _rules(student, rng, ("gd", "momentum", "nag"))
    for name in ("momentum", "nag"):
        _zero_decay(student, rng, name)


@question("q2", points=3)
def adagrad_rmsprop(student, rng):
    _rules(student, rng, ("adagrad", "rmsprop"), defaults=True)
    _zero_decay(student, rng, "rmsprop")


@question("q3", points=4)
def adam_nadam(student, rng):
    _rules(student, rng, ("adam", "nadam"), defaults=True)
    _zero_decay(student, rng, "adam")


# ---------------------------------------------------------------------------
# q4: the narrow valley


def _valley_hyper(name: str, a: float, rng) -> dict:
    """Hyper-parameters that converge on a valley of curvature 2a (some wobble)."""
    eps = _log_uniform(rng, 1e-3, 1e-1)  # large enough to matter near the minimum
    return {"gd": lambda: {"lr": float(rng.uniform(0.3, 0.9) / (2 * a))},
            "momentum": lambda: {"lr": float(rng.uniform(0.05, 0.3) / (2 * a)),
                                 "momentum": float(rng.uniform(0.5, 0.9))},
            "adagrad": lambda: {"lr": float(rng.uniform(0.2, 1.5)), "eps": eps},
            "rmsprop": lambda: {"lr": float(rng.uniform(0.02, 0.2)),
                                "beta": float(rng.uniform(0.8, 0.99)), "eps": eps},
            "adam": lambda: {"lr": float(rng.uniform(0.05, 0.5)),
                             "beta1": float(rng.uniform(0.8, 0.95)),
                             "beta2": float(rng.uniform(0.99, 0.999)), "eps": eps},
            }[{"nag": "momentum", "nadam": "adam"}.get(name, name)]()


def _cost(theta, a: float, b: float) -> float:
    return float(a * theta[0] ** 2 + b * theta[1] ** 2)


def _grad(theta, a: float, b: float) -> np.ndarray:
    return np.array([2 * a * theta[0], 2 * b * theta[1]])


def _valley_run(name: str, theta0, hs, cost_ab, grad_ab) -> list[float]:
    """The costs, on the valley ``cost_ab`` = (a, b), of the reference run from theta0 whose
    steps take the gradient of the valley ``grad_ab`` (another one for a mistake)."""
    steps = _reference_run(name, theta0, [lambda th: _grad(th, *grad_ab)] * len(hs), hs)
    return [_cost(theta0, *cost_ab)] + [_cost(th, *cost_ab) for th, _ in steps]


def _valley_functions(student, rng) -> bool:
    """valley_cost and valley_grad at two points; whether both were right."""
    right = True
    for first in (True, False):
        a, b = float(rng.uniform(5, 40)), float(rng.uniform(0.5, 2))
        theta = rng.uniform(1, 4, size=2) * rng.choice([-1.0, 1.0], size=2)
        with check(f"valley_cost and valley_grad at theta={np.round(theta, 3)}, a={a:.3g}, "
                   f"b={b:.3g}"):
            cost = student.call("valley_cost", theta, a, b)
            if first:  # the rule costs one check; the values alone decide `right`
                expect(cost, "valley_cost").is_number("float(a * theta[0]**2 + ...)")
            right &= expect(cost, "valley_cost").close_to(
                _cost(theta, a, b), mutants={"a and b swapped": _cost(theta, b, a)})
            right &= expect(student.call("valley_grad", theta, a, b), "valley_grad").close_to(
                _grad(theta, a, b), mutants={"the factor 2 is missing: the derivative of a "
                                             "theta_1**2 is 2 a theta_1": _grad(theta, a, b) / 2})
    return right


def _own_valley(student, name, theta0, a, b, n_steps, h) -> list:
    """run_valley computed with the student's own init, step, grad and cost functions."""
    state, theta = student.call(f"{name}_init", theta0), theta0
    costs = [student.call("valley_cost", theta0, a, b)]
    for k in range(n_steps):
        theta, state = _step(student, name, theta, student.call("valley_grad", theta, a, b),
                             state, h, f"{name}_step at step {k + 1}")
        costs.append(student.call("valley_cost", theta, a, b))
    return costs


@question("q4", points=3)
def narrow_valley(student, rng):
    valley_right = _valley_functions(student, rng)
    for name in OPTIMIZERS:
        a, b = float(rng.uniform(5, 40)), float(rng.uniform(0.5, 2))
        theta0 = rng.uniform(1, 4, size=2) * rng.choice([-1.0, 1.0], size=2)
        n, h = int(rng.integers(20, 41)), _valley_hyper(name, a, rng)
        hs, lecture = [h] * n, (20.0, 1.0)
        want = _valley_run(name, theta0, hs, (a, b), (a, b))
        fixed = _valley_run(name, theta0, hs, lecture, lecture)
        swapped = _valley_run(name, theta0, hs, (a, b), (b, a))
        lecture_grad = _valley_run(name, theta0, hs, (a, b), lecture)
        stale, th = [_cost(theta0, a, b)], theta0
        for _ in range(n):  # every step from the initial state
            th, _ = mutants.optimizer_step(name, th, _grad(th, a, b),
                                           mutants.init_state(name, theta0), h)
            stale.append(_cost(th, a, b))
        with check(f"run_valley({name!r}, theta0={np.round(theta0, 3)}, a={a:.3g}, b={b:.3g}, "
                   f"n_steps={n}, {_fmt(h)})"):
            # by name, in another order than the signature's: **hyper is passed on by name
            got = student.call("run_valley", name, theta0, a, b, n, **dict(reversed(h.items())))
            if not _same(got, want):
                own = _own_valley(student, name, theta0, a, b, n, h)
                if not _same(own, want) and _same(got, own):
                    off = (f"your {name}_step is off (Question {QUESTION_OF[name]})"
                           if valley_right else "your valley_grad or valley_cost is off (above)")
                    note(f"{off}; run_valley({name!r}, ...) was judged with your own functions "
                         "and is itself right")
                    want = own
            expect(got, "cost history").close_to(want, mutants={
                "the state each step returns must be passed to the next step (here every step "
                "started from the initial state)": stale,
                "the run used the lecture's valley (a = 20, b = 1), not the a and b given":
                    fixed,
                "the steps used the gradient of the lecture's valley, valley_grad(theta, 20, 1), "
                "not that of the a and b given": lecture_grad,
                "the gradient was taken with a and b swapped (valley_grad(theta, b, a)?): "
                "pass them in the order of the signature": swapped})


# ---------------------------------------------------------------------------
# q5: learning-rate schedules


def _plateau(losses, lr0, patience, factor, min_lr, tie_improves=False, extra=0,
             reset_after=True, reset_on_improve=True, floor=max, forget_best=False,
             best_to_loss=False, best0=None, threshold=0.0, skip=False) -> list[float]:
    """Performance scheduling with one of its classic mistakes switched on (``floor``:
    how lr * factor meets min_lr, None for not at all; ``skip``: a reduction below min_lr
    is not made at all; ``forget_best`` and
    ``best_to_loss``: the best loss after a reduction is none, or the loss of that epoch;
    ``best0``: the best loss before the first, None for none; ``threshold``: a relative
    margin an improvement must clear)."""
    lr, best, wait, out = lr0, best0, 0, []
    for loss in losses:
        if best is None or loss < best * (1 - threshold) or (tie_improves and loss == best):
            best, wait = loss, 0 if reset_on_improve else wait
        else:
            wait += 1
            if wait >= patience + extra:
                if not (skip and lr * factor < min_lr):
                    lr = floor(lr * factor, min_lr) if floor else lr * factor
                wait = 0 if reset_after else wait
                best = None if forget_best else loss if best_to_loss else best
        out.append(lr)
    return out


def _plateau_losses(rng, patience: int) -> list[float]:
    """Validation losses whose pattern separates every mistake: two reductions in a row,
    improvements that must reset the count (the last by a millionth only), ties with the
    best, a long plateau."""
    best, losses = float(rng.uniform(1, 3)), []
    for i, n_worse in enumerate((0, 2 * patience, patience - 1, patience - 1)):
        losses.extend(best * rng.uniform(1.01, 1.5, size=n_worse))
        best *= 1 - 1e-6 if i == 3 else float(rng.uniform(0.85, 0.98))
        losses.append(best)
    losses.extend([best] * patience + list(best * rng.uniform(1.01, 1.5, size=patience + 1)))
    return [float(x) for x in losses]


PLATEAU_MUTANTS = {
    "a tie with the best loss counted as an improvement (<= instead of <)": {"tie_improves": 1},
    "reduced after patience + 1 non-improvements instead of patience": {"extra": 1},
    "the count of non-improvements was not reset after a reduction": {"reset_after": False},
    "the count of non-improvements was not reset by an improvement": {"reset_on_improve": False},
    "the rate went below min_lr: the floor applies after the factor, max(lr * factor, "
    "min_lr)": {"floor": None},
    "min(lr * factor, min_lr) jumps to the floor at once: the floor is max(lr * factor, min_lr)":
        {"floor": min},
    "a reduction that would go below min_lr was skipped: the rate is max(lr * factor, "
    "min_lr), so it comes down to min_lr": {"skip": True},
    "the best loss was forgotten after a reduction; the text keeps it": {"forget_best": True},
    "the best loss became the loss of the epoch that reduced the rate; the text keeps the "
    "best loss": {"best_to_loss": True},
    "the best loss started at 0, which no loss is below: start it at +inf (or the first "
    "loss)": {"best0": 0.0},
    "a loss below the best by a millionth was not counted as an improvement: any loss "
    "strictly below the best improves, with no threshold (torch's is best * (1 - 1e-4))":
        {"threshold": 1e-4}}
BOOK = ("decay was used as Géron's number of steps s ({0}); here decay is the deep-networks "
        "notebook's rate: {1} (the same schedule with s = 1 / decay)")


def _at(name: str, t, kw: dict) -> np.ndarray:
    """The reference schedule ``name`` at steps t."""
    if name == "piecewise":
        return schedules.piecewise_constant(t, **kw)
    return {"power": schedules.power_schedule,
            "exponential": schedules.exponential_schedule}[name](step=t, **kw)


def _exponential_mutants(lr0, t, decay) -> dict:
    """The exponential schedule's mistakes; decay used as a number of steps, in Géron's base
    0.1 or in e, gives two schedules that are both ~0 when t / decay is large (one name)."""
    book, steps = lr0 * 0.1 ** (t / decay), lr0 * np.exp(-t / decay)
    wrong = {"Géron's base 0.1 with the notebook's rate: the notebook's schedule is lr0 * "
             "exp(-decay * t)": lr0 * 0.1 ** (decay * t)}
    if np.allclose(book, steps, 1e-9, 1e-12):
        return {BOOK.format("0.1**(t / decay) or exp(-t / decay)", "lr0 * exp(-decay * t)"):
                book, **wrong}
    return {BOOK.format("0.1**(t / decay)", "lr0 * exp(-decay * t)"): book, **wrong,
            "exp(-t / decay): decay is a rate, lr0 * exp(-decay * t)": steps}


def _closed_forms(student, rng) -> None:
    """Power schedules (the default power 1, then two others) and two exponential ones; the
    first of each also at one integer step t, where the text asks for a float, and with no
    decay (decay=0), where the rate stays lr0."""
    at_an_int = {"power", "exponential"}
    for power in (None, float(rng.uniform(0.3, 0.8)), float(rng.uniform(1.5, 3.0)), 0, 0):
        name = "exponential" if power == 0 else "power"
        lr0, decay = float(rng.uniform(0.01, 1.0)), _log_uniform(rng, 0.02, 0.2)
        t = np.sort(rng.integers(1, int(10 / decay), size=6))
        kw = {"lr0": lr0, "decay": decay, **({"power": power} if power else {})}
        c = power or 1.0
        wrong = ({BOOK.format("t / decay", "lr0 / (1 + decay * t)**power"):
                  lr0 / (1 + t / decay) ** c,
                  "the power was applied to decay * t only: 1 + (decay * t)**power":
                  lr0 / (1 + (decay * t) ** c), "the power is missing": lr0 / (1 + decay * t),
                  "the power was applied to t only: 1 + decay * t**power":
                  lr0 / (1 + decay * t ** c),
                  "(1 + decay)**(power t) decays geometrically; the power schedule is "
                  "lr0 / (1 + decay * t)**power": lr0 / (1 + decay) ** (c * t),
                  "lr0 (1 + decay * t)**power grows with t: the schedule divides, "
                  "lr0 / (1 + decay * t)**power": lr0 * (1 + decay * t) ** c}
                 if name == "power" else _exponential_mutants(lr0, t, decay))
        first = name in at_an_int
        with check(f"{name}_schedule(t={t}, {_fmt(kw)})"
                   + ("; then at an integer t, and with decay=0" if first else "")):
            expect(student.call(f"{name}_schedule", lr0, t, decay, *([power] if power else [])),
                   "learning rate").close_to(_at(name, t, kw), mutants=wrong)
            if first:
                at_an_int.remove(name)
                t0 = int(t[0])
                got = student.call(f"{name}_schedule", lr0, t0, decay, *([power] if power else []))
                what = f"the rate at the integer t={t0}"
                expect(got, what).is_number("a float for an integer t, an array of t's shape for "
                                            "an array")
                expect(got, what).close_to(_at(name, t0, kw))
                # no decay: lr0 at every t, still an array of t's shape
                expect(student.call(f"{name}_schedule", lr0, t, 0.0,
                                    *([power] if power else [])),
                       "the rates with decay=0").close_to(np.full(t.shape, lr0))


def _alone(student, args, losses) -> list | None:
    """The rates of a fresh scheduler of the student's updated on its own, or None."""
    sched = own_result(student, "PerformanceScheduler", *args)
    return [own_result(sched, "update", x) for x in losses] if isinstance(sched, Handle) \
        else None


def _same_rates(got, want) -> bool:
    arr = maybe_numbers(got, (len(want),)) if got is not None else None
    return arr is not None and bool(np.allclose(arr, want, 1e-9, 1e-12))


def _piecewise(rng, n: int) -> tuple[dict, np.ndarray]:
    boundaries = [0] + np.cumsum(rng.integers(3, 20, size=n - 1)).tolist()
    t = np.unique(np.concatenate([boundaries, np.subtract(boundaries[1:], 1),
                                  rng.integers(0, boundaries[-1] + 10, size=4)]))
    return {"boundaries": boundaries, "values": rng.uniform(0.001, 0.5, size=n).tolist()}, t


def _per_step(student, rng) -> None:
    decay = _log_uniform(rng, 0.005, 0.05)
    for name, kw in [("power", {"lr0": float(rng.uniform(0.01, 1.0)), "decay": decay,
                                "power": float(rng.uniform(0.5, 2.0))}),
                     ("exponential", {"lr0": float(rng.uniform(0.01, 1.0)), "decay": decay}),
                     ("piecewise", _piecewise(rng, 3)[0])]:
        epochs, per_epoch = int(rng.integers(3, 6)), int(rng.integers(4, 9))
        steps = np.arange(epochs * per_epoch)
        want = _at(name, steps, kw)
        fn = "piecewise_constant" if name == "piecewise" else f"{name}_schedule"
        with check(f"lr_per_step({name!r}, epochs={epochs}, steps_per_epoch={per_epoch}, "
                   f"{_fmt(kw) if name != 'piecewise' else 'boundaries, values'}): the rate of "
                   "each update, stepped per update"):
            got = student.call("lr_per_step", name, epochs, per_epoch, **kw)
            own = student.call(fn, t=steps, **kw) if not _same(got, want) else want
            if not _same(own, want) and _same(got, own):
                note(f"lr_per_step({name!r}, ...) was judged with your own {fn}, which this "
                     "question finds wrong above; lr_per_step itself is right")
                want = own
            if expect(got, "learning rates").close_to(want, mutants={
                "the schedule was stepped once per epoch (t = the epoch number) where the text "
                "asks for one step per update (t = 0, 1, ..., epochs * steps_per_epoch - 1)":
                    np.repeat(_at(name, np.arange(epochs), kw), per_epoch),
                "the rate was updated once per epoch only (constant within each epoch); the "
                "schedule changes at every update": np.repeat(want[::per_epoch], per_epoch),
                "the updates were numbered from 1: the first update uses the rate at t = 0, "
                "t = np.arange(epochs * steps_per_epoch)": _at(name, steps + 1, kw)}) \
                    and name == "power":  # the rule, once, on a right answer
                student.call("lr_per_step", name, epochs, per_epoch, **kw, require={
                    fn: "the text asks lr_per_step to call your own schedule, SCHEDULES["
                        "schedule](t=..., **params), so that a mistake in it is charged once"})


@question("q5", points=3)
def learning_rate_schedules(student, rng):
    _closed_forms(student, rng)
    for n in (2, 4):
        kw, t = _piecewise(rng, n)
        if n == 2:  # a first rate of 1 (an int) must not make the later ones ints
            kw["values"][0] = 1
        if n == 4:  # "an array t": of any shape, the result of its shape
            t = t[:t.size // 2 * 2].reshape(2, -1)
        with check(f"piecewise_constant(t={t.tolist()}, boundaries={kw['boundaries']}, "
                   f"values={[round(v, 4) for v in kw['values']]})"
                   + (f", then t={t[:1].tolist()} (one step: shape (1,))" if n == 2 else "")):
            expect(student.call("piecewise_constant", t, kw["boundaries"], kw["values"]),
                   "learning rate").close_to(_at("piecewise", t, kw), mutants={
                       "at t equal to a boundary the old value was kept (and at t = 0 the "
                       "index -1 wrapped to the last value); the new value starts at its "
                       "boundary (searchsorted(..., side='right') - 1)":
                       np.asarray(kw["values"])[np.searchsorted(kw["boundaries"], t) - 1],
                       "at t equal to a boundary the old value was kept: the new value starts "
                       "at its boundary (searchsorted(..., side='right') - 1)":
                       np.asarray(kw["values"])[np.maximum(
                           np.searchsorted(kw["boundaries"], t) - 1, 0)],
                       "one value too far: the index of t is searchsorted(boundaries, t, "
                       "side='right') - 1": np.asarray(kw["values"])[np.minimum(
                           np.searchsorted(kw["boundaries"], t, side="right"), n - 1)],
                       "the result was flattened: return an array of t's shape":
                           np.ravel(_at("piecewise", t, kw)) if t.ndim > 1 else None,
                       "the rates were truncated to ints: an array built from the first "
                       "value, 1 (np.full(t.shape, values[0]), say), has its int dtype; "
                       "build a float array": np.trunc(_at("piecewise", t, kw))
                       if n == 2 else None})
            if n == 2:  # an axis of length 1 is kept too
                expect(student.call("piecewise_constant", t[:1], kw["boundaries"],
                                    kw["values"]), "learning rate for t of shape (1,)").close_to(
                    _at("piecewise", t[:1], kw))
    _per_step(student, rng)
    for i, patience in enumerate((2, 3, int(rng.integers(2, 5)))):
        lr0, factor = float(rng.uniform(0.01, 1.0)), float(rng.uniform(0.2, 0.8))
        losses, min_lr = _plateau_losses(rng, patience), lr0 * factor**3.5  # the 4th: floor
        ref = schedules.PerformanceScheduler(lr0, patience, factor, min_lr)
        first = i == 0
        with check(f"PerformanceScheduler(lr0={lr0:.3g}, patience={patience}, factor="
                   f"{factor:.3g}, min_lr={min_lr:.3g}).update on {len(losses)} losses"
                   + ("; a second scheduler updated in turn keeps its own state" if first
                      else "")):
            if first:
                verify_defaults(student, "PerformanceScheduler", min_lr=0.0)
            sched = student.call("PerformanceScheduler", lr0, patience, factor, min_lr)
            if expect(sched, "PerformanceScheduler(...)").satisfies(
                    lambda s: isinstance(s, Handle), "expected an object with an update method"):
                other = student.call("PerformanceScheduler", 1.0, 1, 0.5) if first else None
                rates, stuck = [], []
                for x in losses:  # the other one, stuck at a loss of 2, updated in between
                    rates.append(sched.call("update", x))
                    if isinstance(other, Handle):
                        stuck.append(other.call("update", 2.0))
                want = [ref.update(x) for x in losses]
                if first and not _same_rates(rates, want) and _same_rates(
                        _alone(student, (lr0, patience, factor, min_lr), losses), want):
                    fail("two schedulers updated in turn change each other's rates: keep the "
                         "best loss and the wait on self, not on the class or in globals")
                expect(rates, "learning rates").close_to(want, mutants={
                    m: _plateau(losses, lr0, patience, factor, min_lr, **kw)
                    for m, kw in PLATEAU_MUTANTS.items()})
                if first:
                    alone = schedules.PerformanceScheduler(1.0, 1, 0.5)
                    expect(stuck, "the second scheduler's rates").close_to(
                        [alone.update(2.0) for _ in losses])


# ---------------------------------------------------------------------------
# q6: gradient clipping


def _clipped_wrong(grads, max_norm) -> dict[str, list | None]:
    norm = float(np.sqrt(sum(np.sum(g * g) for g in grads)))
    spectral = float(np.sqrt(sum(np.linalg.norm(g, 2 if g.ndim == 2 else None) ** 2
                                 for g in grads)))
    return {
        "np.linalg.norm(g, 2) of a matrix is its largest singular value; the global norm "
        "takes every entry, sqrt(sum_k ||g_k||^2) with Frobenius norms": None
        if np.isclose(spectral, norm) else
            [g * min(1.0, max_norm / (spectral + 1e-6)) for g in grads],
        "each array was rescaled by its own norm, not by the global norm of all the arrays":
            [optim.clip_by_norm(g, max_norm) for g in grads],
        "rescaled although the global norm was already below max_norm":
            [g * max_norm / (norm + 1e-6) for g in grads],
        "the 1e-6 of torch's formula max_norm / (norm + 1e-6) is missing":
            [g * min(1.0, max_norm / norm) for g in grads],
        "the global norm is sqrt(sum_k ||g_k||^2), not the sum of the arrays' norms":
            [g * min(1.0, max_norm / (sum(np.linalg.norm(x) for x in grads) + 1e-6))
             for g in grads],
        "the arrays were divided by the norm but not multiplied by max_norm":
            [g / (norm + 1e-6) for g in grads],
        "clipped each component to [-max_norm, max_norm] (clipping by value): clipping by "
        "norm rescales all the arrays by one factor": [np.clip(g, -max_norm, max_norm)
                                                       for g in grads],
        "an array in Fortran order came back with its entries moved: it was flattened in "
        "memory order (ravel(order='K')) and reshaped in C order; scale each array as it is":
            [np.ravel(g, order="K").reshape(g.shape) * min(1.0, max_norm / (norm + 1e-6))
             for g in grads] if any(np.isfortran(g) for g in grads) else None}


def _angle(u, v) -> float:
    cos = np.dot(u, v) / (np.linalg.norm(u) * np.linalg.norm(v))
    return float(np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))))


def _parallel_pair(rng) -> tuple[np.ndarray, np.ndarray]:
    """u and a multiple of u whose cosine, computed directly, rounds above 1."""
    for _ in range(200):
        u = rng.normal(size=4)
        v = u * rng.uniform(0.01, 0.5)
        if np.dot(u, v) / (np.linalg.norm(u) * np.linalg.norm(v)) > 1.0:
            break
    return u, v


def _antiparallel_pair(rng) -> tuple[np.ndarray, np.ndarray]:
    """u and a negative multiple of u whose cosine, computed directly, rounds below -1."""
    for _ in range(200):
        u = rng.normal(size=4)
        v = -u * rng.uniform(0.01, 0.5)
        if np.dot(u, v) / (np.linalg.norm(u) * np.linalg.norm(v)) < -1.0:
            break
    return u, v


def _obtuse_pair(rng) -> tuple[np.ndarray, np.ndarray]:
    """Two random vectors more than 90 degrees apart (the cosine is negative)."""
    u, v = rng.normal(size=5), rng.normal(size=5)
    return (u, -v) if np.dot(u, v) > 0 else (u, v)


LECTURE = np.array([0.9, 100.0])


def _by_norm(student, grads, max_norm) -> None:
    got = student.call("clip_by_norm", grads, max_norm, fresh=True)
    expect(got, "clipped gradients").each_close_to(optim.clip_by_norm(grads, max_norm),
                                                   mutants=_clipped_wrong(grads, max_norm))


@question("q6", points=2)
def gradient_clipping(student, rng):
    c0 = float(rng.uniform(0.5, 1.5))
    several = [rng.normal(scale=2.0, size=s) for s in [(3, 2), (4,), (1, 3)]]
    # components above c, below -c and inside (-c, c), wherever the draws fall
    several[0][1, 0], several[1][2] = -c0 - rng.uniform(0.5, 2.0), c0 + rng.uniform(0.5, 2.0)
    several[2][0, 1] = c0 * rng.uniform(-0.9, 0.9)
    inside = [*several, 0.5 * np.clip(several[1], -c0, c0)]  # the last needs no clipping
    for grads, c in [([LECTURE], 1.0), (several, c0), (inside, c0)]:
        with check(f"clip_by_value(grads of shapes {builders.shapes_of(grads)}, c={c:.3g})"
                   + (", the last already inside [-c, c]: a new array all the same"
                      if grads is inside else "")):
            got = student.call("clip_by_value", grads, c, fresh=True)
            expect(got, "clipped gradients").each_close_to(
                optim.clip_by_value(grads, c), mutants={
                    "only the upper side was clipped: components below -c must become -c":
                        [np.minimum(g, c) for g in grads],
                    "components below -c became +c: np.where(|g| > c, c, g) loses the sign; "
                    "clip to [-c, c], np.clip(g, -c, c)":
                        [np.where(np.abs(g) > c, c, g) for g in grads]})
    mixed = [rng.normal(scale=2.0, size=s) for s in [(3, 2), (4,), (1, 3)]]
    mixed[0] = builders.fortran(mixed[0])
    for grads in ([LECTURE], mixed, [rng.normal(scale=2.0, size=(1, 5))]):
        norm = float(np.sqrt(sum(np.sum(g * g) for g in grads)))
        max_norm = norm * float(rng.uniform(0.2, 0.8)) if len(grads) > 1 else 1.0
        with check(f"clip_by_norm(grads of shapes {builders.shapes_of(grads)}, "
                   f"max_norm={max_norm:.3g}), global norm {norm:.3g}"
                   + (", the first in Fortran order (as a transpose is)"
                      if grads is mixed else "")):
            _by_norm(student, grads, max_norm)
    below = [rng.normal(size=s) for s in [(2, 2), (3,)]]
    norm = float(np.sqrt(sum(np.sum(g * g) for g in below)))
    high, low = norm * float(rng.uniform(1.5, 3)), norm * float(rng.uniform(0.2, 0.8))
    with check(f"clip_by_norm(grads of shapes {builders.shapes_of(below)}, global norm "
               f"{norm:.3g}) with max_norm={high:.3g} (below it: unchanged) and "
               f"max_norm={low:.3g} (rescaled)"):
        _by_norm(student, below, high)
        _by_norm(student, below, low)
    for u, v in [(LECTURE, optim.clip_by_value(LECTURE, 1.0)), _obtuse_pair(rng),
                 _parallel_pair(rng), _antiparallel_pair(rng)]:
        with check(f"angle_degrees(u={np.round(u, 3)}, v={np.round(v, 3)})"):
            expect(student.call("angle_degrees", u, v), "angle").close_to(
                _angle(u, v), 0.0, 1e-5, mutants={  # arccos near 1 loses half the digits
                    "the angle is in radians, not degrees": np.radians(_angle(u, v)),
                    "arccos of a cosine just beyond 1 or -1 is nan: clip the cosine to "
                    "[-1, 1], both ends": np.nan,
                    "the cosine was clipped to [0, 1], which turns every obtuse angle into 90 "
                    "degrees: clip it to [-1, 1]": np.degrees(np.arccos(np.clip(
                        u @ v / (np.linalg.norm(u) * np.linalg.norm(v)), 0.0, 1.0))),
                    "the angle was clipped to [-1, 1] after arccos; clip the cosine before "
                    "it": np.degrees(np.clip(np.radians(_angle(u, v)), -1.0, 1.0))})


# ---------------------------------------------------------------------------
# q7: the plot of the valley runs


# the race of Question 4's given cell: theta0, a, b, n_steps, and each optimizer's settings
VALLEY_RUN = (np.array([-3.0, -3.0]), 20, 1, 50)
VALLEY_HYPER = {"gd": {"lr": 0.045}, "momentum": {"lr": 0.02, "momentum": 0.7},
                "nag": {"lr": 0.02, "momentum": 0.7}, "adagrad": {"lr": 1.0},
                "rmsprop": {"lr": 0.1, "beta": 0.9}, "adam": {"lr": 0.3}, "nadam": {"lr": 0.3}}


def _histories(student) -> dict[str, np.ndarray]:
    """The cost histories the plot must show: what the student's own run_valley returns
    for the race of Question 4's given cell (a plot cell that changes the dict histories
    first, smoothing or rerunning it, shows other curves); the dict histories itself where
    run_valley fails (Question 4 charges that). A history of one-entry costs, (51, 1), is
    read as the 51 costs: a valley_cost that returns arrays is Question 4's to charge."""
    runs = {name: own_result(student, "run_valley", name, *VALLEY_RUN, **hyper)
            for name, hyper in VALLEY_HYPER.items()}
    raw, out = (runs if all(v is not None for v in runs.values())
                else student.get("histories")), {}
    for name in OPTIMIZERS:
        arr, problem = as_float_array(raw.get(name) if isinstance(raw, dict) else None)
        if problem is None and arr.ndim == 2 and arr.shape[1:] == (1,):
            arr = arr[:, 0]
        if problem is None and arr.ndim == 1 and len(arr) > 2 and not np.all(arr == arr[0]):
            out[name] = arr  # a run of several steps, not a constant
    return out


ALIASES = {"gd": {"gradientdescent", "sgd", "plaingd", "vanillagd"},
           "momentum": {"sgdmomentum", "sgdwithmomentum", "heavyball"},
           "nag": {"nesterov", "nesterovmomentum", "nesterovacceleratedgradient"}}


def _optimizer_of(label: str) -> str | None:
    """The optimizer a legend label names: its key ("nag") or a usual spelling of its name
    ("NAG", "Nesterov", "RMSProp", "SGD with momentum"), case, spaces, punctuation and a
    remark in parentheses aside."""
    key = re.sub(r"[^a-z0-9]", "", re.sub(r"\(.*?\)", "", label.lower()))
    return next((n for n in OPTIMIZERS if key == n or key in ALIASES.get(n, ())), None)


def _lines_of(ax) -> dict:
    return {_optimizer_of(ln.label): ln.y for ln in ax.lines}


def _cost_plot(named: list, histories: dict):
    """Of the axes whose lines name every optimizer, the one that best meets the text
    (the histories themselves, a log axis, a legend, labels); the latest among equals: a
    notebook may draw other plots of the same runs before or after."""
    def meets(ax) -> tuple:
        lines = _lines_of(ax)
        same = all(np.shape(lines[k]) == np.shape(v) and np.allclose(lines[k], v)
                   for k, v in histories.items())
        return same, ax.yscale == "log", bool(ax.legend), ax.labelled
    return max(reversed(named), key=meets) if named else None


STEP_WORDS = re.compile(r"step|iteration|\biter|update|epoch|\bt\b", re.IGNORECASE)
COST_WORDS = re.compile(r"cost|loss|objective|\bf\(|\bc\b|\bj\b", re.IGNORECASE)


@question("q7", points=1)
def cost_plot(student, rng):
    axes = all_axes(student.figures())
    named = [ax for ax in axes if set(OPTIMIZERS) <= {_optimizer_of(ln.label) for ln in ax.lines}]
    plot = None
    with check("a plot with one cost curve per optimizer, each labelled with its name and each "
               "the cost history your run_valley returns for the race of Question 4"):
        histories = _histories(student)
        plot = _cost_plot(named, histories)
        if not (verify(bool(named), f"expected axes with {len(OPTIMIZERS)} lines labelled "
                       f"{', '.join(OPTIMIZERS)} (or Adam, RMSProp, ...); found {len(axes)} "
                       "axes with at most "
                       f"{max((len(ax.lines) for ax in axes), default=0)} lines", "figures")
                and verify(len(histories) == len(OPTIMIZERS), "histories should hold the cost "
                           "history of each optimizer (Question 4's run of 50 steps)",
                           "histories")):
            return
        lines = _lines_of(plot)
        for name in OPTIMIZERS:
            expect(lines[name], f"the line of {name}").close_to(histories[name], mutants={
                **{f"the line shows {log}(cost) on a linear axis; plot the costs themselves "
                   "on a logarithmic y axis": f(histories[name])
                   for log, f in [("log", np.log), ("log10", np.log10), ("log2", np.log2)]},
                **{f"the line named {name} (in its label or the legend) is {other}'s run: "
                   "each name must stand for its own line": histories[other]
                   for other in OPTIMIZERS if other != name}})
    with check("the cost plot has a logarithmic y axis, a legend and labelled axes"):
        if plot is None:
            fail("no cost plot was found (see the first check)")
        verify(plot.yscale == "log", f"the y axis is {plot.yscale!r}: the text asks for "
               "a logarithmic y axis (ax.semilogy or ax.set_yscale('log'))", "figures")
        verify(bool(plot.legend), "add a legend (ax.legend())", "figures")
        hidden = [n for ln in plot.lines if (n := _optimizer_of(ln.label))
                  and not (ln.has_segments or ln.has_markers)]
        verify(not hidden, f"the lines of {', '.join(hidden)} are drawn with neither a line "
               "style nor a marker, so they cannot be seen: give each a line style ('-', "
               "'--', ...)", "figures", mistake="lines drawn invisibly")
        if verify(plot.labelled, "label both axes (the step and the cost)", "figures"):
            verify(not plot.labels_swapped(STEP_WORDS, COST_WORDS), "the x axis is labelled "
                   "as the cost and the y axis as the step: the steps run along x and the "
                   "costs up the log y axis", "figures", mistake="the axis labels are swapped")
