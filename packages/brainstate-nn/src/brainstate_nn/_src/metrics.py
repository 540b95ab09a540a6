"""Streaming metrics (``Average``, ``Welford``, ``Accuracy``, ``MultiMetric``), flax-nnx style.

A metric accumulates with ``update(**kwargs)``, reports with ``compute()`` and starts over
with ``reset()``. Its accumulators are :class:`MetricState` objects, so ``update`` works
inside :func:`brainstate_compile.jit` (the States are found by tracing and written back).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp

from brainstate_core import BrainStateError, ShortTermState
from brainstate_graph import Node, states

__all__ = [
    "Accuracy",
    "Average",
    "Metric",
    "MetricError",
    "MetricState",
    "MultiMetric",
    "Statistics",
    "Welford",
]


class MetricError(BrainStateError, ValueError):
    """A metric was updated with missing or ill-shaped values.

    Usual causes: the keyword argument a metric reads is missing (``Average()`` reads
    ``values=``, ``Accuracy()`` reads ``logits=`` and ``labels=``; pass ``argname=`` to
    read another one), logits without a class axis, or labels of a float dtype. The metric
    is not modified when this error is raised.
    """


class MetricState(ShortTermState):
    """A State holding a metric's accumulator (a total, a count, a running mean)."""


class Metric(Node):
    """Base class of metrics: ``update(**kwargs)``, ``compute()`` and ``reset()``."""

    def reset(self) -> None:
        """Forget everything accumulated."""
        raise NotImplementedError(f"{type(self).__name__} must implement reset()")

    def update(self, **kwargs: Any) -> None:
        """Accumulate new values."""
        raise NotImplementedError(f"{type(self).__name__} must implement update()")

    def compute(self) -> Any:
        """The metric's value from what was accumulated."""
        raise NotImplementedError(f"{type(self).__name__} must implement compute()")


def _take(metric: Metric, kwargs: dict[str, Any], name: str) -> Any:
    if name not in kwargs:
        given = ", ".join(sorted(kwargs)) or "none"
        raise MetricError(
            f"{type(metric).__name__}.update() needs the keyword argument {name!r} "
            f"(given: {given}). Pass `{name}=...`, or construct the metric with "
            "`argname=` naming the argument it should read."
        )
    return kwargs[name]


def _as_float(values: Any) -> jax.Array:
    return jnp.asarray(values, dtype=jnp.float32)


class Average(Metric):
    """The mean of all values seen (each element of an array counts once).

    Args:
        argname: the keyword argument :meth:`update` reads (default ``values``).

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> avg = nn.metrics.Average()
        >>> avg.update(values=jnp.array([1, 2, 3, 4]))
        >>> avg.update(values=jnp.array([3, 2, 1, 0]))
        >>> float(avg.compute())
        2.0
        >>> avg.reset(); bool(jnp.isnan(avg.compute()))
        True
    """

    def __init__(self, argname: str = "values") -> None:
        self.argname = argname
        self.total = MetricState(jnp.zeros((), jnp.float32))
        self.count = MetricState(jnp.zeros((), jnp.int32))

    def reset(self) -> None:
        """Forget everything accumulated."""
        self.total.value = jnp.zeros((), jnp.float32)
        self.count.value = jnp.zeros((), jnp.int32)

    def update(self, **kwargs: Any) -> None:
        """Add ``kwargs[argname]`` (a number or an array); other arguments are ignored.

        Raises:
            MetricError: the argument ``argname`` is missing.
        """
        values = _as_float(_take(self, kwargs, self.argname))
        self.total.value = self.total.value + jnp.sum(values)
        self.count.value = self.count.value + values.size

    def compute(self) -> jax.Array:
        """The average (``nan`` before any update)."""
        return self.total.value / self.count.value


class Statistics(NamedTuple):
    """What :class:`Welford` computes (a NamedTuple, so a pytree)."""

    mean: jax.Array
    standard_error_of_mean: jax.Array
    standard_deviation: jax.Array


class Welford(Metric):
    """Streaming mean and (population) standard deviation, by Welford's algorithm.

    Batches are merged with Chan et al.'s parallel update, which stays accurate for large
    counts and large means. (brainstate 0.1's version added a State object instead of its
    value and could not run.)

    Args:
        argname: the keyword argument :meth:`update` reads (default ``values``).

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> wf = nn.metrics.Welford()
        >>> wf.update(values=jnp.array([1.0, 2.0, 3.0, 4.0]))
        >>> wf.update(values=jnp.array([3.0, 2.0, 1.0, 0.0]))
        >>> stats = wf.compute()
        >>> float(stats.mean), round(float(stats.standard_deviation), 4)
        (2.0, 1.2247)
    """

    def __init__(self, argname: str = "values") -> None:
        self.argname = argname
        self.count = MetricState(jnp.zeros((), jnp.int32))
        self.mean = MetricState(jnp.zeros((), jnp.float32))
        self.m2 = MetricState(jnp.zeros((), jnp.float32))

    def reset(self) -> None:
        """Forget everything accumulated."""
        self.count.value = jnp.zeros((), jnp.int32)
        self.mean.value = jnp.zeros((), jnp.float32)
        self.m2.value = jnp.zeros((), jnp.float32)

    def update(self, **kwargs: Any) -> None:
        """Merge the values of ``kwargs[argname]`` into the running statistics.

        Raises:
            MetricError: the argument ``argname`` is missing.
        """
        values = _as_float(_take(self, kwargs, self.argname))
        n_b = values.size
        if n_b == 0:
            return
        mean_b = jnp.mean(values)
        m2_b = jnp.sum((values - mean_b) ** 2)
        n_a = self.count.value
        n = n_a + n_b
        delta = mean_b - self.mean.value
        frac_b = jnp.float32(n_b) / n.astype(jnp.float32)
        self.mean.value = self.mean.value + delta * frac_b
        self.m2.value = self.m2.value + m2_b + delta**2 * n_a.astype(jnp.float32) * frac_b
        self.count.value = n

    def compute(self) -> Statistics:
        """Mean, standard error of the mean and standard deviation (``nan`` when empty)."""
        count = self.count.value.astype(jnp.float32)
        std = jnp.sqrt(self.m2.value / count)
        return Statistics(
            mean=self.mean.value,
            standard_error_of_mean=std / jnp.sqrt(count),
            standard_deviation=std,
        )


