"""Hidden suite of Homework 4: optimizers, learning-rate schedules and gradient clipping.

Every expected value comes from ``reference`` (``reference.optim``,
``reference.schedules``) on fresh inputs drawn from ``rng``. The update rules are
driven step by step: ``<name>_init(theta)``, then ``<name>_step`` on the student's
own theta and state, with gradients drawn beforehand, so a mistaken rule follows the
same trajectory as its mutant: the first wrong step is reported, and the mistake is
named from the whole trajectory (two mistakes can agree on the first step). The gradients
have scales comparable to eps, so eps inside or outside the square root are far apart;
one case per adaptive method uses the default hyper-parameters with tiny gradients,
where the default eps matters.

Tolerances: a correct update written another way (Géron's velocity m = -lr * b
instead of the buffer b, bias correction folded into a step size, ``lerp`` instead of
``beta m + (1 - beta) g``) differs from the reference by a few ulps per step; over the
20 to 40 steps of a valley run the costs agree to ~1e-13 relative. rtol=1e-9 and
atol=1e-12 accept every correct form and reject every listed mistake by orders of
magnitude. Angles are compared with atol=1e-5 degrees: arccos near 1 loses half the
digits, so a correct angle between parallel vectors is about 1e-6 degrees.
"""

from functools import partial

import numpy as np

from autograder.authoring import (
    Budgets,
    Handle,
    all_axes,
    check,
    describe_value,
    expect,
    question,
    verify,
)
from reference import optim, schedules

BUDGETS = Budgets(cell_seconds=10, notebook_seconds=60)
RTOL, ATOL = 1e-9, 1e-12
N_STEPS = 4
SHAPES = [(1, 4), (5,), (3, 2)]  # one row, a vector, a matrix
OPTIMIZERS = ("gd", "momentum", "nag", "adagrad", "rmsprop", "adam", "nadam")
STATE_KEYS = {"gd": ("t",), "momentum": ("t", "b"), "nag": ("t", "b"),
              "adagrad": ("t", "s"), "rmsprop": ("t", "s"), "adam": ("t", "m", "v"),
              "nadam": ("t", "m", "v", "mu_product")}
DEFAULTS = {"adagrad": {"eps": 1e-10}, "rmsprop": {"beta": 0.99, "eps": 1e-8},
            "adam": {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8},
            "nadam": {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "momentum_decay": 4e-3}}


def _reference(name: str, h: dict) -> optim._Optimizer:
    """The reference optimizer for the student API's hyper-parameters ``h``."""
    h = {**DEFAULTS.get(name, {}), **h}
    if name == "gd":
        return optim.SGD(h["lr"])
    if name in ("momentum", "nag"):
        return optim.SGD(h["lr"], momentum=h["momentum"], nesterov=name == "nag")
    if name == "adagrad":
        return optim.Adagrad(h["lr"], eps=h["eps"])
    if name == "rmsprop":
        return optim.RMSprop(h["lr"], alpha=h["beta"], eps=h["eps"])
    betas = (h["beta1"], h["beta2"])
    if name == "adam":
        return optim.Adam(h["lr"], betas=betas, eps=h["eps"])
    return optim.NAdam(h["lr"], betas=betas, eps=h["eps"], momentum_decay=h["momentum_decay"])


# ---------------------------------------------------------------------------
# mistaken update rules: (theta, g, state, **hyper) -> (theta, state), state a dict


def _gd_uphill(theta, g, st, lr):
    return theta + lr * g, st


def _momentum(theta, g, st, lr, momentum, variant=""):
    b_old = st.get("b", 0.0)
    b = g - momentum * b_old if variant == "minus" else momentum * b_old + g
    if variant == "uphill":
        return theta + lr * b, {"b": b}
    return theta - lr * b, {"b": b}


def _adagrad(theta, g, st, lr, eps, variant=""):
    s = g * g if variant == "no_sum" else st.get("s", 0.0) + g * g
    d = np.sqrt(s + eps) if variant == "eps_inside" else np.sqrt(s) + eps
    return theta - lr * g / d, {"s": s}


