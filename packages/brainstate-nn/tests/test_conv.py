"""Convolutions against numpy loops and an independent channel-first ``jax.lax`` call."""

import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import brainstate_augment as ba
import brainstate_compile as bc
import brainstate_core as bsc
import brainstate_nn as nn

CONV = {1: nn.Conv1d, 2: nn.Conv2d, 3: nn.Conv3d}
WS = {1: nn.ScaledWSConv1d, 2: nn.ScaledWSConv2d, 3: nn.ScaledWSConv3d}
TRANSPOSE = {1: nn.ConvTranspose1d, 2: nn.ConvTranspose2d, 3: nn.ConvTranspose3d}


def rand(shape, seed=0):
    return np.asarray(jax.random.normal(jax.random.key(seed), shape), np.float32)


def tup(v, n):
    return (v,) * n if isinstance(v, int) else tuple(v)


# -- references ------------------------------------------------------------------------------
def same_pads(size, k, s):
    out = -(-size // s)
    total = max((out - 1) * s + k - size, 0)
    return total // 2, total - total // 2


def np_conv(x, w, stride=1, padding="VALID", lhs_dilation=1, rhs_dilation=1, groups=1):
    """Direct loops: x (B, *S, C), w (*K, C // groups, O), channel-last, cross-correlation."""
    n = x.ndim - 2
    stride, ld, rd = tup(stride, n), tup(lhs_dilation, n), tup(rhs_dilation, n)
    kernel = w.shape[:n]
    # input dilation: d - 1 zeros between elements
    dil = tuple((s - 1) * d + 1 for s, d in zip(x.shape[1:-1], ld))
    xd = np.zeros((x.shape[0], *dil, x.shape[-1]))
    xd[(slice(None), *(slice(None, None, d) for d in ld))] = x
    ext = [d * (k - 1) + 1 for k, d in zip(kernel, rd)]
    if padding == "VALID":
        pads = [(0, 0)] * n
    elif padding == "SAME":
        pads = [same_pads(dil[i], ext[i], stride[i]) for i in range(n)]
    else:
        pads = padding
    xp = np.pad(xd, [(0, 0), *pads, (0, 0)])
    outs = [(xp.shape[1 + i] - ext[i]) // stride[i] + 1 for i in range(n)]
    cin, cout = w.shape[-2], w.shape[-1]
    og = cout // groups
    y = np.zeros((x.shape[0], *outs, cout))
    for pos in itertools.product(*(range(o) for o in outs)):
        for k in itertools.product(*(range(kk) for kk in kernel)):
            idx = tuple(pos[i] * stride[i] + k[i] * rd[i] for i in range(n))
            v = xp[(slice(None), *idx)]  # (B, C)
            for g in range(groups):
                y[(slice(None), *pos, slice(g * og, (g + 1) * og))] += (
                    v[:, g * cin : (g + 1) * cin]
                    @ w[(*k, slice(None), slice(g * og, (g + 1) * og))]
                )
    return y


def np_conv_transpose(x, w, stride=1, crops=None, rhs_dilation=1, groups=1):
    """Scatter definition: y[i * s + k * d - crop_lo] += x[i] @ w[k] (per group)."""
    n = x.ndim - 2
    stride, rd = tup(stride, n), tup(rhs_dilation, n)
    kernel = w.shape[:n]
    full = [(x.shape[1 + i] - 1) * stride[i] + rd[i] * (kernel[i] - 1) + 1 for i in range(n)]
    crops = crops or [(0, 0)] * n
    # negative crops extend the output with zeros
    big = [f + max(0, -lo) + max(0, -hi) for f, (lo, hi) in zip(full, crops)]
    cin, cout = w.shape[-2], w.shape[-1]
    og = cout // groups
    y = np.zeros((x.shape[0], *big, cout))
    for pos in itertools.product(*(range(s) for s in x.shape[1:-1])):
        for k in itertools.product(*(range(kk) for kk in kernel)):
            idx = tuple(pos[i] * stride[i] + k[i] * rd[i] + max(0, -crops[i][0]) for i in range(n))
            for g in range(groups):
                y[(slice(None), *idx, slice(g * og, (g + 1) * og))] += (
                    x[(slice(None), *pos, slice(g * cin, (g + 1) * cin))]
                    @ w[(*k, slice(None), slice(g * og, (g + 1) * og))]
                )
    sl = tuple(slice(max(0, lo), b - max(0, hi)) for (lo, hi), b in zip(crops, big))
    return y[(slice(None), *sl, slice(None))]


def lax_channel_first(x, w, stride, padding, lhs_dilation, rhs_dilation, groups):
    """The same convolution through jax.lax in NC(spatial) / OI(spatial) layout."""
    n = x.ndim - 2
    xc = jnp.moveaxis(jnp.asarray(x), -1, 1)
    wc = jnp.moveaxis(jnp.moveaxis(jnp.asarray(w), -1, 0), -1, 1)  # (O, I, *K)
    if isinstance(padding, str):  # explicit pads: lax takes no string padding with lhs dilation
        ext = [d * (k - 1) + 1 for k, d in zip(w.shape[:n], tup(rhs_dilation, n))]
        dil = [(s - 1) * d + 1 for s, d in zip(x.shape[1:-1], tup(lhs_dilation, n))]
        st_ = tup(stride, n)
        padding = (
            [(0, 0)] * n
            if padding == "VALID"
            else [same_pads(dil[i], ext[i], st_[i]) for i in range(n)]
        )
    y = jax.lax.conv_general_dilated(
        xc, wc, tup(stride, n), padding, tup(lhs_dilation, n), tup(rhs_dilation, n),
        feature_group_count=groups,
    )  # fmt: skip
    return np.asarray(jnp.moveaxis(y, 1, -1))


def kernel_of(layer):
    return np.asarray(layer.weight.value["weight"])


# -- Conv ------------------------------------------------------------------------------------
@pytest.mark.parametrize("n", [1, 2, 3])
def test_conv_matches_numpy_loops(n):
    spatial = (7, 6, 4)[:n]
    cases = [
        dict(stride=1, padding="SAME"),
        dict(stride=2, padding="VALID", rhs_dilation=2),
        dict(stride=(2, 1, 1)[:n], padding=1, groups=2),
        dict(stride=1, padding="SAME", lhs_dilation=2),
    ]
    x = rand((2, *spatial, 4))
    for kw in cases if n < 3 else cases[1:3]:
        layer = CONV[n]((*spatial, 4), 6, kernel_size=3, b_init=nn.init.Normal(), **kw)
        pad = kw["padding"]
        ref_pad = [(pad, pad)] * n if isinstance(pad, int) else pad
        ref_kw = {k: v for k, v in kw.items() if k != "padding"}
        bias = np.asarray(layer.weight.value["bias"]).reshape(-1)
        expected = np_conv(x, kernel_of(layer), padding=ref_pad, **ref_kw) + bias
        y = layer(x)
        assert layer.out_size == y.shape[1:]
        np.testing.assert_allclose(y, expected, rtol=1e-4, atol=1e-5)


@settings(max_examples=6)
@given(n=st.sampled_from([1, 2]), data=st.data())
def test_conv_hypothesis_against_channel_first_lax(n, data):
    spatial = tuple(data.draw(st.integers(3, 8)) for _ in range(n))
    groups = data.draw(st.sampled_from([1, 2]))
    cin, cout = 2 * groups, groups * data.draw(st.integers(1, 2))
    kernel = tuple(data.draw(st.integers(1, 3)) for _ in range(n))
    stride = tuple(data.draw(st.integers(1, 2)) for _ in range(n))
    rd = tuple(data.draw(st.integers(1, 2)) for _ in range(n))
    ld = tuple(data.draw(st.integers(1, 2)) for _ in range(n))
    padding = data.draw(st.sampled_from(["SAME", "VALID", [(1, 0)] * n, [(0, 2)] * n]))
    ext = [d * (k - 1) + 1 for k, d in zip(kernel, rd)]
    dil = [(s - 1) * d + 1 for s, d in zip(spatial, ld)]
    if padding == "VALID" and any(e > s for e, s in zip(ext, dil)):
        padding = "SAME"
    layer = CONV[n]((*spatial, cin), cout, kernel, stride, padding, ld, rd, groups)
    x = rand((2, *spatial, cin), seed=data.draw(st.integers(0, 50)))
    expected = lax_channel_first(x, kernel_of(layer), stride, padding, ld, rd, groups)
    np.testing.assert_allclose(layer(x), expected, rtol=1e-4, atol=1e-5)


def test_conv_defaults_and_parameter_layout():
    conv = nn.Conv2d((8, 8, 3), 16, 3)
    assert conv.padding == "SAME" and conv.stride == (1, 1) and conv.groups == 1
    params = conv.weight.value
    assert isinstance(conv.weight, bsc.ParamState)
    assert set(params) == {"weight"}  # b_init=None by default, as brainstate 0.1
    assert params["weight"].shape == (3, 3, 3, 16)
    conv = nn.Conv1d((10, 4), 8, 5, groups=2, b_init=nn.init.ZeroInit())
    assert conv.weight.value["weight"].shape == (5, 2, 8)
    assert conv.weight.value["bias"].shape == (1, 8)
    assert conv.out_size == (10, 8)
    assert nn.Conv1d((10, 4), 8, 5, padding="VALID", stride=2).out_size == (3, 8)


def test_unbatched_input_and_w_mask():
    mask = np.zeros((3, 3, 2, 4), np.float32)
    mask[1, 1] = 1.0  # only the centre tap
    conv = nn.Conv2d((5, 5, 2), 4, 3, w_mask=mask)
    x = rand((3, 5, 5, 2))
    y = conv(x)
    np.testing.assert_allclose(conv(x[1]), y[1], rtol=1e-6)
    np.testing.assert_allclose(y, np.einsum("bhwc,co->bhwo", x, kernel_of(conv)[1, 1]), rtol=1e-5)


def test_conv_gradients_and_jit():
    conv = nn.Conv2d((6, 6, 2), 3, 3, stride=2, b_init=nn.init.ZeroInit())
    x = rand((2, 6, 6, 2))
    target = rand((2, 3, 3, 3), seed=1)

    def loss():
        return jnp.mean((conv(x) - target) ** 2)

    params = conv.states(bsc.ParamState)
    grads = ba.grad(loss, params)()

    def ref_loss(p):
        xc = jnp.moveaxis(x, -1, 1)
        wc = jnp.transpose(p["weight"], (3, 2, 0, 1))
        y = jax.lax.conv_general_dilated(xc, wc, (2, 2), "SAME")
        y = jnp.moveaxis(y, 1, -1) + p["bias"].reshape(1, 1, 1, 3)
        return jnp.mean((y - target) ** 2)

    expected = jax.grad(ref_loss)(conv.weight.value)
    got = grads[("weight",)]
    for k in ("weight", "bias"):
        np.testing.assert_allclose(got[k], expected[k], rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(bc.jit(lambda x: conv(x))(x), conv(x), rtol=1e-5, atol=1e-6)


def test_conv_in_sequential_with_desc():
    model = nn.Sequential(
        nn.Conv2d((8, 8, 1), 4, 3),
        nn.MaxPool2d.desc(2),
        nn.Conv2d.desc(out_channels=6, kernel_size=3, padding="VALID"),
        nn.Flatten.desc(),
    )
    assert model.out_size == (2 * 2 * 6,)
    assert model(rand((5, 8, 8, 1))).shape == (5, 24)


def test_conv_errors():
    conv = nn.Conv2d((6, 6, 3), 8, 3, name="c1")
    with pytest.raises(
        nn.ShapeError, match=r"Conv2d\('c1'\).*\(batch, 6, 6, 3\).*\(6, 6, 3\).*\(2, 6, 6, 4\)"
    ):
        conv(jnp.ones((2, 6, 6, 4)))
    with pytest.raises(nn.ShapeError, match=r"got an input of shape \(1, 2, 6, 6, 3\)"):
        conv(jnp.ones((1, 2, 6, 6, 3)))
    with pytest.raises(nn.ShapeError, match="2 spatial axes"):
        nn.Conv2d((6, 3), 8, 3)
    with pytest.raises(nn.ShapeError, match="groups=2 must divide"):
        nn.Conv1d((6, 3), 8, 3, groups=2)
    with pytest.raises(ValueError, match="kernel_size must be"):
        nn.Conv2d((6, 6, 3), 8, (3, 3, 3))


# -- ScaledWSConv --------------------------------------------------------------------------
@pytest.mark.parametrize("n", [1, 2])
def test_scaled_ws_conv_standardizes_the_kernel(n):
    spatial = (6, 5)[:n]
    layer = WS[n]((*spatial, 3), 4, 3, b_init=nn.init.Constant(0.5))
    params = layer.weight.value
    assert params["gain"].shape == (1,) * (n + 1) + (4,)
    w = np.asarray(params["weight"], np.float64)
    axes = tuple(range(n + 1))
    fan_in = np.prod(w.shape[:-1])
    w_std = (w - w.mean(axes, keepdims=True)) / np.sqrt(
        np.maximum(w.var(axes, keepdims=True) * fan_in, 1e-4)
    )
    x = rand((2, *spatial, 3))
    np.testing.assert_allclose(layer(x), np_conv(x, w_std, padding="SAME") + 0.5, rtol=1e-4,
                               atol=1e-5)  # fmt: skip
    assert "gain" not in WS[n]((*spatial, 3), 4, 3, ws_gain=False).weight.value


# -- ConvTranspose ---------------------------------------------------------------------------
@pytest.mark.parametrize("n", [1, 2, 3])
def test_conv_transpose_matches_scatter_loops(n):
    spatial = (4, 3, 3)[:n]
    x = rand((2, *spatial, 4))
    cases = [
        dict(stride=2, padding="VALID"),
        dict(stride=2, padding="SAME"),
        dict(stride=3, padding="SAME", kernel_size=2),  # stride > kernel: extended output
        dict(stride=(2, 1, 2)[:n], padding=1, rhs_dilation=2, groups=2),
        dict(stride=2, padding=[(1, 0)] * n),
    ]
    for kw in cases:
        kw = dict(kw)
        k = kw.pop("kernel_size", 3)
        layer = TRANSPOSE[n]((*spatial, 4), 6, k, b_init=nn.init.Normal(), **kw)
        pad = kw.get("padding")
        stride, rd = tup(kw["stride"], n), tup(kw.get("rhs_dilation", 1), n)
        if pad == "VALID":
            crops = None
        elif pad == "SAME":
            crops = []
            for s, d in zip(stride, rd):
                total = d * (k - 1) + 1 - s
                crops.append((total // 2, total - total // 2) if total >= 0 else (0, total))
        else:
            crops = [(pad, pad)] * n if isinstance(pad, int) else pad
        expected = np_conv_transpose(x, kernel_of(layer), stride, crops, rd, kw.get("groups", 1))
        expected = expected + np.asarray(layer.weight.value["bias"]).reshape(-1)
        y = layer(x)
        if pad == "SAME":
            assert y.shape[1:-1] == tuple(s * st for s, st in zip(spatial, stride))
        assert layer.out_size == y.shape[1:]
        np.testing.assert_allclose(y, expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("padding", ["VALID", "SAME", 1])
@pytest.mark.parametrize("stride", [1, 2])
def test_conv_transpose_is_the_adjoint_of_conv(padding, stride):
    # <conv(x), y> == <x, conv_transpose(y)> with the kernel's in/out axes swapped
    # (sizes such that the convolution's windows cover the whole input)
    size = 8 if padding == "SAME" else 9
    bsc.random.seed(0)  # the initial kernels are drawn from the default generator
    conv = nn.Conv2d((size, size, 3), 5, 3, stride=stride, padding=padding)
    out = conv.out_size
    tconv = nn.ConvTranspose2d(out, 3, 3, stride=stride, padding=padding)
    tconv.weight.value = {"weight": jnp.swapaxes(conv.weight.value["weight"], -1, -2)}
    x, y = rand((1, size, size, 3)), rand((1, *out), seed=2)
    assert tconv(y).shape == x.shape
    lhs = float(jnp.vdot(conv(x), y))
    rhs = float(jnp.vdot(x, tconv(y)))
    # float32 sums of many terms of both signs: the error scales with the terms, not the sum
    scale = float(jnp.vdot(jnp.abs(conv(x)), jnp.abs(y)))
    np.testing.assert_allclose(lhs, rhs, rtol=1e-4, atol=1e-5 * scale)
    # and equals the input-gradient of the convolution
    vjp = jax.vjp(conv, jnp.asarray(x))[1](jnp.asarray(y))[0]
    np.testing.assert_allclose(tconv(y), vjp, rtol=1e-4, atol=1e-5)


def test_conv_transpose_unbatched_grad_and_errors():
    t = nn.ConvTranspose1d((5, 2), 3, 4, stride=2, name="up")
    x = rand((3, 5, 2))
    np.testing.assert_allclose(t(x[0]), t(x)[0], rtol=1e-6)
    assert t.out_size == (10, 3)
    g = ba.grad(lambda: jnp.sum(t(x) ** 2), t.states(bsc.ParamState))()
    assert g[("weight",)]["weight"].shape == (4, 2, 3)
    assert float(jnp.abs(g[("weight",)]["weight"]).sum()) > 0
    with pytest.raises(nn.ShapeError, match=r"ConvTranspose1d\('up'\).*\(4, 2\)"):
        t(jnp.ones((4, 2)))