class Accuracy(Average):
    """The fraction of correct predictions.

    Multi-class: ``logits`` has one more (trailing, class) axis than ``labels`` and the
    prediction is its argmax. Binary: with ``threshold`` given, ``logits`` has the shape
    of ``labels`` and the prediction is ``logits > threshold``.

    Args:
        threshold: the decision threshold for binary predictions (``None``: multi-class).

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> acc = nn.metrics.Accuracy()
        >>> acc.update(logits=jnp.array([[0.1, 0.9], [0.8, 0.2]]), labels=jnp.array([1, 1]))
        >>> float(acc.compute())
        0.5
    """

    def __init__(self, threshold: float | None = None) -> None:
        super().__init__("values")
        self.threshold = threshold

    def update(self, **kwargs: Any) -> None:  # type: ignore[override]
        """Count correct predictions from ``logits=`` and integer ``labels=``.

        Other keyword arguments are ignored (so a :class:`MultiMetric` can pass them).

        Raises:
            MetricError: ``logits`` or ``labels`` missing, shapes that do not fit, or
                labels that are not integers (or booleans, for binary accuracy).
        """
        logits = jnp.asarray(_take(self, kwargs, "logits"))
        labels = jnp.asarray(_take(self, kwargs, "labels"))
        kind = labels.dtype.kind
        if self.threshold is None:
            if kind not in "iu":
                raise MetricError(
                    f"Accuracy.update(): labels must be integer class indices, got dtype "
                    f"{labels.dtype}"
                )
            if logits.ndim != labels.ndim + 1 or logits.shape[:-1] != labels.shape:
                raise MetricError(
                    f"Accuracy.update(): logits must have the labels' shape plus a class "
                    f"axis; got logits {logits.shape} and labels {labels.shape}. For binary "
                    "predictions construct Accuracy(threshold=...)."
                )
            correct = jnp.argmax(logits, axis=-1) == labels
        else:
            if kind not in "iub":
                raise MetricError(
                    f"Accuracy.update(): binary labels must be integers or booleans, got "
                    f"dtype {labels.dtype}"
                )
            if logits.shape != labels.shape:
                raise MetricError(
                    f"Accuracy.update(): with a threshold, logits and labels must have the "
                    f"same shape; got {logits.shape} and {labels.shape}"
                )
            correct = (logits > self.threshold) == labels.astype(bool)
        super().update(values=correct)


_RESERVED = frozenset({"reset", "update", "compute"})


class MultiMetric(Metric):
    """Several metrics updated, computed and reset together.

    ``update(**kwargs)`` passes all keyword arguments to every metric (each reads the ones
    it needs); ``compute()`` gives a dict by name. Each metric is also an attribute.

    Args:
        **metrics: the metrics by name.

    Raises:
        MetricError: a name that is a method name or private, or a value that is not a
            :class:`Metric`.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> metrics = nn.metrics.MultiMetric(
        ...     accuracy=nn.metrics.Accuracy(), loss=nn.metrics.Average()
        ... )
        >>> metrics.update(
        ...     logits=jnp.array([[0.1, 0.9], [0.8, 0.2]]),
        ...     labels=jnp.array([1, 0]),
        ...     values=jnp.array(0.5),
        ... )
        >>> {k: float(v) for k, v in metrics.compute().items()}
        {'accuracy': 1.0, 'loss': 0.5}
    """

    def __init__(self, **metrics: Metric) -> None:
        for name, metric in metrics.items():
            if name in _RESERVED or name.startswith("_"):
                raise MetricError(
                    f"MultiMetric: {name!r} cannot name a metric (it is a method name or "
                    "private); choose another name"
                )
            if not isinstance(metric, Metric):
                raise MetricError(
                    f"MultiMetric: {name!r} must be a Metric, got {type(metric).__name__}"
                )
        self._metric_names = tuple(metrics)
        for name, metric in metrics.items():
            setattr(self, name, metric)

    def reset(self) -> None:
        """Reset every metric."""
        for name in self._metric_names:
            getattr(self, name).reset()

    def update(self, **updates: Any) -> None:
        """Update every metric with all the keyword arguments.

        Raises:
            MetricError: a metric's argument is missing or ill-shaped; then no metric is
                modified (those updated before the failing one are put back).
        """
        held = list(states(self).values())  # pyright: ignore[reportAttributeAccessIssue]
        before = [s.value for s in held]
        try:
            for name in self._metric_names:
                getattr(self, name).update(**updates)
        except BaseException:
            for s, v in zip(held, before):
                s.value = v
            raise

    def compute(self) -> dict[str, Any]:
        """The value of every metric, by name."""
        return {name: getattr(self, name).compute() for name in self._metric_names}
