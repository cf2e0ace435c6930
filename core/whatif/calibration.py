"""What past campaigns say a contact and a discount do: fitted on campaign results instead of assumed.

For each contacted customer i (and each member of a control group), with p_i the propensity model's
chance at the send that they buy the offer in the coming period anyway:

    would buy anyway      b_i = min(scale * p_i, 0.999)
    control group         P(buys) = b_i
    contacted             P(buys) = b_i + (1 - b_i) * q_i,   q_i = sigmoid(contact + (lift + lift_p) * discount / 0.1)

`scale` corrects the propensity model to what the e-mail tool counts as a conversion; q is the
share of customers who would not have bought and do because of the message, rising with the
discount; lift_p lets each persona answer a discount differently. Normal priors (weak on scale,
contact and lift; N(0, 0.5^2) on the persona offsets, which pulls small personas to the average)
keep the fit defined when the campaigns cannot separate two effects (all at one discount, say);
intervals come from the normal approximation of the posterior at its mode.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.stats import t as student_t

from core.campaigns.contacts import Contacts
from core.errors import PersonaLensError
from core.whatif.features import Snapshot
from core.whatif.history import PurchaseHistory
from core.whatif.propensity import PropensityModel

Z95 = 1.959964
PRIORS: dict[str, tuple[float, float]] = {"log_scale": (0.0, 1.0), "contact": (-3.0, 2.0), "lift": (0.0, 1.0)}
PERSONA_SD = 0.5
MAX_BASE = 0.999
MIN_CONTACTS = 200
REPLAY_COLUMNS = (
    "campaign",
    "contacted",
    "discount",
    "actual",
    "predicted",
    "low",
    "high",
    "inside",
    "default_predicted",
    "default_inside",
)  # fewer contacts than this say too little to replace the default assumption


@dataclass(frozen=True)
class ContactSet:
    """Model input, one entry per contact: p (organic propensity at the send), treated, discount (0-0.9),
    persona (persona id or -1), converted, campaign."""

    p: np.ndarray
    treated: np.ndarray
    discount: np.ndarray
    persona: np.ndarray
    converted: np.ndarray
    campaign: np.ndarray

    def __len__(self) -> int:
        return len(self.p)

    def subset(self, mask: np.ndarray) -> ContactSet:
        return ContactSet(*(getattr(self, f)[mask] for f in self.__dataclass_fields__))


@dataclass(frozen=True)
class ResponseCalibration:
    """The fitted response model (see the module docstring), with the covariance of its parameters.

    names: log_scale, contact, lift, then lift_<persona id> for each persona seen in the contacts.
    """

    names: tuple[str, ...]
    mean: np.ndarray
    covariance: np.ndarray
    campaigns: int
    contacts: int
    discounts: tuple[float, ...]
    with_control: bool
    spread: float = 0.0  # campaign-to-campaign relative error of the buyer count beyond chance
    _persona_col: dict[int, int] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        cols = {int(n.split("_", 1)[1]): i for i, n in enumerate(self.names) if n.startswith("lift_")}
        self._persona_col.update(cols)

    @property
    def quantile(self) -> float:
        """The 95% multiplier of a campaign's sd: Student's t over the campaigns the spread was seen on,
        since a handful of campaigns pins it down only roughly."""
        return float(student_t.ppf(0.975, max(self.campaigns - 1, 2)))

    @property
    def scale(self) -> float:
        return float(np.exp(self.mean[0]))

    def predict(self, p: np.ndarray, treated: np.ndarray, discount: np.ndarray, persona: np.ndarray) -> np.ndarray:
        """P(buys) per contact."""
        return _probabilities(self.mean, self._design(p, treated, discount, persona))[0]

    def responders(
        self, p: np.ndarray, treated: np.ndarray, discount: np.ndarray, persona: np.ndarray
    ) -> tuple[float, float, float]:
        """Expected buyers, the sd from chance, and the sd from the parameters' uncertainty."""
        design = self._design(p, treated, discount, persona)
        prob, grad = _probabilities(self.mean, design)
        total = grad.sum(axis=0)
        return (
            float(prob.sum()),
            float(np.sqrt((prob * (1 - prob)).sum())),
            float(np.sqrt(total @ self.covariance @ total)),
        )

    def sd(self, responders: float, chance: float, params: float, segment_error: float) -> float:
        """The sd of a campaign's buyer count: chance, the parameters, and how much campaigns stray
        (the larger of the spread seen across past campaigns and the propensity model's group error)."""
        return float(np.sqrt(chance**2 + params**2 + (max(self.spread, segment_error) * responders) ** 2))

    def incremental_share(self, discount: float, persona: int | None = None) -> tuple[float, float, float]:
        """q (of those who would not have bought, the share who buy because of the message) at `discount`,
        with its 95% interval."""
        weights = np.zeros(len(self.mean))
        weights[1], weights[2] = 1.0, discount / 0.1
        if persona is not None and persona in self._persona_col:
            weights[self._persona_col[persona]] = discount / 0.1
        z, sd = float(weights @ self.mean), float(np.sqrt(weights @ self.covariance @ weights))
        return _sigmoid(z), _sigmoid(z - Z95 * sd), _sigmoid(z + Z95 * sd)

    def describe(self) -> str:
        levels = ", ".join(f"{d:.0%}" for d in self.discounts)
        q0, q10 = self.incremental_share(0.0)[0], self.incremental_share(0.1)[0]
        return (
            f"{self.campaigns} past campaign(s), {self.contacts:,} contacts, at discounts of {levels}: "
            f"a message alone makes {q0:.1%} of those who would not have bought buy; with 10% off, {q10:.1%}"
        )

    def _design(self, p: np.ndarray, treated: np.ndarray, discount: np.ndarray, persona: np.ndarray) -> _Design:
        cols = np.full(len(p), -1)
        for pid, col in self._persona_col.items():
            cols[persona == pid] = col
        return _Design(np.asarray(p, float), np.asarray(treated, bool), np.asarray(discount, float) / 0.1, cols)

    def to_dict(self) -> dict:
        return {
            "names": list(self.names),
            "mean": self.mean.tolist(),
            "covariance": self.covariance.tolist(),
            "campaigns": self.campaigns,
            "contacts": self.contacts,
            "discounts": list(self.discounts),
            "with_control": self.with_control,
            "spread": self.spread,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=1)

    @classmethod
    def from_dict(cls, payload: dict) -> ResponseCalibration:
        return cls(
            tuple(payload["names"]),
            np.array(payload["mean"], dtype=float),
            np.array(payload["covariance"], dtype=float),
            int(payload["campaigns"]),
            int(payload["contacts"]),
            tuple(payload["discounts"]),
            bool(payload["with_control"]),
            float(payload.get("spread", 0.0)),
        )


