"""Streaming metrics: ``Average``, ``Welford``, ``Accuracy``, ``MultiMetric``.

flax-nnx style: ``metric.update(**kwargs)`` accumulates, ``metric.compute()`` reports,
``metric.reset()`` starts over. Accumulators are :class:`MetricState` objects, so
``update`` works inside :func:`brainstate_compile.jit`.

Examples:
    >>> import jax.numpy as jnp
    >>> import brainstate_compile as bc
    >>> import brainstate_nn as nn
    >>> metrics = nn.metrics.MultiMetric(accuracy=nn.metrics.Accuracy(),
    ...                                  loss=nn.metrics.Average())
    >>> @bc.jit
    ... def eval_step(logits, labels, loss):
    ...     metrics.update(logits=logits, labels=labels, values=loss)
    >>> eval_step(jnp.array([[2.0, 1.0], [0.0, 3.0]]), jnp.array([0, 0]), jnp.array(0.25))
    >>> {k: float(v) for k, v in metrics.compute().items()}
    {'accuracy': 0.5, 'loss': 0.25}
"""

from brainstate_core.extend import set_public_module as _set_public_module

from ._src.metrics import (
    Accuracy as Accuracy,
    Average as Average,
    Metric as Metric,
    MetricError as MetricError,
    MetricState as MetricState,
    MultiMetric as MultiMetric,
    Statistics as Statistics,
    Welford as Welford,
)

__all__ = [
    "Metric",
    "MetricState",
    "MetricError",
    "Statistics",
    "Average",
    "Welford",
    "Accuracy",
    "MultiMetric",
]

_set_public_module(globals(), __all__, __name__)
