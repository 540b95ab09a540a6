"""Flatten / Unflatten: shapes with and without in_size, batch axes, Sequential, errors."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import brainstate_nn as nn


def test_flatten_without_in_size_counts_axes_of_the_array():
    x = jnp.arange(2 * 3 * 4 * 5.0).reshape(2, 3, 4, 5)
    assert nn.Flatten()(x).shape == (120,)
    assert nn.Flatten(1)(x).shape == (2, 60)
    assert nn.Flatten(1, 2)(x).shape == (2, 12, 5)
    assert nn.Flatten(-2)(x).shape == (2, 3, 20)
    np.testing.assert_array_equal(nn.Flatten(1, 2)(x), np.asarray(x).reshape(2, 12, 5))


@pytest.mark.parametrize("lead", [(), (7,), (2, 3)])
def test_flatten_with_in_size_keeps_batch_axes(lead):
    f = nn.Flatten(in_size=(3, 4, 5))
    assert f.in_size == (3, 4, 5) and f.out_size == (60,)
    x = jnp.arange(np.prod((*lead, 3, 4, 5)), dtype=jnp.float32).reshape((*lead, 3, 4, 5))
    y = f(x)
    assert y.shape == (*lead, 60)
    np.testing.assert_array_equal(y, np.asarray(x).reshape((*lead, 60)))
    g = nn.Flatten(1, 2, in_size=(3, 4, 5))
    assert g.out_size == (3, 20) and g(x).shape == (*lead, 3, 20)
    h = nn.Flatten(0, -2, in_size=(3, 4, 5))
    assert h.out_size == (12, 5) and h(x).shape == (*lead, 12, 5)


def test_unflatten():
    u = nn.Unflatten(-1, (4, 5), in_size=(3, 20))
    assert u.out_size == (3, 4, 5)
    x = jnp.arange(2 * 60.0).reshape(2, 3, 20)
    np.testing.assert_array_equal(u(x), np.asarray(x).reshape(2, 3, 4, 5))
    assert nn.Unflatten(0, (3, -1), in_size=(6, 2)).out_size == (3, 2, 2)
    assert nn.Unflatten(1, [2, 5])(jnp.ones((4, 10))).shape == (4, 2, 5)


def test_flatten_then_unflatten_round_trip_and_grad():
    f = nn.Flatten(in_size=(2, 3))
    u = nn.Unflatten(0, (2, 3), in_size=(6,))
    x = jax.random.normal(jax.random.key(0), (4, 2, 3))
    np.testing.assert_array_equal(u(f(x)), x)
    g = jax.grad(lambda x: jnp.sum(f(x) * jnp.arange(6.0)[None]))(x)
    np.testing.assert_array_equal(g, np.broadcast_to(np.arange(6.0).reshape(2, 3), (4, 2, 3)))


def test_in_sequential_size_flows():
    model = nn.Sequential(nn.Flatten(in_size=(2, 3, 4)), nn.Unflatten.desc(-1, (4, 6)))
    assert model.out_size == (4, 6)
    assert model(jnp.ones((5, 2, 3, 4))).shape == (5, 4, 6)
    model = nn.Sequential(nn.MaxPool2d(2, in_size=(4, 4, 3)), nn.Flatten.desc())
    assert model.out_size == (12,)
    assert model(jnp.ones((8, 4, 4, 3))).shape == (8, 12)


def test_errors_name_layer_and_shapes():
    f = nn.Flatten(in_size=(3, 4), name="flat")
    with pytest.raises(nn.ShapeError, match=r"Flatten\('flat'\).*\(\.\.\., 3, 4\).*\(2, 4, 3\)"):
        f(jnp.ones((2, 4, 3)))
    with pytest.raises(nn.ShapeError, match="product is 12"):
        nn.Unflatten(-1, (3, 4), in_size=(10,))
    with pytest.raises(nn.ShapeError, match="length 10"):
        nn.Unflatten(-1, (3, -1))(jnp.ones(10))
    with pytest.raises(nn.ShapeError, match="out of range"):
        nn.Flatten(3, in_size=(2, 3))
    with pytest.raises(nn.ShapeError, match="comes after"):
        nn.Flatten(1, 0)(jnp.ones((2, 3)))
    with pytest.raises(TypeError, match="tuple or list of ints"):
        nn.Unflatten(0, 6)  # type: ignore[arg-type]
    with pytest.raises(nn.ShapeError, match="at most one -1"):
        nn.Unflatten(0, (-1, -1))
