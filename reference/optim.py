"""First-order optimizers and gradient clipping.

Notation of the lecture: parameters theta, learning rate eta (``lr``), gradient
g = dJ/dtheta; plain gradient descent is theta <- theta - eta * g, which is
``SGD(lr)`` with the default ``momentum=0``.

Each optimizer reproduces the update rule of the ``torch.optim`` class of the
same name (``maximize=False``, ``foreach``/``fused`` paths aside). State is kept
per parameter in explicit lists (the style of scikit-learn's
``_stochastic_optimizers.py``), created on the first call of ``step`` with the
shapes of the parameters; ``t`` counts the steps taken. Weight decay is the L2
form of torch: g <- g + lambda * theta before the update (``weight_decay`` is
lambda; this is not AdamW's decoupled decay).

``step(params, grads)`` takes a list of float64 arrays and a list of gradients
of the same shapes, and updates the parameter arrays in place; the gradients are
not modified. Pass the parameters in the same order on every call.
"""

from collections.abc import Sequence

import numpy as np


class _Optimizer:
    """Step counter t, L2 weight decay and the loop over parameters."""

    def __init__(self, lr: float, weight_decay: float) -> None:
        if lr < 0.0:
            raise ValueError(f"lr must be >= 0, got {lr}")
        if weight_decay < 0.0:
            raise ValueError(f"weight_decay must be >= 0, got {weight_decay}")
        self.lr = lr
        self.weight_decay = weight_decay
        self.t = 0
        self.n_params: int | None = None

    def step(self, params: Sequence[np.ndarray], grads: Sequence[np.ndarray]) -> None:
        """Take one step: t <- t + 1, then update each theta in ``params`` in place."""
        if len(params) != len(grads):
            raise ValueError(f"{len(params)} parameters but {len(grads)} gradients")
        if self.n_params is None:
            self.n_params = len(params)
            self._init_state(params)
        elif len(params) != self.n_params:
            raise ValueError(f"expected {self.n_params} parameters, got {len(params)}")
        self.t += 1
        for i, (theta, g) in enumerate(zip(params, grads, strict=True)):
            g = np.asarray(g, dtype=np.float64)
            if g.shape != theta.shape:
                raise ValueError(f"parameter {i}: shape {theta.shape}, gradient {g.shape}")
            if self.weight_decay != 0.0:
                g = g + self.weight_decay * theta
            self._update(i, theta, g)

    def _init_state(self, params: Sequence[np.ndarray]) -> None:
        raise NotImplementedError

    def _update(self, i: int, theta: np.ndarray, g: np.ndarray) -> None:
        raise NotImplementedError


class SGD(_Optimizer):
    """Gradient descent with optional (Nesterov) momentum, as ``torch.optim.SGD``.

    With momentum mu, dampening d and weight decay lambda, at step t::

        g   <- g + lambda * theta
        b_1  = g                                  (first step: no dampening)
        b_t  = mu * b_{t-1} + (1 - d) * g         (t > 1)
        g   <- g + mu * b_t   if nesterov   else   b_t
        theta <- theta - eta * g

    With ``momentum=0`` this is theta <- theta - eta * g. torch's Nesterov form
    looks ahead through the buffer (g + mu * b_t) instead of evaluating the
    gradient at theta + mu * v; the two are equivalent re-parametrisations.
    """

    def __init__(
        self,
        lr: float,
        momentum: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
        dampening: float = 0.0,
    ) -> None:
        super().__init__(lr, weight_decay)
        if momentum < 0.0:
            raise ValueError(f"momentum must be >= 0, got {momentum}")
        if nesterov and (momentum <= 0.0 or dampening != 0.0):
            raise ValueError("nesterov requires momentum > 0 and dampening = 0")
        self.momentum = momentum
        self.nesterov = nesterov
        self.dampening = dampening

    def _init_state(self, params: Sequence[np.ndarray]) -> None:
        self.momentum_buffers = [np.zeros_like(p, dtype=np.float64) for p in params]

    def _update(self, i: int, theta: np.ndarray, g: np.ndarray) -> None:
        if self.momentum != 0.0:
            b = self.momentum_buffers[i]
            if self.t == 1:
                b[...] = g
            else:
                b *= self.momentum
                b += (1.0 - self.dampening) * g
            g = g + self.momentum * b if self.nesterov else b
        theta -= self.lr * g


