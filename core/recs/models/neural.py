"""A TensorFlow two-tower recommender.

The customer tower reads the customer's history (a bag of products, with input dropout so it
learns to fill gaps) through two dense layers; the product tower is one learned embedding per
product. Their dot product, trained with a softmax over the whole catalogue, is the score.
Because the customer tower reads history rather than a per-customer id, it works for customers
it never saw. Scoring uses the stored weights in numpy: no TensorFlow import after training.
"""

from __future__ import annotations

import math
import os
from typing import Self

import numpy as np

from core.recs.models.base import Recommender, TrainingSet, row_normalize

TARGET_STEPS = 300


def _one_core(tf) -> None:  # noqa: ANN001 - the tensorflow module
    """TensorFlow's ops on one thread. The two-tower trains beside the numpy models (SIDE_FIT), and two
    TensorFlow threads competing with them cost more than they gave: on MovieLens-100k a fit took 7.6 s
    of CPU against 6.0 s on one thread, the same weights to the bit, and `train --models recs` 46.6 ->
    41.8 s. TensorFlow allows it only before its first op: a process that ran it already keeps its own."""
    try:
        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    except RuntimeError:
        pass


def _tensorflow():  # noqa: ANN202 - the tensorflow module
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf

    _one_core(tf)
    return tf


class TwoTower(Recommender):
    name = "two_tower"
    label = "Neural two-tower (TensorFlow)"
    summary = "A neural network that reads a customer's history and predicts the next product."
    SIDE_FIT = True

    def __init__(
        self,
        dim: int = 200,
        hidden: int = 600,
        dropout: float = 0.5,
        batch_size: int = 128,
        learning_rate: float = 1e-3,
        epochs: int | None = None,
        seed: int = 42,
    ) -> None:
        self.dim = dim
        self.hidden = hidden
        self.dropout = dropout
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.epochs = epochs
        self.seed = seed

    @classmethod
    def warm_up(cls) -> None:
        _tensorflow()

    def fit(self, data: TrainingSet) -> Self:
        tf = _tensorflow()
        self.data = data
        tf.keras.utils.set_random_seed(self.seed)
        n_items = data.n_items
        inputs = tf.keras.Input((n_items,))
        hidden = tf.keras.layers.Dense(
            self.hidden, activation="tanh", kernel_regularizer=tf.keras.regularizers.l2(1e-4)
        )(tf.keras.layers.Dropout(self.dropout)(inputs))
        user = tf.keras.layers.Dense(self.dim)(hidden)
        logits = tf.keras.layers.Dense(n_items)(user)
        model = tf.keras.Model(inputs, logits)
        optimizer = tf.keras.optimizers.Adam(self.learning_rate)

        @tf.function(reduce_retracing=True)
        def step(batch_in: tf.Tensor, batch_target: tf.Tensor) -> tf.Tensor:
            with tf.GradientTape() as tape:
                out = model(batch_in, training=True)
                loss = -tf.reduce_mean(tf.reduce_sum(tf.nn.log_softmax(out) * batch_target, axis=-1))
                loss += tf.add_n(model.losses)
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables, strict=True))
            return loss

        active = np.flatnonzero(np.diff(data.matrix.indptr) > 0)
        inputs_matrix = row_normalize(data.matrix).astype(np.float32).tocsr()
        steps_per_epoch = max(1, math.ceil(len(active) / self.batch_size))
        epochs = self.epochs or int(np.clip(math.ceil(TARGET_STEPS / steps_per_epoch), 5, 40))
        rng = np.random.default_rng(self.seed)
        for _ in range(epochs):
            order = rng.permutation(active)
            for start in range(0, len(order), self.batch_size):
                rows = order[start : start + self.batch_size]
                step(
                    tf.constant(inputs_matrix[rows].toarray()),
                    tf.constant(data.matrix[rows].toarray()),
                )
        self.weights_ = [np.asarray(w, dtype=np.float32) for w in model.get_weights()]
        self.epochs_run_ = epochs
        return self

    def score(self, users: np.ndarray) -> np.ndarray:
        return self.score_history(row_normalize(self.data.matrix[users].astype(np.float32)))

    def score_history(self, history) -> np.ndarray:  # noqa: ANN001 - a sparse or dense bag of products
        w1, b1, w2, b2, w3, b3 = self.weights_
        hidden = np.tanh(history @ w1 + b1)
        return (hidden @ w2 + b2) @ w3 + b3

    def params(self) -> dict:
        return {
            "dim": self.dim,
            "hidden": self.hidden,
            "dropout": self.dropout,
            "batch_size": self.batch_size,
            "learning_rate": self.learning_rate,
            "epochs": self.epochs,
            "seed": self.seed,
        }

    def arrays(self) -> dict[str, np.ndarray]:
        return {f"w{i}": w for i, w in enumerate(self.weights_)}

    def restore(self, arrays: dict[str, np.ndarray]) -> None:
        self.weights_ = [arrays[f"w{i}"] for i in range(len(arrays))]
