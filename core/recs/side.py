"""Fits of the models that train on a thread of their own (Recommender.SIDE_THREAD: the TensorFlow
two-tower), planned as soon as the pairs they learn from are known.

A training run fits the two-tower four times (tuning and measuring for the evaluation, then tuning
and serving on every customer), and each of those fits depends only on its pairs, never on another
model's knobs. Planned together at the start of the run, they train back to back on one thread while
the numpy models tune on the other core; fitted when each stage reached them, a stage waited for its
two-tower (MovieLens-100k: 4-5 s, twice). A planned fit builds its own training set on that thread and
is used only if that set equals the stage's (the fingerprint); otherwise the stage's set is fitted.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager

from core.errors import user_message
from core.recs.models import Recommender, TrainingSet

Fitted = tuple[Recommender | None, float, str | None]  # the model (None if it failed), seconds, why it failed


def fingerprint(data: TrainingSet) -> str:
    """What a fit learns from, as a digest: equal training sets give equal fits."""
    digest = hashlib.blake2b(digest_size=16)
    for matrix in (data.matrix, data.weights, data.recency):
        if matrix is None:
            digest.update(b"none")
            continue
        csr = matrix.tocsr()
        digest.update(repr(csr.shape).encode())
        for part in (csr.indptr, csr.indices, csr.data):
            digest.update(part.tobytes())
    digest.update(b"none" if data.user_groups is None else data.user_groups.tobytes())
    digest.update("\x00".join(data.item_text).encode())
    return digest.hexdigest()


def fit_timed(model: Recommender, data: TrainingSet) -> Fitted:
    """Fit `model`; a failure is returned as its message (one model's failure must not stop the others)."""
    started = time.perf_counter()
    try:
        model.fit(data)
    except Exception as exc:  # noqa: BLE001 - reported as this model's failure
        return None, 0.0, user_message(exc)
    return model, round(time.perf_counter() - started, 3), None


class SideFits:
    """One thread fitting SIDE_THREAD models in the order they were planned or asked for."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="personalens-side")
        self._planned: dict[tuple[str, str, str], Future[tuple[Fitted, str]]] = {}
        self._lock = threading.Lock()
        self.refits = 0  # stages whose set differed from the planned one (each fitted its own)

    def plan(self, stage: str, model: Recommender, build: Callable[[], TrainingSet]) -> None:
        """Fit `model` on the set `build` makes, on the side thread, for the stage named `stage`."""

        def job() -> tuple[Fitted, str]:
            data = build()
            return fit_timed(model, data), fingerprint(data)

        key = _key(stage, model)
        with self._lock:
            if key not in self._planned:
                self._planned[key] = self._pool.submit(job)

    def fitted(self, stage: str, model: Recommender, data: TrainingSet) -> Fitted:
        """The stage's fit of `model` on `data`: the planned one if it learned from an equal set, else
        `model` fitted on the side thread now (waited for either way)."""
        planned = self._planned.get(_key(stage, model))
        if planned is not None:
            try:
                (fitted, seconds, error), learned_from = planned.result()
            except Exception:  # noqa: BLE001 - the plan's own set could not be built: the stage's still can
                learned_from = None
            if learned_from == fingerprint(data):
                if fitted is not None:
                    fitted.data = data  # an equal set trained it; serve the stage's own
                return fitted, seconds, error
            self.refits += 1
        return self._pool.submit(fit_timed, model, data).result()

    def close(self) -> None:
        """Drop fits not begun yet (a failed run); a fit under way finishes on its thread."""
        self._pool.shutdown(wait=False, cancel_futures=True)


@contextmanager
def side_fits(side: SideFits | None) -> Iterator[SideFits]:
    """`side` for the block, or a SideFits of the block's own, closed when it ends."""
    if side is not None:
        yield side
        return
    own = SideFits()
    try:
        yield own
    finally:
        own.close()


def _key(stage: str, model: Recommender) -> tuple[str, str, str]:
    return stage, model.name, json.dumps(model.params(), sort_keys=True, default=str)
