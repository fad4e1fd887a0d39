"""Hidden suite of Homework 4: optimizers, learning-rate schedules and gradient clipping.

Expected values come from ``reference.optim`` and ``reference.schedules`` on fresh inputs
drawn from ``rng``. An update rule is driven step by step on the student's own theta and
state, with a learning rate that changes at every step (as a schedule would) and gradients
of scales comparable to eps (so eps inside or outside the root are far apart); each theta
and each state entry the text defines is compared with the reference's. The mistake is
named from the whole trajectory (two mistakes can agree on the first step). Two runs are
also interleaved, which separates an explicit state from memory kept elsewhere. Questions
that use earlier functions (``run_valley``, ``lr_per_step``) are judged with the
student's own earlier functions when they disagree with the reference, so one mistake
costs points once.
"""

import numpy as np

from autograder.authoring import (
    Budgets,
    Handle,
    Tolerance,
    all_axes,
    as_float_array,
    check,
    describe_value,
    expect,
    fail,
    note,
    question,
    verify,
)
from reference import optim, schedules

TOLERANCE = Tolerance(1e-9, 1e-12, "a correct update written another way (Géron's velocity "
                      "converted with the current lr, the bias correction folded into the step "
                      "size, lerp for the averages) differs by a few ulps per step, ~1e-13 over "
                      "the 40 steps of a valley run; every listed mistake differs by orders of "
                      "magnitude more")
BUDGETS = Budgets(cell_seconds=10, notebook_seconds=60)
N_STEPS = 4
SHAPES = [(1, 4), (5,), (3, 2)]  # one row, a vector, a matrix
OPTIMIZERS = ("gd", "momentum", "nag", "adagrad", "rmsprop", "adam", "nadam")
STATE_KEYS = {"gd": (), "momentum": ("b",), "nag": ("b",), "adagrad": ("s",),
              "rmsprop": ("s",), "adam": ("m", "v"), "nadam": ("m", "v", "mu_product")}
QUESTION_OF = {"gd": 1, "momentum": 1, "nag": 1, "adagrad": 2, "rmsprop": 2, "adam": 3,
               "nadam": 3}
DEFAULTS = {"adagrad": {"eps": 1e-10}, "rmsprop": {"beta": 0.99, "eps": 1e-8},
            "adam": {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8},
            "nadam": {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "momentum_decay": 4e-3}}
SIGNED = ("m",)  # the lecture's convention averages -g: either sign of m is accepted


def _reference(name: str, h: dict) -> optim._Optimizer:
    """The reference optimizer for the student API's hyper-parameters ``h``."""
    h = {**DEFAULTS.get(name, {}), **h}
    betas = (h.get("beta1"), h.get("beta2"))
    return {"gd": lambda: optim.SGD(h["lr"]),
            "momentum": lambda: optim.SGD(h["lr"], momentum=h["momentum"]),
            "nag": lambda: optim.SGD(h["lr"], momentum=h["momentum"], nesterov=True),
            "adagrad": lambda: optim.Adagrad(h["lr"], eps=h["eps"]),
            "rmsprop": lambda: optim.RMSprop(h["lr"], alpha=h["beta"], eps=h["eps"]),
            "adam": lambda: optim.Adam(h["lr"], betas=betas, eps=h["eps"]),
            "nadam": lambda: optim.NAdam(h["lr"], betas=betas, eps=h["eps"],
                                         momentum_decay=h["momentum_decay"])}[name]()


def _reference_state(name: str, opt: optim._Optimizer) -> dict:
    """The state as the text defines it, read from the reference optimizer."""
    return {"t": opt.t, **{
        "momentum": lambda: {"b": opt.momentum_buffers[0].copy()},
        "nag": lambda: {"b": opt.momentum_buffers[0].copy()},
        "adagrad": lambda: {"s": opt.sums[0].copy()},
        "rmsprop": lambda: {"s": opt.square_avgs[0].copy()},
        "adam": lambda: {"m": opt.ms[0].copy(), "v": opt.vs[0].copy()},
        "nadam": lambda: {"m": opt.ms[0].copy(), "v": opt.vs[0].copy(),
                          "mu_product": opt.mu_products[0]},
        "gd": dict}[name]()}


def _reference_run(name: str, theta0, grads, hs) -> list[tuple[np.ndarray, dict]]:
    """(theta, state) after each step; ``hs[k]`` are the hyper-parameters of step k."""
    opt, theta, out = _reference(name, hs[0]), np.array(theta0, dtype=float), []
    for g, h in zip(grads, hs, strict=True):
        opt.lr = h["lr"]
        opt.step([theta], [g])
        out.append((theta.copy(), _reference_state(name, opt)))
    return out


