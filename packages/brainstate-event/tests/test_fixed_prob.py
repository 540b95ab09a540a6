"""The FixedProb layer: connectivity, weights in a ParamState, calls under jit/grad/vmap."""

import importlib.util

import hypothesis.strategies as st
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given

import brainstate_core as bsc
import brainstate_event as be
import brainstate_graph as graph


def dense_of(fp):
    indices = np.asarray(fp.indices)
    w = np.broadcast_to(np.asarray(fp.weight.value, np.float64), indices.shape)
    dense = np.zeros((fp.n_pre, fp.n_post))
    np.add.at(dense, (np.repeat(np.arange(fp.n_pre), fp.n_conn), indices.ravel()), w.ravel())
    return dense


@given(
    n_pre=st.integers(1, 60),
    n_post=st.integers(1, 60),
    prob=st.floats(0, 1),
    multi=st.booleans(),
    seed=st.integers(0, 1000),
)
def test_connectivity(n_pre, n_post, prob, multi, seed):
    fp = be.FixedProb(n_pre, n_post, prob, 1.0, allow_multi_conn=multi, seed=seed)
    assert fp.n_conn == int(n_post * prob)
    assert fp.indices.shape == (n_pre, fp.n_conn) and fp.indices.dtype == jnp.int32
    idx = np.asarray(fp.indices)
    assert idx.size == 0 or (idx.min() >= 0 and idx.max() < n_post)
    if not multi:
        assert all(len(set(row)) == len(row) for row in idx.tolist())
    again = be.FixedProb(n_pre, n_post, prob, 1.0, allow_multi_conn=multi, seed=seed)
    np.testing.assert_array_equal(again.indices, fp.indices)


def test_seeds_differ_and_no_repeat_dense_rows():
    a = be.FixedProb(50, 100, 0.2, 1.0, seed=1)
    b = be.FixedProb(50, 100, 0.2, 1.0, seed=2)
    assert not np.array_equal(a.indices, b.indices)
    full = be.FixedProb(20, 10, 0.9, 1.0, allow_multi_conn=False, seed=0)  # argpartition path
    assert all(len(set(row)) == 9 for row in np.asarray(full.indices).tolist())


