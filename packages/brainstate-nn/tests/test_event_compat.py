"""brainstate 0.1's event-driven layer names (FixedNumConn & co., EventLinear) against
dense references."""

import brainunit as u
import jax.numpy as jnp
import numpy as np
import pytest

import brainstate_event as be
import brainstate_nn as nn


def _dense(layer):
    idx = np.asarray(layer.indices)
    w = np.broadcast_to(np.asarray(u.get_mantissa(layer.weight.value)), idx.shape)
    dense = np.zeros((layer.n_pre, layer.n_post))
    np.add.at(dense, (np.repeat(np.arange(layer.n_pre), idx.shape[1]), idx.ravel()), w.ravel())
    return dense


@pytest.mark.parametrize("n_post, k", [(100, 29), (4000, 80), (7, 7), (50, 0)])
def test_an_integer_conn_num_is_exactly_that_many_targets(n_post, k):
    layer = nn.FixedNumConn(30, n_post, conn_num=k, conn_weight=0.5, seed=1)
    assert isinstance(layer, be.FixedProb) and layer.n_conn == k


def test_0_1_s_spellings_give_the_same_layer_and_the_dense_product():
    a = nn.EventFixedProb(40, 30, 0.2, 0.5, seed=3)  # 0.1.10: conn_num, conn_weight
    b = nn.FixedNumConn(40, 30, prob=0.2, weight=0.5, seed=3)  # earlier 0.1: prob, weight
    np.testing.assert_array_equal(a.indices, b.indices)
    spikes = np.random.default_rng(0).random(40) < 0.3
    np.testing.assert_allclose(a(jnp.asarray(spikes)), spikes @ _dense(a), rtol=1e-6)
    assert nn.EventFixedNumConn is nn.FixedNumConn is nn.EventFixedProb


def test_an_initializer_gives_one_weight_per_connection_with_its_unit():
    layer = nn.FixedNumConn(20, 10, 3, nn.init.Normal(1.0, 0.1, unit=u.mS), seed=0)
    assert layer.weight.value.shape == (20, 3)
    out = layer(jnp.ones(20, bool))
    assert u.get_unit(out) == u.mS
    np.testing.assert_allclose(u.get_mantissa(out), np.ones(20) @ _dense(layer), rtol=1e-5)


def test_what_is_not_supported_is_refused_by_name():
    with pytest.raises(ValueError, match="efferent_target='pre'"):
        nn.FixedNumConn(10, 10, 2, 1.0, efferent_target="pre")
    with pytest.raises(ValueError, match="afferent_ratio"):
        nn.FixedNumConn(10, 10, 2, 1.0, afferent_ratio=0.5)
    with pytest.raises(ValueError, match="connectivity once"):
        nn.FixedNumConn(10, 10, 2, 1.0, prob=0.2)
    with pytest.raises(ValueError, match="conn_num=11"):
        nn.FixedNumConn(10, 10, 11, 1.0)


def test_event_linear_takes_an_initializer():
    layer = nn.EventLinear(4, 3, nn.init.Constant(0.25), block_size=32)
    assert isinstance(layer, be.Linear)
    x = jnp.array([1.0, 0.0, 2.0, 0.0])
    np.testing.assert_allclose(layer(x), [0.5, 0.5, 0.5])  # events: nonzero counts as 1
    dense = nn.EventLinear(4, 3, jnp.ones((4, 3)), float_as_event=False)
    np.testing.assert_allclose(dense(x), [3.0, 3.0, 3.0])