# ---------------------------------------------------------------------------
# classic mistakes: one update rule with a mistake switched on, (theta, state) -> (theta, state)


def _root(s, eps, mistake):
    return np.sqrt(s + eps) if mistake == "eps_inside" else np.sqrt(s) + eps


def _gd(theta, g, st, h, mistake):
    return theta + (1 if mistake == "uphill" else -1) * h["lr"] * g, {}


def _momentum(theta, g, st, h, mistake, nesterov=False):
    lr, mu, b_old = h["lr"], h["momentum"], st["b"]
    if mistake == "velocity":  # Géron's m = mu m - lr g stored where b belongs
        m = mu * b_old - lr * g
        return theta + m, {"b": m}
    b = {"minus": g - mu * b_old, "dampened": mu * b_old + (1 - mu) * g}.get(
        mistake, mu * b_old + g)
    direction = b_old if mistake == "after" else b
    if nesterov and mistake != "plain":
        direction = g + mu * (b_old if mistake == "old_buffer" else b)
    return theta + (1 if mistake == "uphill" else -1) * lr * direction, {"b": b}


def _square_average(g, st, h, mistake, name):
    """AdaGrad's sum or RMSProp's average of g**2 (of g, with that mistake)."""
    g2 = g if mistake == "g_not_squared" else g * g
    if name == "adagrad":
        return g2 if mistake == "no_sum" else st["s"] + g2
    beta = h["beta"]
    if mistake == "swapped":
        return (1 - beta) * st["s"] + beta * g2
    return beta * st["s"] + (1.0 if mistake == "no_one_minus" else 1 - beta) * g2


def _adaptive(theta, g, st, h, mistake, name):
    s = _square_average(g, st, h, mistake, name)
    shown = s / (1 - h["beta"] ** (st["t"] + 1)) if mistake == "bias_corrected" else s
    with np.errstate(all="ignore"):
        return theta - h["lr"] * g / _root(shown, h["eps"], mistake), {"s": s}


def _moments(g, st, h):
    return (h["beta1"] * st["m"] + (1 - h["beta1"]) * g,
            h["beta2"] * st["v"] + (1 - h["beta2"]) * g * g)


def _adam(theta, g, st, h, mistake):
    t = {"t_before_increment": st["t"], "t_stuck": 1}.get(mistake, st["t"] + 1)
    m, v = _moments(g, st, h)
    b1, b2, eps = h["beta1"] ** t, h["beta2"] ** t, h["eps"]
    with np.errstate(all="ignore"):
        m_hat, v_hat = m / (1 - b1), v / (1 - b2)
        step = {"no_bias_correction": lambda: m / (np.sqrt(v) + eps),
                "eps_before_correction": lambda: m_hat * np.sqrt(1 - b2) / (np.sqrt(v) + eps),
                }.get(mistake, lambda: m_hat / _root(v_hat, eps, mistake))()
    if mistake == "hats_stored":
        m, v = m_hat, v_hat
    return theta + (1 if mistake == "uphill" else -1) * h["lr"] * step, {"m": m, "v": v}


def _nadam(theta, g, st, h, mistake):
    t, b1, psi = st["t"] + 1, h["beta1"], h["momentum_decay"]

    def mu(k):
        return b1 if mistake == "constant_mu" else b1 * (1 - 0.5 * 0.96 ** (k * psi))

    product = st["mu_product"] * mu(t)
    m, v = _moments(g, st, h)
    d = _root(v / (1 - h["beta2"] ** t), h["eps"], mistake)
    ahead, ahead_product = ((mu(t), product) if mistake == "mu_t_ahead"
                            else (mu(t + 1), product * mu(t + 1)))
    theta = (theta - h["lr"] * (1 - mu(t)) / (1 - product) * g / d
             - h["lr"] * ahead / (1 - ahead_product) * m / d)
    return theta, {"m": m, "v": v, "mu_product": product}


def _nadam_as_adam(theta, g, st, h, mistake):
    theta, state = _adam(theta, g, st, h, None)
    return theta, {**state, "mu_product": st["mu_product"]}


RULES = {"gd": _gd, "momentum": _momentum,
         "nag": lambda *a: _momentum(*a, nesterov=True),
         "adagrad": lambda *a: _adaptive(*a, name="adagrad"),
         "rmsprop": lambda *a: _adaptive(*a, name="rmsprop"), "adam": _adam, "nadam": _nadam}

EPS = "eps inside the square root: sqrt({0} + eps) instead of sqrt({0}) + eps, as the text asks"
VELOCITY = ("the state holds Géron's velocity m = mu m - lr g where the text asks for "
            "PyTorch's buffer b = mu b + g; the two agree only while lr stays the same, and "
            "here it changes at every step")
