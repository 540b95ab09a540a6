"""Metrics against numpy, eager and under jit."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp

import brainstate_compile as bc
import brainstate_graph as graph
from brainstate_nn import metrics

batches = st.lists(
    hnp.arrays(
        np.float32,
        hnp.array_shapes(min_dims=0, max_dims=2, max_side=5),
        elements=st.floats(-1e3, 1e3, width=32),
    ),
    min_size=1,
    max_size=4,
)


def _maybe_jit(metric, jit):
    def update(**kw):
        metric.update(**kw)

    return bc.jit(update) if jit else update


@pytest.mark.parametrize("jit", [False, True], ids=["eager", "jit"])
@given(values=batches)
def test_average_matches_numpy(values, jit):
    avg = metrics.Average()
    update = _maybe_jit(avg, jit)
    for v in values:
        update(values=v)
    flat = np.concatenate([np.ravel(v) for v in values]).astype(np.float64)
    if flat.size:
        np.testing.assert_allclose(avg.compute(), flat.mean(), rtol=1e-4, atol=1e-2)
    else:
        assert np.isnan(avg.compute())


@pytest.mark.parametrize("jit", [False, True], ids=["eager", "jit"])
@given(values=batches)
def test_welford_matches_numpy(values, jit):
    wf = metrics.Welford()
    update = _maybe_jit(wf, jit)
    for v in values:
        update(values=v)
    flat = np.concatenate([np.ravel(v) for v in values]).astype(np.float64)
    stats = wf.compute()
    assert isinstance(stats, metrics.Statistics)
    if flat.size == 0:
        assert np.isnan(stats.standard_deviation)
        return
    np.testing.assert_allclose(stats.mean, flat.mean(), rtol=1e-4, atol=1e-2)
    np.testing.assert_allclose(stats.standard_deviation, flat.std(), rtol=1e-3, atol=1e-2)
    np.testing.assert_allclose(
        stats.standard_error_of_mean, flat.std() / np.sqrt(flat.size), rtol=1e-3, atol=1e-2
    )


def test_welford_stays_accurate_for_large_means():
    wf = metrics.Welford()
    rng = np.random.default_rng(0)
    chunks = [1e4 + rng.normal(size=100).astype(np.float32) for _ in range(20)]
    for c in chunks:
        wf.update(values=jnp.asarray(c))
    flat = np.concatenate(chunks).astype(np.float64)
    np.testing.assert_allclose(wf.compute().standard_deviation, flat.std(), rtol=1e-3)


def test_average_counts_scalars_and_ints():
    avg = metrics.Average("loss")
    avg.update(loss=1)
    avg.update(loss=2.0, other="ignored")
    avg.update(loss=jnp.array([3, 4], dtype=jnp.int32))
    assert float(avg.compute()) == 2.5
    assert int(avg.count.value) == 4


@pytest.mark.parametrize("jit", [False, True], ids=["eager", "jit"])
@given(
    n=st.integers(1, 6),
    classes=st.integers(2, 5),
    seed=st.integers(0, 1000),
)
def test_accuracy_matches_numpy(n, classes, seed, jit):
    rng = np.random.default_rng(seed)
    acc = metrics.Accuracy()
    update = _maybe_jit(acc, jit)
    logits = [rng.normal(size=(n, classes)).astype(np.float32) for _ in range(2)]
    labels = [rng.integers(0, classes, size=n).astype(np.int32) for _ in range(2)]
    for lg, lb in zip(logits, labels):
        update(logits=jnp.asarray(lg), labels=jnp.asarray(lb))
    expected = np.mean(np.concatenate([lg.argmax(-1) == lb for lg, lb in zip(logits, labels)]))
    np.testing.assert_allclose(acc.compute(), expected, rtol=1e-6)


def test_binary_accuracy_with_threshold():
    acc = metrics.Accuracy(threshold=0.5)
    acc.update(logits=jnp.array([0.2, 0.7, 0.9, 0.4]), labels=jnp.array([0, 1, 0, 1]))
    assert float(acc.compute()) == 0.5
    acc.update(logits=jnp.array([0.6]), labels=jnp.array([True]))
    assert float(acc.compute()) == pytest.approx(0.6)


@pytest.mark.parametrize("jit", [False, True], ids=["eager", "jit"])
def test_multimetric_update_compute_reset(jit):
    mm = metrics.MultiMetric(
        accuracy=metrics.Accuracy(), loss=metrics.Average(), spread=metrics.Welford("loss_vec")
    )
    update = _maybe_jit(mm, jit)
    logits = jnp.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]])
    update(logits=logits, labels=jnp.array([1, 1, 1]), values=jnp.array(2.0), loss_vec=jnp.ones(3))
    update(logits=logits, labels=jnp.array([1, 0, 1]), values=jnp.array(4.0), loss_vec=jnp.ones(3))
    out = mm.compute()
    assert set(out) == {"accuracy", "loss", "spread"}
    np.testing.assert_allclose(out["accuracy"], 5 / 6, rtol=1e-6)
    np.testing.assert_allclose(out["loss"], 3.0)
    np.testing.assert_allclose(out["spread"].standard_deviation, 0.0)
    assert mm.accuracy is mm.__dict__["accuracy"]
    mm.reset()
    assert np.isnan(mm.compute()["loss"])
    assert np.isnan(mm.compute()["accuracy"])


def test_metric_states_are_found_by_graph():
    mm = metrics.MultiMetric(acc=metrics.Accuracy(), loss=metrics.Average())
    found = graph.states(mm, metrics.MetricState)
    assert set(found) == {("acc", "total"), ("acc", "count"), ("loss", "total"), ("loss", "count")}


# -- bad input ------------------------------------------------------------------------------
def test_missing_argument_is_named():
    avg = metrics.Average("loss")
    with pytest.raises(metrics.MetricError, match=r"'loss'.*given: values"):
        avg.update(values=1.0)
    assert int(avg.count.value) == 0


@pytest.mark.parametrize(
    "logits, labels, match",
    [
        (jnp.zeros((3, 2)), jnp.zeros(3), "integer class indices"),
        (jnp.zeros(3), jnp.zeros(3, jnp.int32), "class axis"),
        (jnp.zeros((4, 2)), jnp.zeros(3, jnp.int32), "class axis"),
    ],
)
def test_accuracy_bad_input(logits, labels, match):
    acc = metrics.Accuracy()
    with pytest.raises(metrics.MetricError, match=match):
        acc.update(logits=logits, labels=labels)
    assert int(acc.count.value) == 0


def test_multimetric_failure_modifies_nothing():
    mm = metrics.MultiMetric(loss=metrics.Average(), accuracy=metrics.Accuracy())
    before = jax.tree.map(np.asarray, [s.value for s in graph.states(mm).values()])
    with pytest.raises(metrics.MetricError, match="class axis"):
        mm.update(values=jnp.ones(3), logits=jnp.zeros(3), labels=jnp.zeros(3, jnp.int32))
    after = [s.value for s in graph.states(mm).values()]
    for b, a in zip(before, after):
        np.testing.assert_array_equal(b, a)


@pytest.mark.parametrize("name", ["update", "reset", "compute", "_hidden"])
def test_multimetric_reserved_names(name):
    with pytest.raises(metrics.MetricError, match=name):
        metrics.MultiMetric(**{name: metrics.Average()})


def test_multimetric_rejects_non_metrics():
    with pytest.raises(metrics.MetricError, match="must be a Metric"):
        metrics.MultiMetric(loss=3)