class Adagrad(_Optimizer):
    """Adagrad (Duchi et al., 2011), as ``torch.optim.Adagrad``.

    With s_0 = ``initial_accumulator_value`` (elementwise), at step t::

        g   <- g + lambda * theta
        eta_t = eta / (1 + (t - 1) * lr_decay)
        s_t   = s_{t-1} + g**2
        theta <- theta - eta_t * g / (sqrt(s_t) + eps)

    eps is added after the square root.
    """

    def __init__(
        self,
        lr: float,
        eps: float = 1e-10,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
    ) -> None:
        super().__init__(lr, weight_decay)
        if lr_decay < 0.0 or initial_accumulator_value < 0.0 or eps < 0.0:
            raise ValueError("lr_decay, initial_accumulator_value and eps must be >= 0")
        self.eps = eps
        self.lr_decay = lr_decay
        self.initial_accumulator_value = initial_accumulator_value

    def _init_state(self, params: Sequence[np.ndarray]) -> None:
        self.sums = [
            np.full(p.shape, self.initial_accumulator_value, dtype=np.float64) for p in params
        ]

    def _update(self, i: int, theta: np.ndarray, g: np.ndarray) -> None:
        clr = self.lr / (1.0 + (self.t - 1) * self.lr_decay)
        s = self.sums[i]
        s += g * g
        theta -= clr * g / (np.sqrt(s) + self.eps)


class RMSprop(_Optimizer):
    """RMSprop (Hinton's lecture 6e), as ``torch.optim.RMSprop``.

    With decay alpha, momentum mu and v_0 = gbar_0 = b_0 = 0, at step t::

        g   <- g + lambda * theta
        v_t   = alpha * v_{t-1} + (1 - alpha) * g**2
        gbar_t = alpha * gbar_{t-1} + (1 - alpha) * g        (centered only)
        d_t   = sqrt(v_t - gbar_t**2) + eps   if centered   else   sqrt(v_t) + eps
        b_t   = mu * b_{t-1} + g / d_t;  theta <- theta - eta * b_t     (mu > 0)
        theta <- theta - eta * g / d_t                                  (mu = 0)

    eps is added after the square root. There is no bias correction, so the
    first step is eta * sign(g) / sqrt(1 - alpha) (up to eps).
    """

    def __init__(
        self,
        lr: float,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
    ) -> None:
        super().__init__(lr, weight_decay)
        if not 0.0 <= alpha <= 1.0 or momentum < 0.0 or eps < 0.0:
            raise ValueError("need 0 <= alpha <= 1, momentum >= 0 and eps >= 0")
        self.alpha = alpha
        self.eps = eps
        self.momentum = momentum
        self.centered = centered

    def _init_state(self, params: Sequence[np.ndarray]) -> None:
        self.square_avgs = [np.zeros_like(p, dtype=np.float64) for p in params]
        self.grad_avgs = [np.zeros_like(p, dtype=np.float64) for p in params]
        self.momentum_buffers = [np.zeros_like(p, dtype=np.float64) for p in params]

    def _update(self, i: int, theta: np.ndarray, g: np.ndarray) -> None:
        v = self.square_avgs[i]
        v *= self.alpha
        v += (1.0 - self.alpha) * g * g
        if self.centered:
            gbar = self.grad_avgs[i]
            gbar += (1.0 - self.alpha) * (g - gbar)
            d = np.sqrt(v - gbar * gbar) + self.eps
        else:
            d = np.sqrt(v) + self.eps
        if self.momentum > 0.0:
            b = self.momentum_buffers[i]
            b *= self.momentum
            b += g / d
            theta -= self.lr * b
        else:
            theta -= self.lr * g / d


class Adam(_Optimizer):
    """Adam (Kingma and Ba, 2015), as ``torch.optim.Adam`` (L2 weight decay, not AdamW).

    With m_0 = v_0 = 0, at step t::

        g   <- g + lambda * theta
        m_t = beta1 * m_{t-1} + (1 - beta1) * g
        v_t = beta2 * v_{t-1} + (1 - beta2) * g**2
        m_hat = m_t / (1 - beta1**t);  v_hat = v_t / (1 - beta2**t)
        vmax_t = max(vmax_{t-1}, v_t), used instead of v_t in v_hat   (amsgrad only)
        theta <- theta - eta * m_hat / (sqrt(v_hat) + eps)

    The step is subtracted (descent), and eps is added after the square root of
    the bias-corrected v_hat. The first step is eta * sign(g) up to eps.
    """

    def __init__(
        self,
        lr: float,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
    ) -> None:
        super().__init__(lr, weight_decay)
        if not all(0.0 <= beta < 1.0 for beta in betas) or eps < 0.0:
            raise ValueError("need 0 <= beta < 1 for both betas and eps >= 0")
        self.beta1, self.beta2 = betas
        self.eps = eps
        self.amsgrad = amsgrad

    def _init_state(self, params: Sequence[np.ndarray]) -> None:
        self.ms = [np.zeros_like(p, dtype=np.float64) for p in params]
        self.vs = [np.zeros_like(p, dtype=np.float64) for p in params]
        self.vmaxs = [np.zeros_like(p, dtype=np.float64) for p in params]

    def _update(self, i: int, theta: np.ndarray, g: np.ndarray) -> None:
        m, v = self.ms[i], self.vs[i]
        # m + (1 - beta1) (g - m) is beta1 m + (1 - beta1) g written as torch's lerp_.
        m += (1.0 - self.beta1) * (g - m)
        v *= self.beta2
        v += (1.0 - self.beta2) * g * g
        if self.amsgrad:
            np.maximum(self.vmaxs[i], v, out=self.vmaxs[i])
            v = self.vmaxs[i]
        step_size = self.lr / (1.0 - self.beta1**self.t)
        denom = np.sqrt(v) / (1.0 - self.beta2**self.t) ** 0.5 + self.eps
        theta -= step_size * m / denom