AFTER = ("the buffer was updated after the step: theta moved by the old b; update "
         "b = mu b + g first, then step with the new b")
MISTAKES = {  # optimizer -> {mistake key: feedback}
    "gd": {"uphill": "gradient ascent: theta + lr * grad instead of theta - lr * grad"},
    "momentum": {
        "uphill": "momentum with the wrong sign: theta moved up the gradient (theta + lr * b)",
        "minus": "momentum with the wrong sign in the buffer: b = g - momentum * b instead "
                 "of b = momentum * b + g",
        "after": AFTER, "velocity": VELOCITY,
        "dampened": "b = mu b + (1 - mu) g is the averaged (dampened) form; PyTorch's buffer "
                    "adds g itself: b = mu b + g"},
    "nag": {
        "plain": "Nesterov gradient at the wrong point: theta - lr * b is plain momentum; "
                 "the look-ahead form is theta - lr * (g + momentum * b)",
        "old_buffer": "the look-ahead used the buffer before its update: theta - lr * (g + mu "
                      "b_new), with b_new = mu b + g",
        "uphill": "momentum with the wrong sign: theta moved up the gradient"},
    "adagrad": {"no_sum": "AdaGrad without accumulation: s = g**2 instead of s = s + g**2",
                "g_not_squared": "s accumulates g instead of g**2 (g * g, elementwise)",
                "eps_inside": EPS.format("s")},
    "rmsprop": {"eps_inside": EPS.format("s"),
                "no_one_minus": "the factor (1 - beta) is missing: s = beta * s + (1 - beta) "
                                "* g**2",
                "swapped": "beta and 1 - beta swapped: s = beta * s + (1 - beta) * g**2 keeps "
                           "beta of the old average",
                "g_not_squared": "s averages g instead of g**2 (g * g, elementwise)",
                "bias_corrected": "RMSProp has no bias correction: s itself goes under the "
                                  "root, not s / (1 - beta**t)"},
    "adam": {
        "no_bias_correction": "Adam without bias correction: m and v used instead of m_hat "
                              "and v_hat (the deep-networks notebook's code leaves it out, "
                              "although its text describes it)",
        "eps_inside": EPS.format("v_hat"),
        "uphill": "the step was added while m averages +g, so Adam climbs the cost: with m "
                  "averaging +g subtract the step (or average -g and add it, as the lecture "
                  "does), not a mix of the two",
        "eps_before_correction": "eps added to sqrt(v) before the bias correction (Keras's "
                                 "and the paper's 'efficient' form); the text asks for "
                                 "PyTorch's sqrt(v_hat) + eps",
        "t_before_increment": "the bias correction used t before its increment: the first step "
                              "has t = 1 (with t = 0, 1 - beta**0 = 0)",
        "t_stuck": "the step counter t is not incremented: every step was corrected as the "
                   "first",
        "hats_stored": "the state holds m_hat and v_hat; store m and v themselves (the "
                       "correction is recomputed from them at every step)"},
    "nadam": {"constant_mu": "NAdam without the momentum schedule: mu_t = beta1 at every step",
              "eps_inside": EPS.format("v_hat"),
              "mu_t_ahead": "the momentum term used mu_t and P_t where it looks one step "
                            "ahead: mu_{t+1} / (1 - P_t mu_{t+1})",
              "as_adam": "NAdam computed as Adam, without the Nesterov look-ahead"},
}


def _mistaken(name: str, key: str):
    if (name, key) == ("nadam", "as_adam"):
        return lambda theta, g, st, h: _nadam_as_adam(theta, g, st, h, None)
    return lambda theta, g, st, h: RULES[name](theta, g, st, h, key)


def _init(name: str, theta) -> dict:
    zeros = np.zeros_like(theta, dtype=float)
    return {"t": 0, **{k: (1.0 if k == "mu_product" else zeros) for k in STATE_KEYS[name]}}


def _mutant_runs(name: str, theta0, grads, hs) -> dict[str, list[tuple[np.ndarray, dict]]]:
    """Each mistake's (theta, state) after every step."""
    runs = {}
    with np.errstate(all="ignore"):
        for key, text in MISTAKES[name].items():
            rule, theta, st, out = _mistaken(name, key), np.array(theta0, float), _init(
                name, theta0), []
            for g, h in zip(grads, hs, strict=True):
                theta, new = rule(theta, g, st, {**DEFAULTS.get(name, {}), **h})
                st = {**new, "t": st["t"] + (0 if key == "t_stuck" else 1)}
                out.append((theta, st))
            runs[text] = out
    return runs