@dataclass(frozen=True)
class _Design:
    p: np.ndarray
    treated: np.ndarray
    d10: np.ndarray
    persona_col: np.ndarray  # column of the persona's lift offset, -1 for none


def _sigmoid(z: np.ndarray | float) -> np.ndarray | float:
    return 1.0 / (1.0 + np.exp(-z))


def _probabilities(theta: np.ndarray, x: _Design) -> tuple[np.ndarray, np.ndarray]:
    """P(buys) per contact and its gradient with respect to theta (n x k)."""
    raw = np.exp(theta[0]) * x.p
    base = np.minimum(raw, MAX_BASE)
    offsets = np.where(x.persona_col >= 0, theta[np.maximum(x.persona_col, 0)], 0.0)
    q = _sigmoid(theta[1] + (theta[2] + offsets) * x.d10)
    t = x.treated.astype(float)
    prob = base + (1 - base) * q * t
    grad = np.zeros((len(prob), len(theta)))
    grad[:, 0] = np.where(raw < MAX_BASE, raw, 0.0) * (1 - q * t)
    dz = t * (1 - base) * q * (1 - q)
    grad[:, 1] = dz
    grad[:, 2] = dz * x.d10
    rows = np.flatnonzero(x.persona_col >= 0)
    grad[rows, x.persona_col[rows]] = dz[rows] * x.d10[rows]
    return prob, grad