class NAdam(_Optimizer):
    """Adam with Nesterov momentum (Dozat, 2016), as ``torch.optim.NAdam``.

    With m_0 = v_0 = 0, momentum decay psi and the momentum schedule
    mu_t = beta1 * (1 - 0.5 * 0.96**(t * psi)), at step t::

        g   <- g + lambda * theta
        m_t = beta1 * m_{t-1} + (1 - beta1) * g
        v_t = beta2 * v_{t-1} + (1 - beta2) * g**2
        P_t = mu_1 * mu_2 * ... * mu_t
        d_t = sqrt(v_t / (1 - beta2**t)) + eps
        theta <- theta - eta * (1 - mu_t) / (1 - P_t) * g / d_t
                       - eta * mu_{t+1} / (1 - P_t * mu_{t+1}) * m_t / d_t

    Note that mu_1 is about beta1 / 2; mu_t approaches beta1 only after
    thousands of steps (psi = 4e-3 is the paper's 1/250).
    """

    def __init__(
        self,
        lr: float,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        momentum_decay: float = 4e-3,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(lr, weight_decay)
        if not all(0.0 <= beta < 1.0 for beta in betas) or eps < 0.0 or momentum_decay < 0.0:
            raise ValueError("need 0 <= beta < 1 for both betas, eps >= 0, momentum_decay >= 0")
        self.beta1, self.beta2 = betas
        self.eps = eps
        self.momentum_decay = momentum_decay

    def _init_state(self, params: Sequence[np.ndarray]) -> None:
        self.ms = [np.zeros_like(p, dtype=np.float64) for p in params]
        self.vs = [np.zeros_like(p, dtype=np.float64) for p in params]
        self.mu_products = [1.0 for _ in params]

    def _mu(self, t: int) -> float:
        return self.beta1 * (1.0 - 0.5 * 0.96 ** (t * self.momentum_decay))

    def _update(self, i: int, theta: np.ndarray, g: np.ndarray) -> None:
        mu, mu_next = self._mu(self.t), self._mu(self.t + 1)
        self.mu_products[i] *= mu
        product = self.mu_products[i]
        m, v = self.ms[i], self.vs[i]
        # m + (1 - beta1) (g - m) is beta1 m + (1 - beta1) g written as torch's lerp_.
        m += (1.0 - self.beta1) * (g - m)
        v *= self.beta2
        v += (1.0 - self.beta2) * g * g
        denom = np.sqrt(v / (1.0 - self.beta2**self.t)) + self.eps
        theta -= self.lr * (1.0 - mu) / (1.0 - product) * g / denom
        theta -= self.lr * mu_next / (1.0 - product * mu_next) * m / denom


def _as_list(grads: np.ndarray | Sequence[np.ndarray]) -> tuple[list[np.ndarray], bool]:
    """A single array becomes a one-element list; the flag says it was single."""
    if isinstance(grads, np.ndarray):
        return [np.asarray(grads, dtype=np.float64)], True
    return [np.asarray(g, dtype=np.float64) for g in grads], False


def clip_by_value(
    grads: np.ndarray | Sequence[np.ndarray], c: float
) -> np.ndarray | list[np.ndarray]:
    """Clip every gradient component to [-c, c]: g_i <- min(max(g_i, -c), c).

    ``grads`` is a list of arrays (or one array); returns a new list (or one new
    array) of the same shapes. Clipping components changes the direction of the
    gradient vector when some component exceeds c.
    """
    if c < 0.0:
        raise ValueError(f"c must be >= 0, got {c}")
    gs, single = _as_list(grads)
    clipped = [np.clip(g, -c, c) for g in gs]
    return clipped[0] if single else clipped


def clip_by_norm(
    grads: np.ndarray | Sequence[np.ndarray], max_norm: float
) -> np.ndarray | list[np.ndarray]:
    """Rescale all gradients together by their global L2 norm, as ``clip_grad_norm_``.

    norm = sqrt(sum_k ||g_k||**2) over every array of the list, then::

        g_k <- g_k * min(1, max_norm / (norm + 1e-6))

    exactly torch's formula: the 1e-6 guards against norm = 0, and it also means
    gradients with max_norm - 1e-6 < norm <= max_norm are scaled by a factor just
    below 1. The direction is kept. ``grads`` is a list of arrays (or one array);
    returns a new list (or one new array).
    """
    if max_norm < 0.0:
        raise ValueError(f"max_norm must be >= 0, got {max_norm}")
    gs, single = _as_list(grads)
    norm = np.linalg.norm([np.linalg.norm(g) for g in gs])
    coef = min(1.0, max_norm / (norm + 1e-6))
    clipped = [g * coef for g in gs]
    return clipped[0] if single else clipped