# ---------------------------------------------------------------------------
# q1-q3: the update rules, step by step


def _plain(x) -> bool:
    """A value that crosses the sandbox boundary unchanged."""
    if isinstance(x, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in x.items())
    if isinstance(x, list | tuple):
        return all(_plain(v) for v in x)
    return isinstance(x, np.ndarray | int | float | str | None)


def _same(got, want) -> bool:
    arr, problem = as_float_array(got)
    return problem is None and arr.shape == np.shape(want) and bool(
        np.allclose(arr, want, rtol=1e-9, atol=1e-12, equal_nan=True))


def _call_step(student, name: str, theta, g, state, h, k: int, run: str = ""):
    """One call of the student's step; (theta, state) or a failed check."""
    what = f"{name}_step{run} at step {k + 1}"
    got = student.call(f"{name}_step", theta, g, state, **h)
    if not expect(got, what).is_tuple(2, "(new_theta, new_state)"):
        fail(f"{what}: expected a pair (new_theta, new_state), got {describe_value(got)}")
    if not expect(got[1], f"the state after {what}").satisfies(
            lambda s: isinstance(s, dict) and _plain(s) and "t" in s,
            "expected a dict of NumPy arrays and plain numbers with the key 't' (keep the "
            f"state explicit and plain), got {describe_value(got[1])}"):
        fail("the state is not a plain dict")
    return got[0], got[1]


def _compare(name: str, got: list, want: list, wrong: dict, run: str = "") -> None:
    """theta and every state entry the text defines, step by step; a mistake is named
    from the whole trajectory."""
    thetas = [theta for theta, _ in got]
    matching = {m: r for m, r in wrong.items()
                if all(_same(a, b) for a, (b, _) in zip(thetas, r, strict=True))}
    wrong = matching | wrong
    for k, ((theta, state), (w_theta, w_state)) in enumerate(zip(got, want, strict=True)):
        at = f"{run} after step {k + 1}"
        if not expect(theta, f"theta{at}").close_to(
                w_theta, mutants={m: r[k][0] for m, r in wrong.items()}):
            return
        if not expect(state.get("t"), f"state['t']{at}").equals(
                k + 1, mutants={m: r[k][1]["t"] for m, r in wrong.items()}):
            return
        for key in STATE_KEYS[name]:
            value, target = state.get(key), w_state[key]
            if key in SIGNED and _same(value, -target):
                target = -target  # the lecture's convention: m averages -g
            if not expect(value, f"state[{key!r}]{at}").close_to(
                    target, mutants={m: r[k][1][key] for m, r in wrong.items()}):
                return


def _trajectory(student, name, theta0, grads, hs, run=""):
    state = student.call(f"{name}_init", theta0)
    theta, out = theta0, []
    for k, (g, h) in enumerate(zip(grads, hs, strict=True)):
        theta, state = _call_step(student, name, theta, g, state, h, k, run)
        out.append((theta, state))
    return out


def _log_uniform(rng, low: float, high: float) -> float:
    return float(np.exp(rng.uniform(np.log(low), np.log(high))))


def _hyper(name: str, rng) -> dict:
    """Random hyper-parameters, away from the notebook's examples and the defaults."""
    h = {}
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


def _schedule(rng, h: dict, n: int) -> list[dict]:
    """The hyper-parameters of each of n steps: lr changes at every step."""
    return [{"lr": float(rng.uniform(0.05, 0.5)), **h} for _ in range(n)]


def _grads(rng, shape, n: int, low=0.03, high=1.0) -> list[np.ndarray]:
    return [rng.normal(size=shape) * _log_uniform(rng, low, high) for _ in range(n)]


def _fmt(h: dict) -> str:
    return ", ".join(f"{k}={v:.3g}" for k, v in h.items())


def _solo(student, rng, name: str, shape, defaults: bool = False) -> None:
    h = {} if defaults else _hyper(name, rng)
    hs, theta0 = _schedule(rng, h, N_STEPS), rng.normal(size=shape)
    grads = _grads(rng, shape, N_STEPS, *((1e-7, 1e-5) if defaults else ()))
    lrs = ", ".join(f"{x['lr']:.3g}" for x in hs)
    label = ("default hyper-parameters, gradients of size ~1e-6 (the default eps matters)"
             if defaults else _fmt(h) or "no other hyper-parameter")
    with check(f"{name}_init then {N_STEPS} steps of {name}_step, theta of shape {shape}, "
               f"lr changing at every step ({lrs}), "
               f"{label}: theta and the state after each step"):
        _compare(name, _trajectory(student, name, theta0, grads, hs),
                 _reference_run(name, theta0, grads, hs),
                 _mutant_runs(name, theta0, grads, hs))