def _rmsprop(theta, g, st, lr, beta, eps, variant=""):
    s = beta * st.get("s", 0.0) + (1.0 if variant == "no_one_minus" else 1 - beta) * g * g
    d = np.sqrt(s + eps) if variant == "eps_inside" else np.sqrt(s) + eps
    return theta - lr * g / d, {"s": s}


def _adam(theta, g, st, lr, beta1, beta2, eps, momentum_decay=None, variant=""):
    # momentum_decay is ignored: Adam also stands for "NAdam computed as Adam"
    t = st.get("t", 0) + 1
    m = beta1 * st.get("m", 0.0) + (1 - beta1) * g
    v = beta2 * st.get("v", 0.0) + (1 - beta2) * g * g
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    if variant == "no_bias_correction":
        step = m / (np.sqrt(v) + eps)
    elif variant == "eps_inside":
        step = m_hat / np.sqrt(v_hat + eps)
    elif variant == "eps_before_correction":
        step = m_hat / ((np.sqrt(v) + eps) / np.sqrt(1 - beta2**t))
    else:
        step = m_hat / (np.sqrt(v_hat) + eps)
    sign = 1.0 if variant == "uphill" else -1.0
    return theta + sign * lr * step, {"t": t, "m": m, "v": v}


def _nadam(theta, g, st, lr, beta1, beta2, eps, momentum_decay, variant=""):
    t = st.get("t", 0) + 1

    def mu(k):
        if variant == "constant_mu":
            return beta1
        return beta1 * (1 - 0.5 * 0.96 ** (k * momentum_decay))

    product = st.get("mu_product", 1.0) * mu(t)
    m = beta1 * st.get("m", 0.0) + (1 - beta1) * g
    v = beta2 * st.get("v", 0.0) + (1 - beta2) * g * g
    v_hat = v / (1 - beta2**t)
    d = np.sqrt(v_hat + eps) if variant == "eps_inside" else np.sqrt(v_hat) + eps
    theta = (theta - lr * (1 - mu(t)) / (1 - product) * g / d
             - lr * mu(t + 1) / (1 - product * mu(t + 1)) * m / d)
    return theta, {"t": t, "m": m, "v": v, "mu_product": product}


EPS_INSIDE = "eps inside the square root: sqrt(s + eps) instead of sqrt(s) + eps"
MUTANTS = {
    "gd": {"gradient ascent: theta + lr * grad instead of theta - lr * grad": _gd_uphill},
    "momentum": {
        "momentum with the wrong sign: theta moved up the gradient (theta + lr * b)":
            partial(_momentum, variant="uphill"),
        "momentum with the wrong sign in the buffer: b = g - momentum * b instead of "
        "b = momentum * b + g": partial(_momentum, variant="minus")},
    "nag": {
        "Nesterov gradient at the wrong point: theta - lr * b is plain momentum; the "
        "look-ahead form is theta - lr * (g + momentum * b)": _momentum,
        "momentum with the wrong sign: theta moved up the gradient":
            partial(_momentum, variant="uphill")},
    "adagrad": {
        "AdaGrad without accumulation: s = g**2 instead of s = s + g**2":
            partial(_adagrad, variant="no_sum"),
        EPS_INSIDE: partial(_adagrad, variant="eps_inside")},
    "rmsprop": {
        EPS_INSIDE: partial(_rmsprop, variant="eps_inside"),
        "the factor (1 - beta) is missing: s = beta * s + (1 - beta) * g**2":
            partial(_rmsprop, variant="no_one_minus")},
    "adam": {
        "Adam without bias correction: m and v used instead of m_hat and v_hat":
            partial(_adam, variant="no_bias_correction"),
        "eps inside the square root: sqrt(v_hat + eps) instead of sqrt(v_hat) + eps":
            partial(_adam, variant="eps_inside"),
        "Adam's update has the wrong sign (theta + lr * m_hat / ...), the sign error of "
        "the deep-networks notebook: it climbs the cost": partial(_adam, variant="uphill"),
        "eps added to sqrt(v) before the bias correction instead of to sqrt(v_hat)":
            partial(_adam, variant="eps_before_correction")},
    "nadam": {
        "NAdam without the momentum schedule: mu_t = beta1 at every step":
            partial(_nadam, variant="constant_mu"),
        "eps inside the square root: sqrt(v_hat + eps) instead of sqrt(v_hat) + eps":
            partial(_nadam, variant="eps_inside"),
        "NAdam computed as Adam, without the Nesterov look-ahead": _adam},
}


