"""How much data each training step looks at, declared once, and the samples drawn within it.

A model comparison, a topic-count search or a word-vector fit gains little past some tens of
thousands of rows (the learning curves in benchmarks/RESULTS.md, scale.py), while its cost keeps
growing; so each such step draws a seeded sample of at most its budget and the final, linear and
cheap work (scoring every review, assigning every customer) still covers all rows. What was
sampled is recorded with the version (`Sample.to_dict`) and said on the Models page.

`PERSONALENS_BUDGET` overrides them: a number of rows replaces every budget, `step=rows` pairs
(comma-separated) replace those steps'; the quality benchmark sets the comparison budgets small
enough to bite on real sets, to check that sampling costs no quality.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass

import numpy as np

BUDGETS: dict[str, int] = {
    "sentiment_comparison": 20_000,  # labelled texts every candidate model is compared on
    "topic_search": 12_000,  # reviews the models x topic counts grid is fitted and scored on
    "topic_fit": 100_000,  # reviews the chosen model and topic count are then refitted on (one fit, linear)
    "persona_words": 8_000,  # customers whose reviews teach the persona word vectors
    "persona_tone": 20_000,  # reviews VADER scores for each persona's average tone
    "propensity_pairs": 120_000,  # customer x category pairs per cutoff (buyers kept, the rest sampled)
    "propensity_stored": 2_000_000,  # today's customer x unit predictions stored at training (most bought units)
    "recs_comparison": 20_000,  # customers (whole histories) the recommenders are compared and tuned on
}
SECONDS: dict[str, float] = {
    "neural_fit": 120.0,  # a TensorFlow fit stops after the batch that passes this, whatever epoch it is in
}
ENV = "PERSONALENS_BUDGET"


def budget(step: str) -> int:
    """The most rows `step` looks at (PERSONALENS_BUDGET may override it; a malformed value is ignored)."""
    for part in os.environ.get(ENV, "").split(","):
        name, _, rows = part.strip().rpartition("=")
        if name in ("", step) and rows.isdigit() and int(rows) > 0:
            return int(rows)
    return BUDGETS[step]


@dataclass(frozen=True)
class Sample:
    """Which rows a step used: `used` of `of` `what`, for `purpose` ("compared", "searched")."""

    step: str
    what: str
    used: int
    of: int
    purpose: str

    @property
    def sampled(self) -> bool:
        return self.used < self.of

    def in_words(self) -> str:
        return f"{self.purpose} on {self.used:,} of {self.of:,} {self.what}"

    def to_dict(self) -> dict:
        return asdict(self)


def sample_rows(n: int, step: str, seed: int = 42, strata: np.ndarray | None = None) -> np.ndarray:
    """Sorted row indices: all `n` rows within the step's budget, else a seeded sample of that size,
    proportional per stratum (every stratum keeps at least one row) when `strata` is given."""
    size = budget(step)
    if n <= size:
        return np.arange(n)
    rng = np.random.default_rng(seed)
    if strata is None:
        return np.sort(rng.choice(n, size=size, replace=False))
    picked = []
    values, inverse = np.unique(np.asarray(strata), return_inverse=True)
    for group in range(len(values)):
        members = np.flatnonzero(inverse == group)
        take = max(1, round(size * len(members) / n))
        picked.append(rng.choice(members, size=min(take, len(members)), replace=False))
    return np.sort(np.concatenate(picked))