def _shared_memory_run(name, thetas0, grads, hs) -> list[list]:
    """Two interleaved runs whose memory (all but t) is one global, reset at t = 0."""
    rule, memory, out = RULES[name], None, [[], []]
    thetas = [np.array(t, float) for t in thetas0]
    for k in range(N_STEPS):
        for r in (0, 1):
            if k == 0:
                memory = _init(name, thetas0[r])
            h = {**DEFAULTS.get(name, {}), **hs[r][k]}
            thetas[r], new = rule(thetas[r], grads[r][k], {**memory, "t": k}, h, None)
            memory = new
            out[r].append(thetas[r])
    return out


def _interleaved(student, rng, name: str) -> None:
    shape = SHAPES[2]
    h = _hyper(name, rng)
    thetas0 = [rng.normal(size=shape) for _ in range(2)]
    grads = [_grads(rng, shape, N_STEPS) for _ in range(2)]
    hs = [_schedule(rng, h, N_STEPS) for _ in range(2)]
    with check(f"two runs of {name} interleaved (init A, init B, step A, step B, ...), theta "
               f"of shape {shape}: each run depends on its own state only (keep the state "
               "explicit: no global variables)"):
        states = [student.call(f"{name}_init", t) for t in thetas0]
        thetas, got = list(thetas0), [[], []]
        for k in range(N_STEPS):
            for r in (0, 1):
                thetas[r], states[r] = _call_step(student, name, thetas[r], grads[r][k],
                                                  states[r], hs[r][k], k, " of run " + "AB"[r])
                got[r].append(thetas[r])
        shared = _shared_memory_run(name, thetas0, grads, hs)
        for r in (0, 1):
            want = _reference_run(name, thetas0[r], grads[r], hs[r])
            if not expect(got[r], f"theta of run {'AB'[r]} after each step").close_to(
                    [w for w, _ in want], mutants={
                        "the runs share memory outside their states (a global variable?): "
                        "everything a step remembers must be in the state it returns":
                            shared[r]}):
                return


def _rules(student, rng, names, defaults=()) -> None:
    for name in names:
        shapes = SHAPES + [(4,)] if name in ("momentum", "nag", "adam") else SHAPES
        for shape in shapes:
            _solo(student, rng, name, shape)
        if name in defaults:
            _solo(student, rng, name, (2, 3), defaults=True)
        _interleaved(student, rng, name)


@question("q1", points=3)
def momentum_methods(student, rng):
    _rules(student, rng, ("gd", "momentum", "nag"))


@question("q2", points=3)
def adagrad_rmsprop(student, rng):
    _rules(student, rng, ("adagrad", "rmsprop"), defaults=("adagrad", "rmsprop"))


@question("q3", points=4)
def adam_nadam(student, rng):
    _rules(student, rng, ("adam", "nadam"), defaults=("adam", "nadam"))


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


def _cost(theta, a: float, b: float) -> float:
    return float(a * theta[0] ** 2 + b * theta[1] ** 2)


def _grad(theta, a: float, b: float) -> np.ndarray:
    return np.array([2 * a * theta[0], 2 * b * theta[1]])


def _valley_runs(name, theta0, a, b, n_steps, h) -> tuple[list[float], dict[str, list]]:
    """The reference's cost history, and run_valley's own classic mistakes."""
    opt, theta, costs = _reference(name, h), np.array(theta0, float), [_cost(theta0, a, b)]
    stale, stale_costs = np.array(theta0, float), [_cost(theta0, a, b)]
    for _ in range(n_steps):
        opt.step([theta], [_grad(theta, a, b)])
        costs.append(_cost(theta, a, b))
        stale, _ = RULES[name](stale, _grad(stale, a, b), _init(name, theta0),
                               {**DEFAULTS.get(name, {}), **h}, None)
        stale_costs.append(_cost(stale, a, b))
    return costs, {"the state each step returns must be passed to the next step (here every "
                   "step started from the initial state)": stale_costs}


def _own_valley(student, name, theta0, a, b, n_steps, h) -> list:
    """run_valley computed with the student's own init, step, grad and cost functions."""
    state = student.call(f"{name}_init", theta0)
    theta, costs = theta0, [student.call("valley_cost", theta0, a, b)]
    for k in range(n_steps):
        theta, state = _call_step(student, name, theta, student.call("valley_grad", theta, a, b),
                                  state, h, k)
        costs.append(student.call("valley_cost", theta, a, b))
    return costs