def fit(contacts: ContactSet, personas: tuple[int, ...] | None = None) -> ResponseCalibration:
    """The posterior mode and its normal approximation, given `contacts`."""
    if len(contacts) == 0 or not contacts.treated.any():
        raise PersonaLensError("the campaign results hold no contacted customer to learn from")
    seen = tuple(sorted(int(g) for g in np.unique(contacts.persona) if g >= 0)) if personas is None else personas
    names = ("log_scale", "contact", "lift", *(f"lift_{g}" for g in seen))
    prior_mean = np.array([PRIORS[n][0] if n in PRIORS else 0.0 for n in names])
    prior_prec = np.array([1 / PRIORS[n][1] ** 2 if n in PRIORS else 1 / PERSONA_SD**2 for n in names])
    draft = ResponseCalibration(names, prior_mean, np.diag(1 / prior_prec), 0, 0, (), False)
    design = draft._design(contacts.p, contacts.treated, contacts.discount, contacts.persona)
    y = contacts.converted.astype(float)

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        prob, grad = _probabilities(theta, design)
        prob = np.clip(prob, 1e-9, 1 - 1e-9)
        loglik = float((y * np.log(prob) + (1 - y) * np.log(1 - prob)).sum())
        score = ((y / prob - (1 - y) / (1 - prob))[:, None] * grad).sum(axis=0)
        gap = theta - prior_mean
        return -loglik + 0.5 * float((prior_prec * gap * gap).sum()), -score + prior_prec * gap

    found = minimize(objective, prior_mean, jac=True, method="L-BFGS-B")
    prob, grad = _probabilities(found.x, design)
    prob = np.clip(prob, 1e-9, 1 - 1e-9)
    information = (grad / (prob * (1 - prob))[:, None]).T @ grad + np.diag(prior_prec)  # Fisher + prior
    return ResponseCalibration(
        names,
        found.x,
        np.linalg.inv(information),
        int(len(np.unique(contacts.campaign))),
        int(contacts.treated.sum()),
        tuple(sorted({round(float(d), 3) for d in contacts.discount[contacts.treated]})),
        bool((~contacts.treated).any()),
        _spread(prob, y, contacts.campaign),
    )


def _spread(prob: np.ndarray, y: np.ndarray, campaign: np.ndarray) -> float:
    """How far a campaign's buyer count strays from the fit beyond chance, as a share of the count:
    the part of a new campaign's uncertainty that no single campaign's data can show."""
    codes = pd.factorize(campaign)[0]
    expected = np.bincount(codes, weights=prob)
    actual = np.bincount(codes, weights=y)
    chance = np.bincount(codes, weights=prob * (1 - prob))
    excess = ((actual - expected) ** 2 - chance) / np.maximum(expected, 1e-9) ** 2
    return float(np.sqrt(max(float(excess.mean()), 0.0))) if len(expected) > 1 else 0.0


def replay(contacts: ContactSet, segment_error: float = 0.0, default_lift: float = 0.25) -> pd.DataFrame:
    """Each past campaign predicted from a fit on the others, against what its contacted customers did.

    campaign, contacted, actual, predicted, low, high (95%), inside; and default_predicted (the
    uncalibrated assumption: buyers anyway, odds up `default_lift` per 10% off) with default_inside.
    """
    from core.whatif.campaign import with_discount  # the simulator's default assumption, declared there

    rows = []
    campaigns = list(dict.fromkeys(contacts.campaign.tolist()))
    personas = tuple(sorted(int(g) for g in np.unique(contacts.persona) if g >= 0))
    for name in campaigns:
        own = contacts.campaign == name
        rest = contacts.subset(~own)
        if not rest.treated.any() or not (~rest.treated).any():
            continue
        model = fit(rest, personas)
        mine = contacts.subset(own & contacts.treated)
        if not len(mine):
            continue
        mean, chance, params = model.responders(mine.p, mine.treated, mine.discount, mine.persona)
        sd = model.sd(mean, chance, params, segment_error)
        default = with_discount(mine.p, float(mine.discount.max()), default_lift)
        default_sd = float(np.sqrt((default * (1 - default)).sum() + (segment_error * default.sum()) ** 2))
        actual = int(mine.converted.sum())
        low, high = max(mean - model.quantile * sd, 0.0), mean + model.quantile * sd
        d_mean = float(default.sum())
        rows.append(
            {
                "campaign": name,
                "contacted": int(len(mine)),
                "discount": float(mine.discount.max()),
                "actual": actual,
                "predicted": round(mean, 1),
                "low": round(low, 1),
                "high": round(high, 1),
                "inside": bool(low <= actual <= high),
                "default_predicted": round(d_mean, 1),
                "default_inside": bool(d_mean - Z95 * default_sd <= actual <= d_mean + Z95 * default_sd),
            }
        )
    return pd.DataFrame(rows, columns=REPLAY_COLUMNS)


