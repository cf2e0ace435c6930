"""BG/NBD and Gamma-Gamma: the "buy till you die" models of repeat purchasing and spend.

BG/NBD (Fader, Hardie & Lee 2005): while alive, a customer buys at rate lambda ~ Gamma(r, alpha);
after each purchase they drop out with probability p ~ Beta(a, b). Gamma-Gamma (Fader & Hardie 2013):
a customer's spend per purchase averages nu ~ Gamma(q, v), each purchase ~ Gamma(p, nu). Both are
fitted by maximum likelihood on the per-customer summary (frequency x = repeat purchases, recency t_x
and age T in days, mean repeat spend m), with scipy's L-BFGS-B on log-parameters.

Written here rather than taken from a library: `lifetimes` is archived (its authors moved to
PyMC-Marketing), and PyMC-Marketing brings PyMC and a compiler for what is four closed-form
likelihoods; scipy is already in the stack. Formulas and names follow the papers. Checked against
lifetimes 0.11.3's copy of the CDNOW sample (the papers' data set): r, alpha, a, b = 0.243, 4.413,
0.793, 2.425 here; the paper reports 0.243, 4.414, 0.793, 2.426.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from scipy.optimize import minimize
from scipy.special import betaln, gammaln, hyp2f1

PENALTY = 1e-6  # a tiny L2 pull on the log-parameters keeps the fit finite on tiny or odd samples


def _fit(loss, start: np.ndarray) -> np.ndarray:  # noqa: ANN001 - a callable of log-parameters
    result = minimize(loss, start, method="L-BFGS-B")
    return np.exp(result.x)


@dataclass(frozen=True)
class BetaGeoModel:
    """Fitted BG/NBD parameters."""

    r: float
    alpha: float
    a: float
    b: float

    @classmethod
    def fit(cls, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> BetaGeoModel:  # noqa: N803 - the paper's T
        x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))  # noqa: N806
        scale = max(float(T.max()), 1.0) / 10  # days to a unit where the start is sensible

        def loss(log_params: np.ndarray) -> float:
            r, alpha, a, b = np.exp(log_params)
            return (
                -float(_bgnbd_ll(r, alpha, a, b, x, t_x / scale, T / scale).mean()) + PENALTY * log_params @ log_params
            )

        r, alpha, a, b = _fit(loss, np.log([1.0, 1.0, 1.0, 1.0]))
        return cls(float(r), float(alpha * scale), float(a), float(b))

    def p_alive(self, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:  # noqa: N803
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        x = np.asarray(x, dtype=float)
        log_ratio = (r + x) * (np.log(alpha + np.asarray(T)) - np.log(alpha + np.asarray(t_x)))
        odds = np.where(x > 0, a / np.maximum(b + x - 1, 1e-12) * np.exp(np.minimum(log_ratio, 700)), 0.0)
        return 1.0 / (1.0 + odds)

    def expected_purchases(self, t: float, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:  # noqa: N803
        """Expected purchases in the next `t` days of each customer with history (x, t_x, T)."""
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))  # noqa: N806
        if abs(a - 1) < 1e-9:  # the closed form divides by a - 1; its limit is continuous there
            a = 1 + 1e-9
        z = t / (alpha + T + t)
        head = (a + b + x - 1) / (a - 1)
        tail = 1 - np.exp((r + x) * np.log((alpha + T) / (alpha + T + t))) * hyp2f1(r + x, b + x, a + b + x - 1, z)
        return head * tail * self.p_alive(x, t_x, T)

    def simulate(
        self,
        t: float,
        x: np.ndarray,
        t_x: np.ndarray,
        T: np.ndarray,
        draws: int,
        rng: np.random.Generator,  # noqa: N803
    ) -> np.ndarray:
        """Purchases in the next `t` days, `draws` per customer (customers x draws), from each customer's
        posterior: alive with P(alive); then rate ~ Gamma(r + x, alpha + T), dropout ~ Beta(a, b + x)."""
        x, T = np.asarray(x, dtype=float), np.asarray(T, dtype=float)  # noqa: N806
        n = len(x)
        alive = rng.random((n, draws)) < self.p_alive(x, t_x, T)[:, None]
        rate = rng.gamma(self.r + x[:, None], 1.0 / (self.alpha + T[:, None]), (n, draws))
        drop = rng.beta(self.a, self.b + x[:, None], (n, draws))
        bought = rng.poisson(rate * t)  # purchases if nobody dropped out
        last = rng.geometric(np.clip(drop, 1e-9, 1.0))  # the purchase after which the customer drops out
        return np.where(alive, np.minimum(bought, last), 0)


def _bgnbd_ll(r, alpha, a, b, x, t_x, T) -> np.ndarray:  # noqa: ANN001, N803 - the paper's names
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    a2 = betaln(a, b + x) - betaln(a, b)
    a3 = -(r + x) * np.log(alpha + T)
    with np.errstate(divide="ignore"):
        a4 = np.where(x > 0, np.log(a) - np.log(np.maximum(b + x - 1, 1e-12)) - (r + x) * np.log(alpha + t_x), -np.inf)
    return a1 + a2 + np.logaddexp(a3, a4)


@dataclass(frozen=True)
class GammaGammaModel:
    """Fitted Gamma-Gamma parameters: spend per purchase."""

    p: float
    q: float
    v: float

    @classmethod
    def fit(cls, x: np.ndarray, m: np.ndarray) -> GammaGammaModel:
        """`x`: repeat purchases (> 0 only), `m`: their mean spend (> 0)."""
        x, m = np.asarray(x, dtype=float), np.asarray(m, dtype=float)
        scale = max(float(np.median(m)), 1e-6)

        def loss(log_params: np.ndarray) -> float:
            p, q, v = np.exp(log_params)
            ms = m / scale
            ll = (
                gammaln(p * x + q) - gammaln(p * x) - gammaln(q) + q * np.log(v)
                + (p * x - 1) * np.log(ms) + p * x * np.log(x) - (p * x + q) * np.log(x * ms + v)
            )  # fmt: skip
            return -float(ll.mean()) + PENALTY * log_params @ log_params

        p, q, v = _fit(loss, np.log([1.0, 2.0, 1.0]))
        return cls(float(p), float(q), float(v * scale))

    def expected_spend(self, x: np.ndarray, m: np.ndarray, population_mean: float) -> np.ndarray:
        """Expected spend per future purchase: the customer's own mean, shrunk towards the population's."""
        p, q, v = self.p, self.q, self.v
        x, m = np.asarray(x, dtype=float), np.nan_to_num(np.asarray(m, dtype=float))
        prior = v * p / (q - 1) if q > 1 else population_mean
        weight = p * x / (p * x + q - 1) if q > 1 else np.where(x > 0, 1.0, 0.0)
        return np.where(x > 0, (1 - weight) * prior + weight * m, prior)


def save_models(folder: Path, purchases: BetaGeoModel, spend: GammaGammaModel, extra: dict) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(
        json.dumps({"bgnbd": asdict(purchases), "gamma_gamma": asdict(spend), **extra}, indent=1)
    )


def load_models(folder: Path) -> tuple[BetaGeoModel, GammaGammaModel, dict]:
    config = json.loads((folder / "config.json").read_text())
    return BetaGeoModel(**config.pop("bgnbd")), GammaGammaModel(**config.pop("gamma_gamma")), config