def _mutant_runs(name: str, h: dict, theta0: np.ndarray, grad_of) -> dict[str, list]:
    """Each mistaken rule's parameters after every step; ``grad_of(k, theta)``."""
    h = {**DEFAULTS.get(name, {}), **h}
    runs = {}
    with np.errstate(all="ignore"):
        for label, step in MUTANTS[name].items():
            theta, st, out = theta0.copy(), {}, []
            for k in range(len(grad_of)):
                theta, st = step(theta, grad_of[k](theta), st, **h)
                out.append(theta)
            runs[label] = out
    return runs


def _reference_run(name: str, h: dict, theta0: np.ndarray, grad_of) -> list[np.ndarray]:
    opt, theta, out = _reference(name, h), theta0.copy(), []
    for g in grad_of:
        opt.step([theta], [g(theta)])
        out.append(theta.copy())
    return out


# ---------------------------------------------------------------------------
# q1-q3: the update rules, step by step


def _plain(x) -> bool:
    """A value that crosses the sandbox boundary unchanged."""
    if isinstance(x, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in x.items())
    if isinstance(x, list | tuple):
        return all(_plain(v) for v in x)
    return isinstance(x, np.ndarray | int | float | str | None)


def _state_ok(name: str, t: int):
    def ok(state) -> bool:
        return (isinstance(state, dict) and _plain(state)
                and all(k in state for k in STATE_KEYS[name]) and state["t"] == t)
    return ok


def _fmt(h: dict) -> str:
    return ", ".join(f"{k}={v:.3g}" for k, v in h.items())


def _same_run(got: list, run: list) -> bool:
    return all(np.shape(g) == np.shape(w) and np.allclose(g, w, rtol=RTOL, atol=ATOL)
               for g, w in zip(got, run, strict=True))


def _drive(student, name: str, theta0: np.ndarray, grads: list[np.ndarray], h: dict) -> None:
    """init, then one step per gradient on the student's own theta and state; then
    each theta is compared with the reference's. A mistake is named from the whole
    trajectory (two mistakes can agree on the first step)."""
    grad_of = [lambda _theta, g=g: g for g in grads]
    expected = _reference_run(name, h, theta0, grad_of)
    wrong = _mutant_runs(name, h, theta0, grad_of)
    keys = ", ".join(repr(k) for k in STATE_KEYS[name])
    states = [student.call(f"{name}_init", theta0)]
    thetas: list = []
    for k, g in enumerate(grads):
        if not expect(states[k], f"state after {k} steps").satisfies(
                lambda s: isinstance(s, dict) and _plain(s),
                f"expected a dict of arrays and numbers, got {describe_value(states[k])}"):
            return
        got = student.call(f"{name}_step", thetas[-1] if thetas else theta0, g, states[k], **h)
        if not expect(got, f"{name}_step").satisfies(
                lambda r: isinstance(r, tuple | list) and len(r) == 2,
                f"expected a pair (new_theta, new_state), got {describe_value(got)}"):
            return
        thetas.append(got[0])
        states.append(got[1])
    if len(thetas) == len(expected) and all(isinstance(t, np.ndarray) for t in thetas):
        matching = {m: run for m, run in wrong.items() if _same_run(thetas, run)}
        wrong = matching | wrong
    for k, theta in enumerate(thetas):
        if not expect(theta, f"theta after step {k + 1}").close_to(
                expected[k], RTOL, ATOL, mutants={m: run[k] for m, run in wrong.items()}):
            return
    for k, state in enumerate(states):
        t = state.get("t") if isinstance(state, dict) else None
        if not expect(state, f"state after {k} steps").satisfies(
                _state_ok(name, k), f"expected a dict of arrays and numbers with the keys "
                                    f"{keys} and t = {k}, got {describe_value(state)}, "
                                    f"t = {t!r}"):
            return


