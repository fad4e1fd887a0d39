"""Answers that classic optimizer mistakes give, one explicit-state step at a time.

The course writes an optimizer as a step function on an explicit state: ``state`` is a
dict with the step counter ``"t"`` and what the optimizer remembers, in PyTorch's
quantities (``"b"``: the momentum buffer; ``"s"``: AdaGrad's sum or RMSProp's average of
g**2; ``"m"``, ``"v"``: Adam's averages, without bias correction; ``"mu_product"``: NAdam's
product of momentum coefficients). Hyper-parameters are named as in the course
(``lr, momentum, beta, beta1, beta2, eps, momentum_decay``)::

    runs = mutants.optimizer_runs("adam", theta0, grads, hypers)    # {message: [(theta, state)]}
    theta, state = mutants.optimizer_step("adam", theta, g, state, h, "no_bias_correction")

With ``mistake=None`` a step is the update rule of the same-named ``torch.optim`` class (as
``reference.optim``), so a mutant differs from the right answer only by its mistake.
``OPTIMIZER`` maps each optimizer's mistakes to the sentence the feedback shows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import partial

import numpy as np

State = dict
Grad = np.ndarray | Callable[[np.ndarray], np.ndarray]

STATE_KEYS = {"gd": (), "momentum": ("b",), "nag": ("b",), "adagrad": ("s",), "rmsprop": ("s",),
              "adam": ("m", "v"), "nadam": ("m", "v", "mu_product")}
DEFAULTS = {"adagrad": {"eps": 1e-10}, "rmsprop": {"beta": 0.99, "eps": 1e-8},
            "adam": {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8},
            "nadam": {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "momentum_decay": 4e-3}}

_EPS = "eps inside the square root: sqrt({0} + eps) instead of sqrt({0}) + eps"
_ABS = "{0} averages |g| instead of g**2 (g * g, elementwise)"
_SQRT = "the square root is missing: the step divides by {0} + eps, not sqrt({0}) + eps"
_PRECEDENCE = ("eps was added to theta, not to the denominator: theta - lr g / sqrt({0}) + eps "
               "needs parentheses, lr g / (sqrt({0}) + eps)")
_UPHILL = "momentum with the wrong sign: theta moved up the gradient (theta + lr * b)"
_RECURSION = ("the step size was a recursion eta_t = eta_(t-1) / {0} (the deep-networks "
              "notebook's slip): it divides the learning rate again at every step; the step "
              "size is lr / {0} with the lr of the current call")
OPTIMIZER: dict[str, dict[str, str]] = {
    "gd": {"uphill": "gradient ascent: theta + lr * grad instead of theta - lr * grad"},
    "momentum": {
        "uphill": _UPHILL,
        "minus": "momentum with the wrong sign in the buffer: b = g - momentum * b instead of "
                 "b = momentum * b + g",
        "after": "the buffer was updated after the step: theta moved by the old b; update "
                 "b = mu b + g first, then step with the new b",
        "velocity": "the state holds Géron's velocity m = mu m - lr g where PyTorch's buffer "
                    "b = mu b + g belongs; the two agree only while lr stays the same",
        "dampened": "b = mu b + (1 - mu) g is the averaged (dampened) form; PyTorch's buffer "
                    "adds g itself: b = mu b + g",
        "lr_in_buffer": "the learning rate went into the buffer, b = mu b + lr g; PyTorch's "
                        "buffer is b = mu b + g and the step theta - lr b",
        "as_nesterov": "this is Nesterov's step, theta - lr (g + mu b); plain momentum steps "
                       "with the buffer itself, theta - lr b",
        "buffer_not_stored": "the new buffer b = mu b + g was not stored: the state returned "
                             "holds the old b"},
    "nag": {
        "plain": "Nesterov gradient at the wrong point: theta - lr * b is plain momentum; the "
                 "look-ahead form is theta - lr * (g + momentum * b)",
        "old_buffer": "the look-ahead used the buffer before its update: theta - lr * (g + mu "
                      "b_new), with b_new = mu b + g",
        "fresh_buffer": "the incoming buffer was ignored: b_new = mu b + g starts from the "
                        "state's b",
        "expanded_wrong": "g + mu b_new expands to (1 + mu) g + mu**2 b_old (b_new = mu b_old + "
                          "g), not (1 + mu) g + mu b_old",
        "buffer_twice": "the look-ahead added the buffer to itself, theta - lr (b + mu b); it "
                        "adds it to the gradient: theta - lr (g + mu b)",
        "uphill": _UPHILL},
    "adagrad": {"no_sum": "AdaGrad without accumulation: s = g**2 instead of s = s + g**2",
                "old_sum": "the step divided by the sum before adding this step's g**2: "
                           "update s = s + g**2 first",
                "g_not_squared": "s accumulates g instead of g**2 (g * g, elementwise)",
                "eps_inside": _EPS.format("s"),
                "recursion": _RECURSION.format("(sqrt(s) + eps)"),
                "recursion_eps_inside": _RECURSION.format("sqrt(s + eps)"),
                "no_sqrt": _SQRT.format("s"), "eps_precedence": _PRECEDENCE.format("s"),
                "root_stored": "the state holds the root sqrt(s); store the sum s itself (the "
                               "text's state, to which the next step adds g**2)"},
    "rmsprop": {
        "eps_inside": _EPS.format("s"),
        "no_one_minus": "the factor (1 - beta) is missing: s = beta * s + (1 - beta) * g**2",
        "swapped": "beta and 1 - beta swapped: s = beta * s + (1 - beta) * g**2 keeps beta of "
                   "the old average",
        "g_not_squared": "s averages g instead of g**2 (g * g, elementwise)",
        "abs_not_squared": _ABS.format("s"),
        "bias_corrected": "RMSProp has no bias correction: s itself goes under the root, not "
                          "s / (1 - beta**t)",
        "no_sqrt": _SQRT.format("s"), "eps_precedence": _PRECEDENCE.format("s"),
        "root_stored": "the state holds the root sqrt(s); store the average s itself (the "
                       "next step averages s, not its root, with g**2)"},
    "adam": {
        "no_bias_correction": "Adam without bias correction: m and v used instead of m_hat and "
                              "v_hat (the deep-networks notebook's code leaves it out, although "
                              "its text describes it)",
        "eps_inside": _EPS.format("v_hat"),
        "uphill": "the step was added while m averages +g, so Adam climbs the cost: with m "
                  "averaging +g subtract the step (or average -g and add it, as the lecture "
                  "does), not a mix of the two",
        "eps_before_correction": "eps added to sqrt(v) before the bias correction (Keras's and "
                                 "the paper's 'efficient' form) where PyTorch's "
                                 "sqrt(v_hat) + eps is asked",
        "t_before_increment": "the bias correction used t before its increment: the first step "
                              "has t = 1 (with t = 0, 1 - beta**0 = 0)",
        "t_stuck": "the step counter t is not incremented: every step was corrected as the "
                   "first",
        "hats_stored": "the state holds m_hat and v_hat; store m and v themselves (the "
                       "correction is recomputed from them at every step)",
        "recursion": _RECURSION.format("(sqrt(v_hat) + eps)"),
        "m_uncorrected": "only v was bias-corrected: the step uses m_hat = m / (1 - beta1**t) "
                         "too",
        "m_beta2": "m was averaged with beta2: m = beta1 m + (1 - beta1) g (beta2 is v's)",
        "v_beta1": "v was bias-corrected with beta1: v_hat = v / (1 - beta2**t)",
        "v_one_minus_beta1": "v was updated with 1 - beta1: v = beta2 v + (1 - beta2) g**2",
        "abs_not_squared": _ABS.format("v"),
        "correction_precedence": "the bias correction is 1 - beta**t, not (1 - beta)**t: the "
                                 "power applies to beta alone",
        "default_betas": "the bias correction used the default betas, 1 - 0.9**t and "
                         "1 - 0.999**t: it is 1 - beta1**t and 1 - beta2**t with the betas "
                         "given",
        "amsgrad": "v kept its running maximum, max(v, beta2 v + (1 - beta2) g**2) (AMSGrad): "
                   "Adam's v is the moving average itself, and may shrink"},
    "nadam": {"constant_mu": "NAdam without the momentum schedule: mu_t = beta1 at every step",
              "eps_inside": _EPS.format("v_hat"),
              "mu_t_ahead": "the momentum term used mu_t and P_t where it looks one step ahead: "
                            "mu_{t+1} / (1 - P_t mu_{t+1})",
              "mu_t_both": "the momentum term used mu_t, mu_t / (1 - P_t mu_t), where it looks "
                           "one step ahead: mu_{t+1} / (1 - P_t mu_{t+1})",
              "ahead_old_product": "the momentum term divided by 1 - P_t where it looks one "
                                   "step ahead: mu_{t+1} / (1 - P_t mu_{t+1})",
              "schedule_behind": "the momentum schedule ran one step behind: mu_t and "
                                 "mu_{t+1} were computed from the counter before its "
                                 "increment; step t uses t = state['t'] + 1",
              "no_half": "mu_t = beta1 (1 - 0.5 * 0.96**(t psi)): the factor 0.5 is missing",
              "ahead_precedence": "mu_{t+1} needs parentheses: 0.96**((t + 1) psi), not "
                                  "0.96**(t + 1 psi)",
              "product_not_stored": "the state kept the old product: store P_t = P_(t-1) "
                                    "mu_t, which the next step multiplies by mu_(t+1)",
              "as_adam": "NAdam computed as Adam, without the Nesterov look-ahead",
              "v_uncorrected": "v was not bias-corrected: the denominator is "
                               "sqrt(v / (1 - beta2**t)) + eps",
              "next_product": "the state stores the product P_(t+1) of the look-ahead; it "
                              "holds P_t = mu_1 ... mu_t, the product up to this step",
              "precedence": "mu_t = beta1 (1 - 0.5 * 0.96**(t psi)): the power is t psi, not "
                            "0.96**t times psi",
              "adam_correction": "Adam's bias correction 1 - beta1**t where NAdam divides by "
                                 "1 - P_t and 1 - P_t mu_(t+1), the products of the momentum "
                                 "coefficients",
              "now_ahead_product": "the gradient term divided by 1 - P_t mu_(t+1), the "
                                   "look-ahead's product; the gradient term is this step's, "
                                   "(1 - mu_t) / (1 - P_t)",
              "m_decayed_by_mu": "m was decayed by the momentum coefficient mu_t: the average "
                                 "is m = beta1 m + (1 - beta1) g; mu_t weighs only the step",
              "blog_form": "the blog form of NAdam, beta1 m_hat + (1 - beta1) g / (1 - "
                           "beta1**t) with a constant beta1; the text asks for "
                           "torch.optim.NAdam, with the momentum schedule mu_t and its "
                           "products P_t"},
}


def init_state(name: str, theta: np.ndarray) -> State:
    """The state before the first step: t = 0, zeros (and a product of 1)."""
    zeros = np.zeros_like(theta, dtype=float)
    return {"t": 0, **{k: 1.0 if k == "mu_product" else zeros for k in STATE_KEYS[name]}}


def optimizer_step(name: str, theta: np.ndarray, grad: np.ndarray, state: State, hyper: dict,
                   mistake: str | None = None) -> tuple[np.ndarray, State]:
    """One step of optimizer ``name`` with one mistake of :data:`OPTIMIZER` (None: none);
    ``hyper`` holds ``lr`` and the hyper-parameters that differ from their defaults."""
    if mistake is not None and mistake not in OPTIMIZER[name]:
        raise ValueError(f"unknown mistake {mistake!r} of {name}; known: "
                         f"{', '.join(OPTIMIZER[name])}")
    h = {**DEFAULTS.get(name, {}), **hyper}
    with np.errstate(all="ignore"):
        if (name, mistake) == ("nadam", "as_adam"):
            theta, new = _RULES["adam"](theta, grad, state, h, None)
            new["mu_product"] = state["mu_product"]
        else:
            theta, new = _RULES[name](theta, grad, state, h, mistake)
    return theta, {**new, "t": state["t"] + (mistake != "t_stuck")}


def optimizer_runs(name: str, theta0: np.ndarray, grads: Sequence[Grad],
                   hypers: Sequence[dict], mistakes: Iterable[str] | None = None
                   ) -> dict[str, list[tuple[np.ndarray, State]]]:
    """``{message: [(theta, state) after each step]}`` for each mistake (default: all of the
    optimizer's); ``grads[k]`` is the gradient of step k, or a function of theta."""
    runs = {}
    for key in OPTIMIZER[name] if mistakes is None else mistakes:
        theta, state, out = np.array(theta0, dtype=float), init_state(name, theta0), []
        for grad, h in zip(grads, hypers, strict=True):
            g = grad(theta) if callable(grad) else grad
            theta, state = optimizer_step(name, theta, g, state, h, key)
            out.append((theta, state))
        runs[OPTIMIZER[name][key]] = out
    return runs


def _root(s, eps, mistake):
    inside = mistake in ("eps_inside", "recursion_eps_inside")
    return np.sqrt(s + eps) if inside else np.sqrt(s) + eps


def _gd(theta, g, st, h, mistake):
    return theta + (1 if mistake == "uphill" else -1) * h["lr"] * g, {}


def _momentum(theta, g, st, h, mistake, nesterov=False):
    lr, mu, b_old = h["lr"], h["momentum"], st["b"]
    if mistake == "velocity":  # Géron's m = mu m - lr g stored where b belongs
        m = mu * b_old - lr * g
        return theta + m, {"b": m}
    if mistake == "lr_in_buffer":
        b = mu * b_old + lr * g
        return theta - b, {"b": b}
    if mistake == "fresh_buffer":
        b_old = np.zeros_like(b_old)
    b = {"minus": g - mu * b_old, "dampened": mu * b_old + (1 - mu) * g}.get(
        mistake, mu * b_old + g)
    direction = b_old if mistake == "after" else b
    if (nesterov and mistake != "plain") or mistake == "as_nesterov":
        direction = (b if mistake == "buffer_twice" else g) + mu * (
            b_old if mistake == "old_buffer" else b)
    if mistake == "expanded_wrong":
        direction = (1 + mu) * g + mu * b_old
    kept = b_old if mistake == "buffer_not_stored" else b
    return theta + (1 if mistake == "uphill" else -1) * lr * direction, {"b": kept}


def _adaptive(theta, g, st, h, mistake, name):
    """AdaGrad (s = s + g**2) or RMSProp (s = beta s + (1 - beta) g**2)."""
    g2 = {"g_not_squared": g, "abs_not_squared": np.abs(g)}.get(mistake, g * g)
    if name == "adagrad":
        s = g2 if mistake == "no_sum" else st["s"] + g2
        if mistake == "old_sum":
            return theta - h["lr"] * g / _root(st["s"], h["eps"], None), {"s": s}
    else:
        old, new = {"swapped": (1 - h["beta"], h["beta"]),
                    "no_one_minus": (h["beta"], 1.0)}.get(mistake, (h["beta"], 1 - h["beta"]))
        s = old * st["s"] + new * g2
    shown = s / (1 - h.get("beta", 0) ** (st["t"] + 1)) if mistake == "bias_corrected" else s
    if mistake in ("recursion", "recursion_eps_inside"):  # eta_t = eta_(t-1) / root
        eta = st.get("eta", h["lr"]) / _root(s, h["eps"], mistake)
        return theta - eta * g, {"s": s, "eta": eta}
    if mistake == "no_sqrt":
        return theta - h["lr"] * g / (s + h["eps"]), {"s": s}
    if mistake == "eps_precedence":
        return theta - h["lr"] * g / np.sqrt(s) + h["eps"], {"s": s}
    return theta - h["lr"] * g / _root(shown, h["eps"], mistake), {
        "s": np.sqrt(s) if mistake == "root_stored" else s}


def _moments(g, st, h, mistake=None):
    g2 = np.abs(g) if mistake == "abs_not_squared" else g * g
    into_v = 1 - (h["beta1"] if mistake == "v_one_minus_beta1" else h["beta2"])
    b1 = h["beta2"] if mistake == "m_beta2" else h["beta1"]
    return b1 * st["m"] + (1 - b1) * g, h["beta2"] * st["v"] + into_v * g2


def _adam(theta, g, st, h, mistake):
    t = {"t_before_increment": st["t"], "t_stuck": 1}.get(mistake, st["t"] + 1)
    m, v = _moments(g, st, h, mistake)
    if mistake == "amsgrad":
        v = np.maximum(st["v"], v)
    c1, eps = 1 - h["beta1"] ** t, h["eps"]
    c2 = c1 if mistake == "v_beta1" else 1 - h["beta2"] ** t
    if mistake == "correction_precedence":
        c1, c2 = (1 - h["beta1"]) ** t, (1 - h["beta2"]) ** t
    if mistake == "default_betas":
        c1, c2 = 1 - DEFAULTS["adam"]["beta1"] ** t, 1 - DEFAULTS["adam"]["beta2"] ** t
    if mistake == "no_bias_correction":
        step = m / (np.sqrt(v) + eps)
    elif mistake == "m_uncorrected":
        step = m / _root(v / c2, eps, None)
    elif mistake == "eps_before_correction":
        step = m / c1 * np.sqrt(c2) / (np.sqrt(v) + eps)
    else:
        step = m / c1 / _root(v / c2, eps, mistake)
    if mistake == "recursion":  # eta_t = eta_(t-1) / (sqrt(v_hat) + eps)
        eta = st.get("eta", h["lr"]) / _root(v / c2, eps, None)
        return theta - eta * m / c1, {"m": m, "v": v, "eta": eta}
    if mistake == "hats_stored":
        m, v = m / c1, v / c2
    return theta + (1 if mistake == "uphill" else -1) * h["lr"] * step, {"m": m, "v": v}


def _nadam(theta, g, st, h, mistake):
    t, b1, psi = st["t"] + 1, h["beta1"], h["momentum_decay"]

    def mu(k):
        k -= mistake == "schedule_behind"
        if mistake == "precedence":
            return b1 * (1 - 0.5 * 0.96 ** k * psi)
        if mistake == "ahead_precedence" and k == t + 1:
            return b1 * (1 - 0.5 * 0.96 ** (t + psi))
        half = 1.0 if mistake == "no_half" else 0.5
        return b1 if mistake == "constant_mu" else b1 * (1 - half * 0.96 ** (k * psi))

    product = st["mu_product"] * mu(t)
    m, v = _moments(g, st, h)
    if mistake == "blog_form":  # Dozat's NAdam as Ruder's overview writes it
        power = b1 ** t
        d = _root(v / (1 - h["beta2"] ** t), h["eps"], mistake)
        step = (b1 * m / (1 - power) + (1 - b1) * g / (1 - power)) / d
        return theta - h["lr"] * step, {"m": m, "v": v, "mu_product": power}
    if mistake == "m_decayed_by_mu":
        m = mu(t) * st["m"] + (1 - b1) * g
    d = _root(v if mistake == "v_uncorrected" else v / (1 - h["beta2"] ** t), h["eps"], mistake)
    ahead, ahead_product = {"mu_t_ahead": (mu(t), product),
                            "mu_t_both": (mu(t), product * mu(t)),
                            "ahead_old_product": (mu(t + 1), product)}.get(
                                mistake, (mu(t + 1), product * mu(t + 1)))
    now = product * mu(t + 1) if mistake == "now_ahead_product" else product
    if mistake == "adam_correction":
        now, ahead_product = b1 ** t, b1 ** (t + 1)
    theta = (theta - h["lr"] * (1 - mu(t)) / (1 - now) * g / d
             - h["lr"] * ahead / (1 - ahead_product) * m / d)
    kept = {"next_product": product * mu(t + 1), "product_not_stored": st["mu_product"]}.get(
        mistake, product)
    return theta, {"m": m, "v": v, "mu_product": kept}


_RULES: dict[str, Callable] = {
    "gd": _gd, "momentum": _momentum, "adam": _adam, "nadam": _nadam,
    "nag": partial(_momentum, nesterov=True),
    "adagrad": partial(_adaptive, name="adagrad"),
    "rmsprop": partial(_adaptive, name="rmsprop")}
