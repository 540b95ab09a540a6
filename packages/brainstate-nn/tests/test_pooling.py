"""Pooling layers against numpy loops: max/avg/Lp (VALID, SAME, explicit padding), adaptive."""

import itertools
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, strategies as st

import brainstate_nn as nn

MAX = {1: nn.MaxPool1d, 2: nn.MaxPool2d, 3: nn.MaxPool3d}
AVG = {1: nn.AvgPool1d, 2: nn.AvgPool2d, 3: nn.AvgPool3d}
LP = {1: nn.LPPool1d, 2: nn.LPPool2d, 3: nn.LPPool3d}
ADAPTIVE_AVG = {1: nn.AdaptiveAvgPool1d, 2: nn.AdaptiveAvgPool2d, 3: nn.AdaptiveAvgPool3d}
ADAPTIVE_MAX = {1: nn.AdaptiveMaxPool1d, 2: nn.AdaptiveMaxPool2d, 3: nn.AdaptiveMaxPool3d}


# -- references ----------------------------------------------------------------------------
def same_pads(size, k, s):
    """XLA's SAME padding: output ceil(size / s), the extra padding mostly at the end."""
    out = -(-size // s)
    total = max((out - 1) * s + k - size, 0)
    return total // 2, total - total // 2


def np_pool(x, kernel, stride, padding, reduce):
    """Channel-last ``x`` of shape (batch, *spatial, channels); padded cells are NaN."""
    n = x.ndim - 2
    spatial = x.shape[1:-1]
    if padding == "VALID":
        pads = [(0, 0)] * n
    elif padding == "SAME":
        pads = [same_pads(spatial[i], kernel[i], stride[i]) for i in range(n)]
    else:
        pads = padding
    xp = np.pad(x.astype(np.float64), [(0, 0), *pads, (0, 0)], constant_values=np.nan)
    outs = [(xp.shape[1 + i] - kernel[i]) // stride[i] + 1 for i in range(n)]
    y = np.empty((x.shape[0], *outs, x.shape[-1]))
    for idx in itertools.product(*(range(o) for o in outs)):
        window = xp[
            (
                slice(None),
                *tuple(slice(idx[i] * stride[i], idx[i] * stride[i] + kernel[i]) for i in range(n)),
            )
        ]
        y[(slice(None), *idx)] = reduce(window.reshape(x.shape[0], -1, x.shape[-1]))
    return y


def np_max(w):
    return np.nanmax(w, axis=1)


def np_avg(w):
    return np.nanmean(w, axis=1)  # padded cells are not counted


def np_lp(p):
    return lambda w: np.nansum(np.abs(w) ** p, axis=1) ** (1 / p)


def np_adaptive(x, target, reduce):
    """Torch's bins on each spatial axis of a channel-last (batch, *spatial, C) array."""
    for ax, n in enumerate(target, start=1):
        length = x.shape[ax]
        pieces = []
        for i in range(n):
            lo, hi = math.floor(i * length / n), math.ceil((i + 1) * length / n)
            pieces.append(reduce(np.take(x, range(lo, hi), axis=ax), axis=ax, keepdims=True))
        x = np.concatenate(pieces, axis=ax)
    return x


def rand(shape, seed=0):
    return np.asarray(jax.random.normal(jax.random.key(seed), shape), np.float32)


# -- windowed pooling -------------------------------------------------------------------------
@pytest.mark.parametrize("n", [1, 2, 3])
@pytest.mark.parametrize("kind", ["max", "avg", "lp"])
def test_window_pooling_matches_numpy(n, kind):
    spatial = (7, 6, 5)[:n]
    kernel, stride = (3, 2, 2)[:n], (2, 1, 2)[:n]
    x = rand((2, *spatial, 3))
    for padding in ["VALID", "SAME", 1]:
        if kind == "max":
            layer, ref = MAX[n](kernel, stride, padding), np_max
        elif kind == "avg":
            layer, ref = AVG[n](kernel, stride, padding), np_avg
        else:
            layer, ref = LP[n](3.0, kernel, stride, padding), np_lp(3.0)
        pads = padding if isinstance(padding, str) else [(padding, padding)] * n
        expected = np_pool(x, kernel, stride, pads, ref)
        np.testing.assert_allclose(layer(x), expected, rtol=1e-5, atol=1e-6)


@given(
    n=st.sampled_from([1, 2]),
    data=st.data(),
)
def test_window_pooling_hypothesis(n, data):
    spatial = tuple(data.draw(st.integers(1, 7)) for _ in range(n))
    kernel = tuple(data.draw(st.integers(1, 3)) for _ in range(n))
    stride = tuple(data.draw(st.integers(1, 3)) for _ in range(n))
    padding = data.draw(
        st.sampled_from(["VALID", "SAME", [(k // 2, (k - 1) // 2) for k in kernel]])
    )
    if padding == "VALID" and any(s < k for s, k in zip(spatial, kernel)):
        padding = "SAME"
    kind = data.draw(st.sampled_from(["max", "avg", "lp"]))
    x = rand((2, *spatial, 2), seed=data.draw(st.integers(0, 100)))
    cls, ref = {
        "max": (MAX[n], np_max),
        "avg": (AVG[n], np_avg),
        "lp": (LP[n], np_lp(2.0)),
    }[kind]
    layer = cls(2.0, kernel, stride, padding) if kind == "lp" else cls(kernel, stride, padding)
    np.testing.assert_allclose(
        layer(x), np_pool(x, kernel, stride, padding, ref), rtol=1e-5, atol=1e-6
    )


def test_defaults_as_brainstate_01():
    # max pooling steps by the kernel size, average pooling by 1 (brainstate 0.1's defaults)
    assert nn.MaxPool2d(3).stride == (3, 3)
    assert nn.AvgPool2d(3).stride == (1, 1)
    assert nn.LPPool1d(2, 3).stride == (3,)
    assert nn.MaxPool1d(2).padding == "VALID" and nn.MaxPool1d(2).channel_axis == -1


def test_avg_same_padding_excludes_padded_cells():
    y = nn.AvgPool2d(2, padding="SAME")(jnp.arange(9.0).reshape(3, 3, 1))
    np.testing.assert_allclose(y[..., 0], [[2.0, 3.0, 3.5], [5.0, 6.0, 6.5], [6.5, 7.5, 8.0]])


def test_lp_pool_special_cases_and_grad():
    x = rand((1, 6, 2))
    np.testing.assert_allclose(
        nn.LPPool1d(1.0, 2)(x),
        np_pool(np.abs(x), (2,), (2,), "VALID", lambda w: w.sum(1)),
        rtol=1e-5,
    )
    np.testing.assert_allclose(
        nn.LPPool1d(float("inf"), 2)(x), np_pool(np.abs(x), (2,), (2,), "VALID", np_max)
    )
    # all-zero windows: value 0 and a finite (zero) gradient
    g = jax.grad(lambda x: nn.LPPool1d(2.0, 2)(x).sum())(jnp.zeros((4, 1)))
    assert np.all(np.isfinite(g)) and np.all(g == 0)
    with pytest.raises(ValueError, match="norm_type"):
        nn.LPPool1d(0.0, 2)


def test_unbatched_batched_and_many_batch_axes():
    pool = nn.MaxPool2d(2, in_size=(6, 4, 3))
    assert pool.out_size == (3, 2, 3)
    x = rand((2, 5, 6, 4, 3))
    y = pool(x)
    assert y.shape == (2, 5, 3, 2, 3)
    np.testing.assert_array_equal(pool(x[1, 2]), y[1, 2])


def test_channel_axis():
    x = rand((2, 3, 6, 6))  # channel-first sample (3, 6, 6)
    pool = nn.AvgPool2d(2, 2, channel_axis=-3)
    expected = np_pool(np.moveaxis(x, 1, -1), (2, 2), (2, 2), "VALID", np_avg)
    np.testing.assert_allclose(pool(x), np.moveaxis(expected, -1, 1), rtol=1e-6)
    # with in_size, a non-negative channel_axis counts within one sample
    pool0 = nn.AvgPool2d(2, 2, channel_axis=0, in_size=(3, 6, 6))
    assert pool0.out_size == (3, 3, 3)
    np.testing.assert_allclose(pool0(x), pool(x), rtol=1e-6)
    np.testing.assert_allclose(pool0(x[0]), pool(x)[0], rtol=1e-6)
    # no channel axis: the last axes are pooled
    np.testing.assert_allclose(
        nn.MaxPool2d(2, channel_axis=None)(x[0, 0]),
        np_pool(x[:1, 0, :, :, None], (2, 2), (2, 2), "VALID", np_max)[0, ..., 0],
    )


def test_pooling_gradients_match_reference():
    x = rand((2, 6, 6, 2))
    for layer in [nn.MaxPool2d(2), nn.AvgPool2d(3, padding="SAME"), nn.LPPool2d(2.0, 2)]:
        g = jax.grad(lambda x, layer=layer: jnp.sum(layer(x) ** 2))(x)
        eps = 1e-3
        d = rand(x.shape, seed=5)
        f = lambda x, layer=layer: float(jnp.sum(layer(jnp.asarray(x, jnp.float32)) ** 2))
        fd = (f(x + eps * d) - f(x - eps * d)) / (2 * eps)
        np.testing.assert_allclose(np.sum(np.asarray(g) * d), fd, rtol=2e-2)


def test_integer_inputs():
    x = jnp.arange(16, dtype=jnp.int32).reshape(4, 4, 1)
    y = nn.MaxPool2d(2)(x)
    assert y.dtype == jnp.int32 and y[..., 0].tolist() == [[5, 7], [13, 15]]
    assert nn.AvgPool2d(2, 2)(x)[..., 0].tolist() == [[2.5, 4.5], [10.5, 12.5]]


# -- adaptive pooling ---------------------------------------------------------------------
def test_adaptive_bins_known_values():
    # torch's bins for 10 -> 4: [0, 3), [2, 5), [5, 8), [7, 10)
    y = nn.AdaptiveAvgPool1d(4)(jnp.arange(10.0).reshape(10, 1))
    np.testing.assert_allclose(y[:, 0], [1.0, 3.0, 6.0, 8.0])
    y = nn.AdaptiveMaxPool1d(4)(jnp.arange(10.0).reshape(10, 1))
    np.testing.assert_allclose(y[:, 0], [2.0, 4.0, 7.0, 9.0])


@pytest.mark.parametrize("n", [1, 2, 3])
@pytest.mark.parametrize("kind", ["avg", "max"])
def test_adaptive_matches_numpy(n, kind):
    spatial = (10, 7, 6)[:n]
    target = (4, 7, 3)[:n]  # not dividing, equal and dividing
    x = rand((2, *spatial, 3))
    cls, ref = (ADAPTIVE_AVG[n], np.mean) if kind == "avg" else (ADAPTIVE_MAX[n], np.max)
    layer = cls(target, in_size=(*spatial, 3))
    assert layer.out_size == (*target, 3)
    np.testing.assert_allclose(layer(x), np_adaptive(x, target, ref), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(layer(x[0]), np_adaptive(x, target, ref)[0], rtol=1e-5, atol=1e-6)


@given(
    length=st.integers(1, 12),
    target=st.integers(1, 12),
    kind=st.sampled_from(["avg", "max"]),
)
def test_adaptive_hypothesis(length, target, kind):
    x = rand((1, length, 2), seed=length)
    cls, ref = (nn.AdaptiveAvgPool1d, np.mean) if kind == "avg" else (nn.AdaptiveMaxPool1d, np.max)
    np.testing.assert_allclose(cls(target)(x), np_adaptive(x, [target], ref), rtol=1e-5, atol=1e-6)


def test_adaptive_none_keeps_axis_and_grad():
    pool = nn.AdaptiveAvgPool2d((None, 2), in_size=(5, 6, 3))
    assert pool.out_size == (5, 2, 3)
    g = jax.grad(lambda x: pool(x).sum())(jnp.ones((5, 6, 3)))
    np.testing.assert_allclose(g, np.full((5, 6, 3), 1 / 3))
    with pytest.raises(ValueError, match="target_size"):
        nn.AdaptiveAvgPool2d((2, 2, 2))


# -- errors ----------------------------------------------------------------------------------
def test_bad_shapes_raise_shape_error_naming_the_layer():
    pool = nn.MaxPool2d(2, in_size=(6, 6, 3), name="pool")
    with pytest.raises(
        nn.ShapeError, match=r"MaxPool2d\('pool'\).*\(\.\.\., 6, 6, 3\).*\(2, 6, 6, 4\)"
    ):
        pool(jnp.ones((2, 6, 6, 4)))
    with pytest.raises(nn.ShapeError, match=r"AvgPool3d.*at least 4 dimensions.*\(6, 6, 3\)"):
        nn.AvgPool3d(2)(jnp.ones((6, 6, 3)))
    with pytest.raises(nn.ShapeError, match=r"AdaptiveMaxPool2d.*at least 3"):
        nn.AdaptiveMaxPool2d(2)(jnp.ones((6, 3)))
    with pytest.raises(nn.ShapeError, match="channel_axis=3 is out of range"):
        nn.MaxPool1d(2, channel_axis=3, in_size=(6, 3))
    with pytest.raises(ValueError, match="kernel_size must be"):
        nn.MaxPool2d((2, 2, 2))
    with pytest.raises(ValueError, match="padding must be"):
        nn.MaxPool2d(2, padding="FULL")
    with pytest.raises(ValueError, match="padding must be"):
        nn.MaxPool2d(2, padding=[(1, 1), (1, 1), (1, 1)])


@pytest.mark.parametrize(
    "layer",
    [
        nn.MaxPool2d(2),
        nn.MaxPool1d(3, padding=1),
        nn.AvgPool2d(2, padding="SAME"),
        nn.LPPool2d(2.0, 2),
        nn.LPPool1d(float("inf"), 2),
        nn.AdaptiveMaxPool2d(4),
        nn.AdaptiveAvgPool1d(4),
    ],
    ids=lambda layer: type(layer).__name__,
)
def test_reverse_mode_gradients_under_jit(layer):
    # reduce_window's generic form has no transpose rule: the window reductions must use
    # the max/add primitives also when traced (init values concrete)
    x = jnp.asarray(rand((2, 6, 6, 3)))
    g = jax.jit(jax.grad(lambda x: jnp.sum(layer(x) ** 2)))(x)
    np.testing.assert_allclose(g, jax.grad(lambda x: jnp.sum(layer(x) ** 2))(x), rtol=1e-5)
    assert float(jnp.abs(g).sum()) > 0


def test_a_window_larger_than_the_padded_input_is_an_error_not_an_empty_output():
    with pytest.raises(nn.ShapeError, match=r"window \(10, 10\) does not fit the spatial size"):
        nn.MaxPool2d(10)(jnp.ones((2, 8, 8, 3)))
    with pytest.raises(nn.ShapeError, match="does not fit"):
        nn.AvgPool2d(10, in_size=(8, 8, 3))
    assert nn.MaxPool2d(10, padding=1)(jnp.ones((2, 8, 8, 3))).shape == (2, 1, 1, 3)
    assert nn.AvgPool2d(10, padding="SAME")(jnp.ones((2, 8, 8, 3))).shape == (2, 8, 8, 3)