def contact_set(
    contacts: Contacts,
    history: PurchaseHistory,
    personas: np.ndarray | None,
    model: PropensityModel,
    horizon_days: int,
    progress: Callable[[float, str], None] | None = None,
) -> tuple[ContactSet, dict[str, str]]:
    """The usable contacts with each one's propensity at the send, and why other campaigns were left out.

    The propensity is what the model says from the purchases before the send, as the what-if would have.
    """
    report = progress or (lambda _f, _m: None)
    skipped = {row.campaign: row.problem for row in contacts.offers.itertuples() if row.problem}
    parts: list[dict[str, np.ndarray]] = []
    usable = contacts.usable
    for n, offer in enumerate(usable.itertuples()):
        report(n / max(len(usable), 1), f"reading campaign {offer.campaign}")
        routes = history.routes(offer.offer_kind, offer.offer_target)
        if not routes:
            skipped[offer.campaign] = f"its offer {offer.offer_target!r} is not in the purchase history"
            continue
        rows = contacts.rows[contacts.rows["campaign"] == offer.campaign]
        pos = np.searchsorted(history.customers, rows["customer_id"].astype(str).to_numpy(dtype=object))
        pos = np.minimum(pos, len(history.customers) - 1)
        known = history.customers[pos] == rows["customer_id"].astype(str).to_numpy(dtype=object)
        if not known.any():
            skipped[offer.campaign] = "none of its customers has bought anything here"
            continue
        rows, pos = rows[known], pos[known]
        snapshot = Snapshot(history, pd.Timestamp(offer.sent_at) - pd.Timedelta(seconds=1), horizon_days, personas)
        p = np.max(
            [model.predict_proba(snapshot.features(pos, np.full(len(pos), unit))) * share for unit, share in routes],
            axis=0,
        )
        parts.append(
            {
                "p": p,
                "treated": rows["treated"].to_numpy(dtype=bool),
                "discount": np.full(len(rows), float(offer.discount)),
                "persona": personas[pos] if personas is not None else np.full(len(rows), -1),
                "converted": rows["converted"].to_numpy(dtype=bool),
                "campaign": np.full(len(rows), str(offer.campaign), dtype=object),
            }
        )
    fields = ("p", "treated", "discount", "persona", "converted", "campaign")
    joined = {f: np.concatenate([part[f] for part in parts]) if parts else np.array([]) for f in fields}
    return ContactSet(**joined), skipped


@dataclass(frozen=True)
class CampaignLearning:
    """What training learned from past campaigns: the calibration (None keeps the default assumption,
    `reason` says why), the leave-one-campaign-out replay, and campaigns left out with the reason."""

    calibration: ResponseCalibration | None
    replay: pd.DataFrame
    skipped: dict[str, str]
    reason: str | None

    @property
    def replay_coverage(self) -> float | None:
        return float(self.replay["inside"].mean()) if len(self.replay) else None


def learn(
    contacts: Contacts | None,
    history: PurchaseHistory,
    personas: np.ndarray | None,
    model: PropensityModel,
    horizon_days: int,
    segment_error: float,
    progress: Callable[[float, str], None] | None = None,
) -> CampaignLearning:
    empty = pd.DataFrame(columns=REPLAY_COLUMNS)
    if contacts is None:
        return CampaignLearning(None, empty, {}, "no campaign results yet")
    found, skipped = contact_set(contacts, history, personas, model, horizon_days, progress)
    if int(found.treated.sum()) < MIN_CONTACTS:
        return CampaignLearning(
            None,
            empty,
            skipped,
            f"past campaigns hold {int(found.treated.sum())} usable contacts; {MIN_CONTACTS} are needed",
        )
    if found.treated.all():
        return CampaignLearning(
            None, empty, skipped, "no past campaign kept a control group, so what it added cannot be told apart"
        )
    return CampaignLearning(fit(found), replay(found, segment_error), skipped, None)