def _log_uniform(rng, low: float, high: float) -> float:
    return float(np.exp(rng.uniform(np.log(low), np.log(high))))


def _hyper(name: str, rng) -> dict:
    """Random hyper-parameters, away from the notebook's examples and the defaults."""
    h = {"lr": float(rng.uniform(0.05, 0.5))}
    if name in ("momentum", "nag"):
        h["momentum"] = float(rng.uniform(0.5, 0.95))
    if name == "rmsprop":
        h["beta"] = float(rng.uniform(0.8, 0.98))
    if name in ("adam", "nadam"):
        h["beta1"] = float(rng.uniform(0.6, 0.95))
        h["beta2"] = float(rng.uniform(0.9, 0.998))
    if name == "nadam":
        h["momentum_decay"] = _log_uniform(rng, 1e-3, 2e-2)
    if name in ("adagrad", "rmsprop", "adam", "nadam"):
        h["eps"] = _log_uniform(rng, 1e-3, 1e-1)
    return h


def _step_cases(student, rng, name: str, shapes, with_defaults: bool) -> None:
    for shape in shapes:
        h = _hyper(name, rng)
        theta0 = rng.normal(size=shape)
        grads = [rng.normal(size=shape) * _log_uniform(rng, 0.03, 1.0) for _ in range(N_STEPS)]
        with check(f"{name}_init then {N_STEPS} steps of {name}_step, theta of shape "
                   f"{shape}, {_fmt(h)}"):
            _drive(student, name, theta0, grads, h)
    if with_defaults:
        # tiny gradients: the default eps is comparable to sqrt(s)
        h = {"lr": float(rng.uniform(0.05, 0.5))}
        theta0 = rng.normal(size=(2, 3))
        grads = [rng.normal(size=(2, 3)) * _log_uniform(rng, 1e-7, 1e-5) for _ in range(N_STEPS)]
        with check(f"{name}_init then {N_STEPS} steps of {name}_step with default "
                   f"hyper-parameters, lr={h['lr']:.3g}, gradients of size ~1e-6"):
            _drive(student, name, theta0, grads, h)


@question("q1", points=3)
def momentum_methods(student, rng):
    _step_cases(student, rng, "gd", SHAPES[:2], False)
    _step_cases(student, rng, "momentum", SHAPES + [(4,)], False)
    _step_cases(student, rng, "nag", SHAPES + [(4,)], False)


@question("q2", points=3)
def adagrad_rmsprop(student, rng):
    _step_cases(student, rng, "adagrad", SHAPES, True)
    _step_cases(student, rng, "rmsprop", SHAPES, True)


@question("q3", points=4)
def adam_nadam(student, rng):
    _step_cases(student, rng, "adam", SHAPES + [(2,)], True)
    _step_cases(student, rng, "nadam", SHAPES, True)


# ---------------------------------------------------------------------------
# q4: the narrow valley


def _valley_hyper(name: str, a: float, rng) -> dict:
    """Hyper-parameters that converge on a valley of curvature 2a (some wobble)."""
    if name == "gd":
        return {"lr": float(rng.uniform(0.3, 0.9) / (2 * a))}
    if name in ("momentum", "nag"):
        return {"lr": float(rng.uniform(0.05, 0.3) / (2 * a)),
                "momentum": float(rng.uniform(0.5, 0.9))}
    eps = _log_uniform(rng, 1e-3, 1e-1)  # large enough to matter near the minimum
    if name == "adagrad":
        return {"lr": float(rng.uniform(0.2, 1.5)), "eps": eps}
    if name == "rmsprop":
        return {"lr": float(rng.uniform(0.02, 0.2)), "beta": float(rng.uniform(0.8, 0.99)),
                "eps": eps}
    return {"lr": float(rng.uniform(0.05, 0.5)), "beta1": float(rng.uniform(0.8, 0.95)),
            "beta2": float(rng.uniform(0.99, 0.999)), "eps": eps}


def _cost(theta: np.ndarray, a: float, b: float) -> float:
    return float(a * theta[0] ** 2 + b * theta[1] ** 2)