def _valley_functions(student, rng) -> bool:
    """valley_cost and valley_grad at two points; whether both were right."""
    right = True
    for _ in range(2):
        a, b = float(rng.uniform(5, 40)), float(rng.uniform(0.5, 2))
        theta = rng.uniform(1, 4, size=2) * rng.choice([-1.0, 1.0], size=2)
        with check(f"valley_cost and valley_grad at theta={np.round(theta, 3)}, "
                   f"a={a:.3g}, b={b:.3g}"):
            right &= expect(student.call("valley_cost", theta, a, b), "valley_cost").close_to(
                _cost(theta, a, b), mutants={"a and b swapped": _cost(theta, b, a)})
            right &= expect(student.call("valley_grad", theta, a, b), "valley_grad").close_to(
                _grad(theta, a, b), mutants={"the factor 2 is missing: the derivative of a "
                                             "theta_1**2 is 2 a theta_1": _grad(theta, a, b) / 2})
    return right


@question("q4", points=3)
def narrow_valley(student, rng):
    valley_right = _valley_functions(student, rng)
    for name in OPTIMIZERS:
        a, b = float(rng.uniform(5, 40)), float(rng.uniform(0.5, 2))
        theta0 = rng.uniform(1, 4, size=2) * rng.choice([-1.0, 1.0], size=2)
        n_steps, h = int(rng.integers(20, 41)), _valley_hyper(name, a, rng)
        want, wrong = _valley_runs(name, theta0, a, b, n_steps, h)
        with check(f"run_valley({name!r}, theta0={np.round(theta0, 3)}, a={a:.3g}, "
                   f"b={b:.3g}, n_steps={n_steps}, {_fmt(h)})"):
            got = student.call("run_valley", name, theta0, a, b, n_steps, **h)
            if not _same(got, want):
                own = _own_valley(student, name, theta0, a, b, n_steps, h)
                if not _same(own, want) and _same(got, own):
                    off = (f"your {name}_step is off (Question {QUESTION_OF[name]})"
                           if valley_right else "your valley_grad or valley_cost is off (above)")
                    note(f"{off}; run_valley({name!r}, ...) was judged with your own functions "
                         "and is itself right")
                    want = own
            expect(got, "cost history").close_to(want, mutants=wrong)


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
BOOK = ("decay was used as Géron's number of steps s ({0}); here decay is the "
        "deep-networks notebook's rate: {1} (the same schedule with s = 1 / decay)")


def _closed_forms(rng) -> list[tuple[str, dict, np.ndarray, np.ndarray, dict]]:
    """(schedule, its arguments, expected rates, mutants) for power and exponential."""
    cases = []
    for power in (1.0, float(rng.uniform(0.3, 0.8)), float(rng.uniform(1.5, 3.0))):
        lr0, decay = float(rng.uniform(0.01, 1.0)), _log_uniform(rng, 0.02, 0.2)
        t = np.sort(rng.integers(1, int(10 / decay), size=6))
        kw = {"lr0": lr0, "decay": decay, **({} if power == 1.0 else {"power": power})}
        cases.append(("power", kw, schedules.power_schedule(lr0, t, decay, power), t, {
            BOOK.format("t / decay", "lr0 / (1 + decay * t)**power"):
                lr0 / (1 + t / decay) ** power,
            "the power was applied to decay * t only: 1 + (decay * t)**power":
                lr0 / (1 + (decay * t) ** power),
            "the power is missing": lr0 / (1 + decay * t)}))
    for _ in range(2):
        lr0, decay = float(rng.uniform(0.01, 1.0)), _log_uniform(rng, 0.02, 0.2)
        t = np.sort(rng.integers(1, int(5 / decay), size=6))
        cases.append(("exponential", {"lr0": lr0, "decay": decay},
                      schedules.exponential_schedule(lr0, t, decay), t, {
            BOOK.format("0.1**(t / decay)", "lr0 * exp(-decay * t)"): lr0 * 0.1 ** (t / decay),
            "Géron's base 0.1 with the notebook's rate: lr0 * 0.1**(decay * t); the "
            "notebook's schedule is lr0 * exp(-decay * t)": lr0 * 0.1 ** (decay * t),
            "exp(-t / decay): decay is a rate, lr0 * exp(-decay * t)": lr0 * np.exp(-t / decay)}))
    return cases


def _piecewise_cases(rng) -> list[tuple[list, list, np.ndarray]]:
    out = []
    for n in (2, 4):
        boundaries = [0] + np.cumsum(rng.integers(3, 20, size=n - 1)).tolist()
        values = rng.uniform(0.001, 0.5, size=n).tolist()
        t = np.unique(np.concatenate([[0], boundaries, np.subtract(boundaries[1:], 1),
                                      rng.integers(0, boundaries[-1] + 10, size=4)]))
        out.append((boundaries, values, t))
    return out


