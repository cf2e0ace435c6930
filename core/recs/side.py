"""Fits of the models that train apart (Recommender.SIDE_FIT: the TensorFlow two-tower), planned as
soon as the pairs they learn from are known.

A training run fits the two-tower four times (tuning and measuring for the evaluation, then tuning
and serving on every customer), and each of those fits depends only on its pairs, never on another
model's knobs. Planned together at the start of the run, they train back to back in a worker process
while the numpy models tune on the other core; fitted when each stage reached them, a stage waited for
its two-tower (MovieLens-100k: 4-5 s, twice). A planned fit's training set is built on SideFits' thread
and used only if it equals the stage's (the fingerprint); otherwise the stage's set is fitted. The
worker is a process, not a thread, so the two-tower's Python-heavy training loop does not share the
interpreter lock with the numpy models, and TensorFlow is never imported by the run's own process.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
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


class _Worker:
    """A process of its own for the fits, started at once so its imports (TensorFlow: several seconds)
    overlap the run's first steps. A thread beside the numpy models shared their interpreter lock:
    the two-tower's training loop is Python-heavy (a step call and two sparse slices a batch)."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")  # the run's process has threads (DuckDB): no fork
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(child,), daemon=True, name="personalens-side")
        self._process.start()
        child.close()
        self._closed = False

    def fit(self, model: Recommender, data: TrainingSet) -> Fitted:
        """`model` fitted on `data` in the worker (one caller at a time: SideFits' thread); in this process
        if the worker died (out of memory, killed)."""
        try:
            self._conn.send((model, data))
            fitted, seconds, error = self._conn.recv()
        except (EOFError, OSError):
            if self._closed:
                return None, 0.0, "the run ended before this fit"
            return fit_timed(model, data)
        if fitted is not None:
            fitted.data = data
        return fitted, seconds, error

    def close(self) -> None:
        """Stop the worker: idle after a finished run; a fit still under way belongs to a run that failed."""
        self._closed = True
        self._process.terminate()
        self._process.join(timeout=5)
        self._conn.close()


def _serve(conn) -> None:  # noqa: ANN001 - a multiprocessing connection
    """The worker: fit what is sent until the run's process stops it (or is gone: then it exits at once,
    without the interpreter's teardown, which took 1.2-1.4 s after TensorFlow ran)."""
    from core.recs.models import REGISTRY

    for kind in REGISTRY.values():
        if kind.SIDE_FIT:
            kind.warm_up()
    while True:
        try:
            model, data = conn.recv()
        except EOFError:  # the run's process is gone
            os._exit(0)
        fitted, seconds, error = fit_timed(model, data)
        if fitted is not None:
            fitted.data = None  # the parent has the set
        try:
            conn.send((fitted, seconds, error))
        except OSError:  # the run's process is gone
            os._exit(0)


class SideFits:
    """One thread fitting SIDE_FIT models, in a worker process, in the order they were planned or asked for."""

    def __init__(self, start: bool = False) -> None:
        """`start`: start the worker now (a run that will fit SIDE_FIT models: its imports overlap the
        reading of the data); otherwise it starts with the first fit, and a run without one starts none."""
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="personalens-side")
        self._worker: _Worker | None = _Worker() if start else None
        self._planned: dict[tuple[str, str, str], Future[tuple[Fitted, str]]] = {}
        self._lock = threading.Lock()
        self._closed = False
        self.refits = 0  # stages whose set differed from the planned one (each fitted its own)

    def plan(self, stage: str, model: Recommender, build: Callable[[], TrainingSet]) -> None:
        """Fit `model` on the set `build` makes (on the side thread), for the stage named `stage`."""

        def job() -> tuple[Fitted, str]:
            data = build()
            return self._fit(model, data), fingerprint(data)

        key = _key(stage, model)
        with self._lock:
            if key not in self._planned:
                self._planned[key] = self._pool.submit(job)

    def fitted(self, stage: str, model: Recommender, data: TrainingSet) -> Fitted:
        """The stage's fit of `model` on `data`: the planned one if it learned from an equal set, else
        `model` fitted in the worker now (waited for either way)."""
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
        return self._pool.submit(self._fit, model, data).result()

    def _fit(self, model: Recommender, data: TrainingSet) -> Fitted:
        """On the side thread (the worker's one caller)."""
        with self._lock:
            if self._closed:
                return None, 0.0, "the run ended before this fit"
            if self._worker is None:
                self._worker = _Worker()
            worker = self._worker
        return worker.fit(model, data)

    def close(self) -> None:
        """Drop fits not begun yet and stop the worker (idle after a finished run; a fit still under way
        belongs to a run that failed)."""
        self._pool.shutdown(wait=False, cancel_futures=True)
        with self._lock:
            self._closed = True
            worker = self._worker
        if worker is not None:
            worker.close()


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