@pytest.mark.parametrize("homo", [True, False])
@pytest.mark.parametrize("kind", ["bool", "float_event", "float_value"])
def test_call_matches_dense(homo, kind):
    rng = np.random.default_rng(0)
    n_pre, n_post = 200, 80
    n_conn = int(n_post * 0.1)
    weight = 0.7 if homo else rng.normal(size=(n_pre, n_conn)).astype(np.float32)
    fp = be.FixedProb(n_pre, n_post, 0.1, weight, seed=3, float_as_event=kind != "float_value")
    active = rng.random((3, n_pre)) < 0.2
    spikes = active if kind == "bool" else active * rng.uniform(0.5, 2, active.shape)
    spikes = jnp.asarray(spikes) if kind == "bool" else jnp.asarray(spikes, jnp.float32)
    out = jax.jit(fp)(spikes)
    s = np.asarray(spikes, np.float64)
    if kind != "float_value":
        s = (s != 0).astype(np.float64)
    np.testing.assert_allclose(out, s @ dense_of(fp), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(fp(spikes[0]), s[0] @ dense_of(fp), rtol=1e-5, atol=1e-5)


def test_weight_is_a_param_state_found_by_graph_and_trainable():
    fp = be.FixedProb(30, 20, 0.2, jnp.ones((30, 4)), seed=0)
    assert isinstance(fp.weight, bsc.ParamState)
    assert list(graph.states(fp).values()) == [fp.weight]
    spikes = jnp.asarray(np.random.default_rng(1).random(30) < 0.5)
    target = jnp.arange(20.0)

    def loss(w):
        fp.weight.value = w
        return ((fp(spikes) - target) ** 2).sum()

    w0 = fp.weight.value
    g = jax.grad(loss)(w0)
    fp.weight.value = w0
    dense = jnp.asarray(dense_of(fp) != 0)  # structure only

    def ref_loss(w):
        s = spikes.astype(jnp.float32)
        dense_w = jnp.zeros((30, 20)).at[jnp.arange(30)[:, None], fp.indices].add(w)
        return ((s @ dense_w - target) ** 2).sum()

    np.testing.assert_allclose(g, jax.grad(ref_loss)(w0), rtol=1e-5, atol=1e-5)
    assert dense.any()


def test_seed_example_plain_jax_jit_of_the_node():
    fp = jax.jit(be.FixedProb(10000, 1000, 0.01, 1.0))
    spikes = jax.random.uniform(jax.random.key(0), (10000,)) < 0.01
    out = fp(spikes)
    assert out.shape == (1000,)
    assert float(out.sum()) == pytest.approx(float(spikes.sum()) * 10)


def test_vmap_and_leading_batch_dims():
    fp = be.FixedProb(40, 30, 0.2, 0.5, seed=4)
    spikes = jnp.asarray(np.random.default_rng(2).random((2, 3, 40)) < 0.3)
    batched = fp(spikes)
    assert batched.shape == (2, 3, 30)
    np.testing.assert_allclose(jax.vmap(jax.vmap(fp))(spikes), batched, rtol=1e-6)


def test_bad_input_errors_name_the_argument():
    fp = be.FixedProb(10, 5, 0.4, 1.0, seed=0)
    with pytest.raises(be.EventShapeError, match=r"spikes.*n_pre=10.*\(7,\)"):
        fp(jnp.ones(7, bool))
    with pytest.raises(be.EventShapeError, match=r"weight.*\(10, 2\).*\(10, 3\)"):
        be.FixedProb(10, 5, 0.4, jnp.ones((10, 3)))
    with pytest.raises(be.EventShapeError, match="prob"):
        be.FixedProb(10, 5, 1.5, 1.0)
    with pytest.raises(be.EventShapeError, match="in_size"):
        be.FixedProb(0, 5, 0.5, 1.0)
    assert isinstance(be.EventShapeError("x"), bsc.BrainStateError)


def test_tuple_sizes_use_the_last_entry():
    fp = be.FixedProb((4, 10), (4, 5), 0.4, 1.0, seed=0)
    assert (fp.n_pre, fp.n_post, fp.n_conn) == (10, 5, 2)


@pytest.mark.skipif(importlib.util.find_spec("brainunit") is None, reason="needs brainunit")
def test_brainunit_weights_pass_units_through():
    import brainunit as u

    fp = be.FixedProb(20, 10, 0.3, 0.5 * u.mS, seed=0)
    spikes = jnp.asarray(np.random.default_rng(0).random(20) < 0.5)
    out = fp(spikes)
    assert u.get_unit(out) == u.mS
    plain = be.FixedProb(20, 10, 0.3, 0.5, seed=0)(spikes)
    np.testing.assert_allclose(u.get_mantissa(out), plain, rtol=1e-6)
    out_jit = jax.jit(fp)(spikes)
    assert u.get_unit(out_jit) == u.mS


def test_split_and_merge_of_a_fixed_prob_layer_under_jax_jit_traces_once():
    layer = be.FixedProb(10, 5, 0.4, 1.5, seed=0)
    assert graph.graphdef(layer) == graph.graphdef(layer) == graph.graphdef(graph.clone(layer))
    traces = []

    @jax.jit
    def apply(split, spikes):
        traces.append(1)
        return graph.treefy_merge(*split)(spikes)

    spikes = jnp.arange(10) % 3 == 0
    for _ in range(3):
        out = apply(graph.treefy_split(layer), spikes)
    np.testing.assert_allclose(out, layer(spikes))
    assert len(traces) == 1


@pytest.mark.parametrize("size", [10.5, "10", (3, 0), True, ()])
def test_bad_sizes_are_named_in_the_error(size):
    with pytest.raises(be.EventShapeError, match="in_size must be a positive int"):
        be.FixedProb(size, 100, 0.1, 1.0)
    with pytest.raises(be.EventShapeError, match="out_size must be a positive int"):
        be.FixedProb(100, size, 0.1, 1.0)