def _schedules(student, rng) -> None:
    for name, kw, want, t, wrong in _closed_forms(rng):
        with check(f"{name}_schedule(t={t}, {_fmt(kw)})"):
            args = [kw["lr0"], t, kw["decay"]] + ([kw["power"]] if "power" in kw else [])
            expect(student.call(f"{name}_schedule", *args), "learning rate").close_to(
                want, mutants=wrong)
    for boundaries, values, t in _piecewise_cases(rng):
        with check(f"piecewise_constant(t={t}, boundaries={boundaries}, "
                   f"values={np.round(values, 4).tolist()})"):
            expect(student.call("piecewise_constant", t, boundaries, values),
                   "learning rate").close_to(
                schedules.piecewise_constant(t, boundaries, values), mutants={
                    "at t equal to a boundary the old value was kept; the new value starts "
                    "at its boundary (searchsorted(..., side='right') - 1)":
                        np.asarray(values)[np.searchsorted(boundaries, t) - 1]})


def _schedule_at(name: str, steps: np.ndarray, kw: dict) -> np.ndarray:
    if name == "piecewise":
        return schedules.piecewise_constant(steps, **kw)
    return {"power": schedules.power_schedule,
            "exponential": schedules.exponential_schedule}[name](step=steps, **kw)


def _per_step(student, rng) -> None:
    boundaries, values, _ = _piecewise_cases(rng)[0]
    decay = _log_uniform(rng, 0.005, 0.05)
    cases = [("power", {"lr0": float(rng.uniform(0.01, 1.0)), "decay": decay,
                        "power": float(rng.uniform(0.5, 2.0))}),
             ("exponential", {"lr0": float(rng.uniform(0.01, 1.0)), "decay": decay}),
             ("piecewise", {"boundaries": boundaries, "values": values})]
    for name, kw in cases:
        epochs, per_epoch = int(rng.integers(3, 6)), int(rng.integers(4, 9))
        steps = np.arange(epochs * per_epoch)
        want = _schedule_at(name, steps, kw)
        wrong = {
            "the schedule was stepped once per epoch (t = the epoch number) where the text "
            "asks for one step per update (t = 0, 1, ..., epochs * steps_per_epoch - 1)":
                np.repeat(_schedule_at(name, np.arange(epochs), kw), per_epoch),
            "the rate was updated once per epoch only (constant within each epoch); the "
            "schedule changes at every update": np.repeat(want[::per_epoch], per_epoch)}
        with check(f"lr_per_step({name!r}, epochs={epochs}, steps_per_epoch={per_epoch}, "
                   f"{_fmt(kw) if name != 'piecewise' else 'boundaries, values'}): the rate of "
                   "each update, stepped per update"):
            got = student.call("lr_per_step", name, epochs, per_epoch, **kw)
            if not _same(got, want):
                fn = "piecewise_constant" if name == "piecewise" else f"{name}_schedule"
                own = student.call(fn, t=steps, **kw)
                if _same(got, own):
                    note(f"lr_per_step({name!r}, ...) was judged with your own {fn}, which "
                         "this question finds wrong above; lr_per_step itself is right")
                    want = own
            expect(got, "learning rates").close_to(want, mutants=wrong)


@question("q5", points=3)
def learning_rate_schedules(student, rng):
    _schedules(student, rng)
    _per_step(student, rng)
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
                expect(got, "learning rates returned by update").close_to(expected, mutants={
                    m: _plateau(losses, lr0, patience, factor, min_lr, **kw)
                    for m, kw in PLATEAU_MUTANTS.items()})


# ---------------------------------------------------------------------------
# q6: gradient clipping


def _global_norm(grads) -> float:
    return float(np.sqrt(sum(np.sum(g * g) for g in grads)))


def _clip_mutants(grads, max_norm) -> dict[str, list]:
    norm = _global_norm(grads)
    return {
        "each array was rescaled by its own norm, not by the global norm of all the arrays":
            [optim.clip_by_norm(g, max_norm) for g in grads],
        "rescaled although the global norm was already below max_norm":
            [g * max_norm / (norm + 1e-6) for g in grads],
        "the 1e-6 of torch's formula max_norm / (norm + 1e-6) is missing":
            [g * min(1.0, max_norm / norm) for g in grads],
        "the global norm is sqrt(sum_k ||g_k||^2), not the sum of the arrays' norms":
            [g * min(1.0, max_norm / (sum(np.linalg.norm(g) for g in grads) + 1e-6))
             for g in grads],
        "the arrays were divided by the norm but not multiplied by max_norm":
            [g / (norm + 1e-6) for g in grads]}


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