@question("q4", points=3)
def narrow_valley(student, rng):
    for _ in range(2):
        a, b = float(rng.uniform(5, 40)), float(rng.uniform(0.5, 2))
        theta = rng.uniform(1, 4, size=2) * rng.choice([-1.0, 1.0], size=2)
        with check(f"valley_cost and valley_grad at theta={np.round(theta, 3)}, "
                   f"a={a:.3g}, b={b:.3g}"):
            expect(student.call("valley_cost", theta, a, b), "valley_cost").close_to(
                _cost(theta, a, b), RTOL, ATOL,
                mutants={"a and b swapped": _cost(theta, b, a)})
            expect(student.call("valley_grad", theta, a, b), "valley_grad").close_to(
                np.array([2 * a * theta[0], 2 * b * theta[1]]), RTOL, ATOL,
                mutants={"the factor 2 is missing: the derivative of a theta_1**2 is "
                         "2 a theta_1": np.array([a * theta[0], b * theta[1]])})
    for name in OPTIMIZERS:
        a, b = float(rng.uniform(5, 40)), float(rng.uniform(0.5, 2))
        theta0 = rng.uniform(1, 4, size=2) * rng.choice([-1.0, 1.0], size=2)
        n_steps = int(rng.integers(20, 41))
        h = _valley_hyper(name, a, rng)

        def grad(theta, a=a, b=b):
            return np.array([2 * a * theta[0], 2 * b * theta[1]])

        grad_of = [grad] * n_steps
        expected = [_cost(theta0, a, b)] + [
            _cost(th, a, b) for th in _reference_run(name, h, theta0, grad_of)]
        with np.errstate(all="ignore"):
            wrong = {m: [_cost(theta0, a, b)] + [_cost(th, a, b) for th in run]
                     for m, run in _mutant_runs(name, h, theta0, grad_of).items()}
        with check(f"run_valley({name!r}, theta0={np.round(theta0, 3)}, a={a:.3g}, "
                   f"b={b:.3g}, n_steps={n_steps}, {_fmt(h)})"):
            got = student.call("run_valley", name, theta0, a, b, n_steps, **h)
            expect(got, "cost history").close_to(np.array(expected), RTOL, ATOL, mutants=wrong)


# ---------------------------------------------------------------------------
# q5: learning-rate schedules


def _plateau(losses, lr0, patience, factor, min_lr, tie_improves=False, extra=0,
             reset_after=True, reset_on_improve=True, floor=True) -> list[float]:
    """Performance scheduling with one of its classic mistakes switched on."""
    lr, best, wait, out = lr0, None, 0, []
    for loss in losses:
        if best is None or loss < best or (tie_improves and loss == best):
            best = loss
            wait = 0 if reset_on_improve else wait
        else:
            wait += 1
            if wait >= patience + extra:
                lr = max(lr * factor, min_lr) if floor else lr * factor
                wait = 0 if reset_after else wait
        out.append(lr)
    return out


def _plateau_losses(rng, patience: int) -> list[float]:
    """Validation losses whose pattern separates every mistake: two reductions in a
    row, improvements that must reset the count, ties with the best, a long plateau."""
    best = float(rng.uniform(1, 3))
    losses: list[float] = []

    def improve():
        nonlocal best
        best *= float(rng.uniform(0.85, 0.98))
        losses.append(best)

    def worse(n):
        losses.extend(best * rng.uniform(1.01, 1.5, size=n))

    improve()
    worse(2 * patience)
    improve()
    for _ in range(2):
        worse(patience - 1)
        improve()
    losses.extend([best] * patience)
    worse(patience + 1)
    return [float(x) for x in losses]


PLATEAU_MUTANTS = {
    "a tie with the best loss counted as an improvement (<= instead of <)":
        {"tie_improves": True},
    "reduced after patience + 1 non-improvements instead of patience": {"extra": 1},
    "the count of non-improvements was not reset after a reduction": {"reset_after": False},
    "the count of non-improvements was not reset by an improvement":
        {"reset_on_improve": False},
    "the floor min_lr was not applied": {"floor": False},
}


