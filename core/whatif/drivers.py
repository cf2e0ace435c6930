"""Driver what-if: what fixing a complaint is worth in stars and in happy reviewers.

"If negative mentions of topic T fell by X%": the key-driver regression (core.topics.drivers) says
how many stars a negative mention of T costs; removing X% of those mentions moves the average
rating by X% x (their share of reviews) x that cost. The share of positive (4-5 star) reviews is
projected from the same regression: a review that no longer complains gains that many stars, and
counts as positive if it then rounds to 4 or more. Both come with a 95% interval from the
regression's uncertainty about the cost of a mention.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from core.errors import PersonaLensError
from core.topics.drivers import DriverFit, fit_drivers


@dataclass(frozen=True)
class DriverProjection:
    topic: str
    reduction: float
    reviews: int
    negative_mentions: int
    current_rating: float
    projected_rating: float
    rating_interval: tuple[float, float]
    current_positive_share: float
    projected_positive_share: float
    share_interval: tuple[float, float]
    stars_per_mention: float

    def sentence(self) -> str:
        return (
            f"If negative mentions of {self.topic} fell by {self.reduction:.0%}, the average rating would move from "
            f"{self.current_rating:.2f} to about {self.projected_rating:.2f} stars (95% interval "
            f"{self.rating_interval[0]:.3f}-{self.rating_interval[1]:.3f}), and the share of 4-5 star reviews from "
            f"{self.current_positive_share:.1%} to about {self.projected_positive_share:.1%}."
        )


def project_fix(frame, labels: dict[int, str], topic_id: int, reduction: float) -> DriverProjection:  # noqa: ANN001
    """Project the effect of `reduction` (0-1) fewer negative mentions of `topic_id`.

    `frame` is core.topics.drivers.review_matrix's output; labels: topic id -> label.
    """
    if not 0 <= reduction <= 1:
        raise PersonaLensError("the reduction is a share between 0 and 1 (e.g. 0.5 for half as many)")
    fit = fit_drivers(frame, labels)
    if fit is None:
        raise PersonaLensError("key drivers need rated reviews with sentiment and topics: train both first")
    column = _column(fit, topic_id, labels)
    n = len(fit.stars)
    mentions = fit.design[:, column]
    share_mentioning = mentions.mean()
    coef, se = fit.coef[column], float(np.sqrt(max(fit.covariance[column, column], 0.0)))
    delta = -reduction * share_mentioning * coef
    t = stats.t.ppf(0.975, fit.dof)
    half = t * reduction * share_mentioning * se
    current = float(fit.stars.mean())
    share_now = float((fit.stars >= 3.5).mean())
    mentioned = mentions > 0
    share_delta = _share_change(fit.stars, mentioned, coef, reduction)
    ends = sorted(_share_change(fit.stars, mentioned, c, reduction) for c in (coef - t * se, coef + t * se))
    return DriverProjection(
        topic=labels[topic_id],
        reduction=reduction,
        reviews=n,
        negative_mentions=int(mentions.sum()),
        current_rating=round(current, 3),
        projected_rating=round(float(current + delta), 3),
        rating_interval=(round(float(current + delta - half), 3), round(float(current + delta + half), 3)),
        current_positive_share=round(share_now, 4),
        projected_positive_share=round(share_now + share_delta, 4),
        share_interval=(round(share_now + ends[0], 4), round(share_now + ends[1], 4)),
        stars_per_mention=round(float(coef), 3),
    )


def fixable_topics(frame, labels: dict[int, str]) -> dict[int, str]:  # noqa: ANN001
    """Topics with enough negative mentions to project a fix, worst first."""
    fit = fit_drivers(frame, labels)
    if fit is None:
        return {}
    negative = [(fit.coef[j], t) for j, (t, tone, _) in enumerate(fit.names, start=1) if tone == "negative"]
    return {t: labels[t] for _, t in sorted(negative)}


def _column(fit: DriverFit, topic_id: int, labels: dict[int, str]) -> int:
    for j, (t, tone, _) in enumerate(fit.names, start=1):
        if t == topic_id and tone == "negative":
            return j
    raise PersonaLensError(
        f"too few negative mentions of {labels.get(topic_id, topic_id)!r} to say what fixing it is worth"
    )


def _share_change(stars: np.ndarray, mentioned: np.ndarray, coef: float, reduction: float) -> float:
    """Change in the share of 4-5 star reviews when `reduction` of the mentioning reviews gain -coef stars."""
    now = stars[mentioned] >= 3.5
    after = stars[mentioned] - coef >= 3.5
    return float(reduction * (after.sum() - now.sum()) / len(stars))


def fix_curve(frame, labels: dict[int, str], topic_id: int, steps: int = 5):  # noqa: ANN001, ANN201
    """reduction, rating, low, high: the projected average rating from 0% to 100% fewer complaints."""
    import pandas as pd

    rows = []
    for reduction in np.linspace(0, 1, steps):
        p = project_fix(frame, labels, topic_id, float(reduction))
        rows.append((float(reduction), p.projected_rating, *p.rating_interval))
    return pd.DataFrame(rows, columns=["reduction", "rating", "low", "high"])