def _shapes(grads) -> str:
    return ", ".join(str(g.shape) for g in grads)


def _expect_clipped(student, grads, max_norm) -> None:
    expect(student.call("clip_by_norm", grads, max_norm), "clipped gradients").each_close_to(
        optim.clip_by_norm(grads, max_norm), mutants=_clip_mutants(grads, max_norm))


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
                optim.clip_by_value(grads, c), mutants={
                    "only the upper side was clipped: components below -c must become -c":
                        [np.minimum(g, c) for g in grads]})
    for grads in ([LECTURE], [rng.normal(scale=2.0, size=s) for s in [(3, 2), (4,), (1, 3)]],
                  [rng.normal(scale=2.0, size=(1, 5))]):
        norm = _global_norm(grads)
        max_norm = norm * float(rng.uniform(0.2, 0.8)) if len(grads) > 1 else 1.0
        with check(f"clip_by_norm(grads of shapes {_shapes(grads)}, max_norm={max_norm:.3g}), "
                   f"global norm {norm:.3g}"):
            _expect_clipped(student, grads, max_norm)
    below = [rng.normal(size=s) for s in [(2, 2), (3,)]]
    norm = _global_norm(below)
    high, low = norm * float(rng.uniform(1.5, 3)), norm * float(rng.uniform(0.2, 0.8))
    with check(f"clip_by_norm(grads of shapes {_shapes(below)}, global norm {norm:.3g}) with "
               f"max_norm={high:.3g} (below it: unchanged) and max_norm={low:.3g} (rescaled)"):
        _expect_clipped(student, below, high)
        _expect_clipped(student, below, low)
    for u, v in [(LECTURE, optim.clip_by_value(LECTURE, 1.0)),
                 (rng.normal(size=5), rng.normal(size=5)), _parallel_pair(rng)]:
        with check(f"angle_degrees(u={np.round(u, 3)}, v={np.round(v, 3)})"):
            expect(student.call("angle_degrees", u, v), "angle").close_to(
                _angle(u, v), 0.0, 1e-5, mutants={
                    "the angle is in radians, not degrees": np.radians(_angle(u, v)),
                    "arccos of a cosine just above 1 is nan: clip the cosine to [-1, 1]":
                        np.nan})


# ---------------------------------------------------------------------------
# q7: the plot of the valley runs


def _histories(student) -> dict[str, np.ndarray]:
    """The student's own cost histories (the dict ``histories`` of Question 4)."""
    raw = student.get("histories")
    out = {}
    for name in OPTIMIZERS:
        arr, problem = as_float_array(raw.get(name) if isinstance(raw, dict) else None)
        if problem is None and arr.ndim == 1 and len(arr) > 2 and not np.all(arr == arr[0]):
            out[name] = arr  # a run of several steps, not a constant
    return out


@question("q7", points=1)
def cost_plot(student, rng):
    axes = all_axes(student.figures())
    histories = _histories(student)
    named = [ax for ax in axes if len({ln.label for ln in ax.lines} & set(OPTIMIZERS)) >= 7]
    with check("a plot with one cost curve per optimizer, each labelled with its name and "
               "each the cost history your run_valley returned (the dict histories)"):
        if not verify(bool(named), f"expected axes with {len(OPTIMIZERS)} lines labelled "
                      f"{', '.join(OPTIMIZERS)}; found {len(axes)} axes with at most "
                      f"{max((len(ax.lines) for ax in axes), default=0)} lines", "figures"):
            return
        if not verify(len(histories) == len(OPTIMIZERS), "histories should hold the cost "
                      "history of each optimizer (Question 4's run of 50 steps)", "histories"):
            return
        lines = {ln.label: ln.y for ln in named[0].lines}
        for name in OPTIMIZERS:
            expect(lines[name], f"the line labelled {name!r}").close_to(
                histories[name], mutants={"the line shows log(cost) on a linear axis; plot the "
                                          "costs themselves on a logarithmic y axis":
                                          np.log(histories[name])})
    with check("the cost plot has a logarithmic y axis, a legend and labelled axes"):
        if not named:
            fail("no cost plot was found (see the first check)")
        ax = named[0]
        verify(ax.yscale == "log", f"the y axis is {ax.yscale!r}: the text asks for a "
               "logarithmic y axis (ax.semilogy or ax.set_yscale('log'))", "figures")
        verify(bool(ax.legend), "add a legend (ax.legend())", "figures")
        verify(ax.labelled, "label both axes (the step and the cost)", "figures")