@question("q5", points=3)
def learning_rate_schedules(student, rng):
    for c in (1.0, float(rng.uniform(0.3, 0.8)), float(rng.uniform(1.5, 3.0))):
        lr0, s = float(rng.uniform(0.01, 1.0)), int(rng.integers(5, 60))
        t = np.sort(rng.integers(0, 10 * s, size=8)) if c != 1.0 else int(rng.integers(1, 5 * s))
        with check(f"power_schedule(lr0={lr0:.3g}, t={t}, s={s}, c={c:.3g})"):
            expect(student.call("power_schedule", lr0, t, s, c), "learning rate").close_to(
                schedules.power_schedule(lr0, t, s, c), RTOL, ATOL, mutants={
                    "t * s instead of t / s (s is a number of steps)":
                        lr0 / (1 + np.multiply(t, s)) ** c,
                    "the power c was applied to t / s only: 1 + (t / s)**c":
                        lr0 / (1 + np.divide(t, s) ** c),
                    "the power c is missing": lr0 / (1 + np.divide(t, s))})
    for _ in range(2):
        lr0, s = float(rng.uniform(0.01, 1.0)), int(rng.integers(5, 60))
        t = np.sort(rng.integers(0, 4 * s, size=8))
        with check(f"exponential_schedule(lr0={lr0:.3g}, t={t}, s={s})"):
            expect(student.call("exponential_schedule", lr0, t, s), "learning rate").close_to(
                schedules.exponential_schedule(lr0, t, s), RTOL, ATOL, mutants={
                    "exp(-t / s) instead of 0.1**(t / s)": lr0 * np.exp(-t / s),
                    "0.1**(t * s) instead of 0.1**(t / s)": lr0 * 0.1 ** (t * s)})
    for n in (1, 3):
        boundaries = np.cumsum(rng.integers(3, 20, size=n)).tolist()
        values = rng.uniform(0.001, 0.5, size=n + 1).tolist()
        t = np.unique(np.concatenate([[0], boundaries, np.subtract(boundaries, 1),
                                      rng.integers(0, boundaries[-1] + 10, size=4)]))
        with check(f"piecewise_constant(t={t}, boundaries={boundaries}, "
                   f"values={np.round(values, 4).tolist()})"):
            expect(student.call("piecewise_constant", t, boundaries, values),
                   "learning rate").close_to(
                schedules.piecewise_constant(t, boundaries, values), RTOL, ATOL, mutants={
                    "at t equal to a boundary the old value was kept; the next value starts "
                    "at the boundary": np.asarray(values)[np.searchsorted(boundaries, t)]})
    for patience in (2, 3, int(rng.integers(2, 5))):
        lr0, factor = float(rng.uniform(0.01, 1.0)), float(rng.uniform(0.2, 0.8))
        losses = _plateau_losses(rng, patience)
        min_lr = lr0 * factor**3.5  # four reductions in the sequence: the last hits the floor
        ref = schedules.PerformanceScheduler(lr0, patience, factor, min_lr)
        expected = [ref.update(x) for x in losses]
        with check(f"PerformanceScheduler(lr0={lr0:.3g}, patience={patience}, "
                   f"factor={factor:.3g}, min_lr={min_lr:.3g}).update on {len(losses)} "
                   f"validation losses"):
            sched = student.call("PerformanceScheduler", lr0, patience, factor, min_lr)
            if expect(sched, "PerformanceScheduler(...)").satisfies(
                    lambda s: isinstance(s, Handle), "expected an object with an update method"):
                got = [sched.call("update", x) for x in losses]
                expect(got, "learning rates returned by update").close_to(
                    expected, RTOL, ATOL, mutants={
                        m: _plateau(losses, lr0, patience, factor, min_lr, **kw)
                        for m, kw in PLATEAU_MUTANTS.items()})


# ---------------------------------------------------------------------------
# q6: gradient clipping


def _shapes(grads) -> str:
    return ", ".join(str(g.shape) for g in grads)


def _per_array_norm(grads, max_norm):
    return [optim.clip_by_norm(g, max_norm) for g in grads]


def _no_guard(grads, max_norm):
    norm = np.sqrt(sum(np.sum(g * g) for g in grads))
    return [g * min(1.0, max_norm / norm) for g in grads]


def _scaled_up(grads, max_norm):
    norm = np.sqrt(sum(np.sum(g * g) for g in grads))
    return [g * max_norm / (norm + 1e-6) for g in grads]


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


LECTURE = np.array([0.9, 100.0])


@question("q6", points=2)
def gradient_clipping(student, rng):
    c_random = float(rng.uniform(0.5, 1.5))
    several = [rng.normal(scale=2.0, size=s) for s in [(3, 2), (4,), (1, 3)]]
    # components above c, below -c and inside (-c, c), wherever the draws fall
    several[0][1, 0] = -c_random - rng.uniform(0.5, 2.0)
    several[1][2] = c_random + rng.uniform(0.5, 2.0)
    several[2][0, 1] = c_random * rng.uniform(-0.9, 0.9)
    for grads, c in [([LECTURE], 1.0), (several, c_random)]:
        with check(f"clip_by_value(grads of shapes {_shapes(grads)}, c={c:.3g})"):
            expect(student.call("clip_by_value", grads, c), "clipped gradients").each_close_to(
                optim.clip_by_value(grads, c), RTOL, ATOL, {
                    "only the upper side was clipped: components below -c must become -c":
                        [np.minimum(g, c) for g in grads]})
    below = [rng.normal(size=s) for s in [(2, 2), (3,)]]
    cases = [([LECTURE], 1.0),
             ([rng.normal(scale=2.0, size=s) for s in [(3, 2), (4,), (1, 3)]], None),
             (below, float(np.sqrt(sum(np.sum(g * g) for g in below)) * rng.uniform(1.5, 3))),
             ([rng.normal(scale=2.0, size=(1, 5))], None)]
    for grads, max_norm in cases:
        norm = float(np.sqrt(sum(np.sum(g * g) for g in grads)))
        max_norm = max_norm or norm * float(rng.uniform(0.2, 0.8))
        with check(f"clip_by_norm(grads of shapes {_shapes(grads)}, max_norm={max_norm:.3g}), "
                   f"global norm {norm:.3g}"):
            expect(student.call("clip_by_norm", grads, max_norm),
                   "clipped gradients").each_close_to(optim.clip_by_norm(grads, max_norm),
                                                      RTOL, ATOL, {
                    "each array was rescaled by its own norm, not by the global norm of all "
                    "the arrays": _per_array_norm(grads, max_norm),
                    "rescaled although the global norm was already below max_norm":
                        _scaled_up(grads, max_norm),
                    "the 1e-6 of torch's formula max_norm / (norm + 1e-6) is missing":
                        _no_guard(grads, max_norm)})
    pairs = [(LECTURE, optim.clip_by_value(LECTURE, 1.0)),
             (rng.normal(size=5), rng.normal(size=5)), _parallel_pair(rng)]
    for u, v in pairs:
        with check(f"angle_degrees(u={np.round(u, 3)}, v={np.round(v, 3)})"):
            expect(student.call("angle_degrees", u, v), "angle").close_to(
                _angle(u, v), 0.0, 1e-5, mutants={
                    "the angle is in radians, not degrees": np.radians(_angle(u, v)),
                    "arccos of a cosine just above 1 is nan: clip the cosine to [-1, 1]":
                        np.nan})


# ---------------------------------------------------------------------------
# q7: the plot of the valley runs


def _named_lines(ax) -> int:
    labelled = sum(1 for ln in ax.lines if ln.label and not ln.label.startswith("_"))
    return max(labelled, len(ax.legend))


@question("q7", points=1)
def cost_plot(student, rng):
    axes = all_axes(student.figures())
    curves = [ax for ax in axes if sum(len(ln.y) > 1 for ln in ax.lines) >= len(OPTIMIZERS)]
    with check("a plot with one cost curve per optimizer, each named in a legend"):
        verify(any(_named_lines(ax) >= len(OPTIMIZERS) for ax in curves),
               f"expected axes with {len(OPTIMIZERS)} curves (one per optimizer) named in a "
               f"legend; found {len(axes)} axes with at most "
               f"{max((len(ax.lines) for ax in axes), default=0)} lines", "figures")
    with check("the cost plot has labelled axes"):
        verify(any(ax.labelled for ax in curves),
               "expected the axes of the cost plot to have an x label and a y label", "figures")
