"""Rate RNN cells against hand-written references of their equations."""

from __future__ import annotations

import inspect

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import brainstate_augment as bsa
import brainstate_compile as bsc_compile
import brainstate_core as bsc
import brainstate_nn as nn

CELLS = [nn.ValinaRNNCell, nn.GRUCell, nn.MGUCell, nn.LSTMCell, nn.URLSTMCell]
HIDDEN = {"ValinaRNNCell": ("h",), "GRUCell": ("h",), "MGUCell": ("h",)}


def hidden_names(cls) -> tuple[str, ...]:
    return HIDDEN.get(cls.__name__, ("h", "c"))


# ----------------------------------------------------------------------------- references
def sigmoid(xp, x):
    return 1 / (1 + xp.exp(-x))


def add_bias(y, b):
    return y + b.reshape((1,) * (y.ndim - b.ndim) + b.shape)  # explicit: no rank promotion


def linear(p, x):
    return add_bias(x @ p["weight"], p["bias"]) if "bias" in p else x @ p["weight"]


def reference_step(name, xp, P, x, hid):
    """One step of each cell's equations (brainstate 0.1's), with parameters ``P`` (by path)."""
    cat = xp.concatenate
    h = hid["h"]
    xh = cat([x, h], axis=-1)
    if name == "ValinaRNNCell":
        h = xp.maximum(linear(P[("W", "weight")], xh), 0)  # relu
        return h, {"h": h}
    if name == "GRUCell":
        r, z = xp.split(sigmoid(xp, linear(P[("Wrz", "weight")], xh)), 2, axis=-1)
        cand = xp.tanh(linear(P[("Wh", "weight")], cat([x, r * h], axis=-1)))
        h = (1 - z) * h + z * cand
        return h, {"h": h}
    if name == "MGUCell":
        f = sigmoid(xp, linear(P[("Wf", "weight")], xh))
        cand = xp.tanh(linear(P[("Wh", "weight")], cat([x, f * h], axis=-1)))
        h = (1 - f) * h + f * cand
        return h, {"h": h}
    c = hid["c"]
    if name == "LSTMCell":
        i, g, f, o = xp.split(linear(P[("W", "weight")], xh), 4, axis=-1)
        c = sigmoid(xp, f + 1.0) * c + sigmoid(xp, i) * xp.tanh(g)
        h = sigmoid(xp, o) * xp.tanh(c)
        return h, {"h": h, "c": c}
    assert name == "URLSTMCell"
    f, r, u, o = xp.split(linear(P[("W", "weight")], xh), 4, axis=-1)
    b = P[("bias",)]
    f_ = sigmoid(xp, add_bias(f, b))
    r_ = sigmoid(xp, add_bias(r, -b))
    g = 2 * r_ * f_ + (1 - 2 * r_) * f_**2
    c = g * c + (1 - g) * xp.tanh(u)
    h = sigmoid(xp, o) * xp.tanh(c)
    return h, {"h": h, "c": c}


def params_of(cell, to=np.float64):
    return {
        k: jax.tree.map(lambda a: np.asarray(a, to), s.value)
        for k, s in cell.states(bsc.ParamState).items()
    }


# ----------------------------------------------------------------------------- steps
@pytest.mark.parametrize("cls", CELLS, ids=lambda c: c.__name__)
@settings(max_examples=4)  # each new shape compiles the cell's ops anew
@given(
    batch=st.one_of(st.none(), st.integers(1, 3)),
    num_in=st.sampled_from([1, 3]),
    num_out=st.sampled_from([2, 5]),
    steps=st.integers(1, 3),
    seed=st.integers(0, 2**16),
)
def test_steps_match_reference(cls, batch, num_in, num_out, steps, seed):
    rng = np.random.default_rng(seed)
    bsc.random.seed(seed)
    h0 = rng.normal(size=num_out).astype(np.float32)  # a non-zero initial state
    cell = cls(num_in, num_out, state_init=jnp.asarray(h0))
    if cls is not nn.URLSTMCell:  # non-zero biases, so that they are tested too
        for s in cell.states(bsc.ParamState).values():
            s.value = {**s.value, "bias": jnp.asarray(rng.normal(size=s.value["bias"].shape))}
    cell.init_state(batch)
    lead = () if batch is None else (batch,)
    P = params_of(cell)
    hid = {n: np.broadcast_to(h0.astype(np.float64), (*lead, num_out)) for n in hidden_names(cls)}
    for _ in range(steps):
        x = rng.normal(size=(*lead, num_in)).astype(np.float32)
        out = cell(jnp.asarray(x))
        expected, hid = reference_step(cls.__name__, np, P, x.astype(np.float64), hid)
        assert out.shape == (*lead, num_out)
        np.testing.assert_allclose(np.asarray(out), expected, rtol=2e-5, atol=2e-5)
        for n in hidden_names(cls):
            np.testing.assert_allclose(
                np.asarray(getattr(cell, n).value), hid[n], rtol=2e-5, atol=2e-5
            )


@pytest.mark.parametrize("cls", CELLS, ids=lambda c: c.__name__)
def test_init_state_and_reset_state(cls):
    bsc.random.seed(0)  # a ReLU cell outputs all zeros for 1 weight draw in 16
    cell = cls(3, 4)
    assert cell.in_size == (3,) and cell.out_size == (4,)
    cell.init_state()
    for n in hidden_names(cls):
        s = getattr(cell, n)
        assert type(s) is bsc.HiddenState and s.value.shape == (4,)
    assert set(cell.states(bsc.HiddenState)) == {(n,) for n in hidden_names(cls)}
    nn.init_all_states(cell, batch_size=5)
    cell(jnp.ones((5, 3)))
    assert cell.h.value.shape == (5, 4)
    assert float(jnp.abs(cell.h.value).sum()) > 0
    cell.reset_state(5)
    for n in hidden_names(cls):
        np.testing.assert_array_equal(getattr(cell, n).value, jnp.zeros((5, 4)))
    nn.reset_all_states(cell, batch_size=2)
    assert cell.h.value.shape == (2, 4)
    cell.reset_state()
    assert cell.h.value.shape == (4,)


@pytest.mark.parametrize("cls", CELLS, ids=lambda c: c.__name__)
def test_bad_input(cls):
    cell = cls(3, 4, name="rnn")
    with pytest.raises(nn.ShapeError, match=r"no hidden state yet: call `cell.init_state"):
        cell(jnp.ones(3))
    cell.init_state(2)
    before = {k: s.value for k, s in cell.states().items()}
    with pytest.raises(
        nn.ShapeError, match=r"rnn'\) expects inputs of shape \(2, 3\).*got shape \(3,\)"
    ):
        cell(jnp.ones(3))
    with pytest.raises(nn.ShapeError, match=r"got shape \(2, 5\)"):
        cell(jnp.ones((2, 5)))
    after = {k: s.value for k, s in cell.states().items()}
    assert all(before[k] is after[k] for k in before)
    with pytest.raises(nn.ShapeError, match="num_out must be a positive int"):
        cls(3, 0)
    with pytest.raises(ValueError, match="activation must be a function or the name"):
        cls(3, 4, activation="no_such_function")


def test_activation_by_name_or_function():
    x = jnp.linspace(-1, 1, 3)
    a = nn.ValinaRNNCell(3, 2, activation="tanh")
    b = nn.ValinaRNNCell(3, 2, activation=jnp.tanh, w_init=a.W.weight.value["weight"])
    a.init_state()
    b.init_state()
    np.testing.assert_allclose(a(x), b(x), rtol=1e-6)
    assert float(jnp.min(nn.ValinaRNNCell(3, 8, b_init=None).W(jnp.ones(11)))) != 0  # no bias
    c = nn.ValinaRNNCell(3, 8)  # relu by default
    c.init_state()
    assert float(jnp.min(c(-jnp.ones(3) * 5))) >= 0


def test_constructor_signatures_match_brainstate_0_1():
    expected = {
        "ValinaRNNCell": ["num_in", "num_out", "state_init", "w_init", "b_init", "activation"],
        "GRUCell": ["num_in", "num_out", "w_init", "b_init", "state_init", "activation"],
        "MGUCell": ["num_in", "num_out", "w_init", "b_init", "state_init", "activation"],
        "LSTMCell": ["num_in", "num_out", "w_init", "b_init", "state_init", "activation"],
        "URLSTMCell": ["num_in", "num_out", "w_init", "state_init", "activation"],
    }
    for cls in CELLS:
        names = list(inspect.signature(cls).parameters)
        assert names == [*expected[cls.__name__], "name"], cls.__name__
    assert inspect.signature(nn.ValinaRNNCell).parameters["activation"].default == "relu"
    assert inspect.signature(nn.LSTMCell).parameters["activation"].default == "tanh"


def test_urlstm_forget_bias_range():
    bsc.random.seed(0)
    cell = nn.URLSTMCell(2, 50)
    v = 1 / (1 + np.exp(-np.asarray(cell.bias.value)))  # back to U(1/n, 1 - 1/n)
    assert v.min() >= 1 / 50 - 1e-6 and v.max() <= 1 - 1 / 50 + 1e-6
    assert isinstance(cell.bias, bsc.ParamState) and "bias" not in cell.W.weight.value


# ----------------------------------------------------------------------------- training
@pytest.mark.parametrize("cls", CELLS, ids=lambda c: c.__name__)
def test_gradients_through_for_loop_match_reference(cls):
    bsc.random.seed(1)
    T, B, n_in, n_out = 5, 2, 3, 4
    cell = cls(n_in, n_out)
    cell.init_state(B)
    xs = jnp.asarray(np.random.default_rng(0).normal(size=(T, B, n_in)), jnp.float32)
    weights = cell.states(bsc.ParamState)

    def loss():
        outs = bsc_compile.for_loop(cell, xs)
        return jnp.mean(outs**2)

    grads, value = bsa.grad(loss, grad_states=weights, return_value=True)()

    def reference_loss(P):
        hid = {n: jnp.zeros((B, n_out)) for n in hidden_names(cls)}
        total = 0.0
        for t in range(T):
            h, hid = reference_step(cls.__name__, jnp, P, xs[t], hid)
            total = total + jnp.sum(h**2)
        return total / (T * B * n_out)

    P = {k: s.value for k, s in weights.items()}
    ref_value, ref_grads = jax.value_and_grad(reference_loss)(P)
    np.testing.assert_allclose(value, ref_value, rtol=1e-5)
    for k in P:
        for g, r in zip(jax.tree.leaves(grads[k]), jax.tree.leaves(ref_grads[k])):
            assert bool(jnp.all(jnp.isfinite(g)))
            np.testing.assert_allclose(g, r, rtol=1e-4, atol=1e-6)
    assert cell.h.value.shape == (B, n_out)  # the loop's last hidden state was written back


def test_cells_in_sequential_and_checkpoints(tmp_path):
    model = nn.Sequential(nn.LSTMCell(3, 6), nn.Linear.desc(out_size=2))
    assert model.out_size == (2,)
    nn.init_all_states(model, batch_size=4)
    y = model(jnp.ones((4, 3)))
    assert y.shape == (4, 2)
    path = tmp_path / "lstm.safetensors"
    nn.save_states(path, model)
    other = nn.Sequential(nn.LSTMCell(3, 6), nn.Linear.desc(out_size=2))
    nn.init_all_states(other, batch_size=4)
    nn.load_states(path, other)
    np.testing.assert_array_equal(other[0].c.value, model[0].c.value)
    np.testing.assert_array_equal(other(jnp.ones((4, 3))), model(jnp.ones((4, 3))))


@pytest.mark.parametrize("precision", ["bf16", 16])
@pytest.mark.parametrize("cell", ["GRUCell", "MGUCell", "LSTMCell"])
def test_recurrent_cells_build_and_run_in_half_precision(precision, cell):
    dtype = jnp.bfloat16 if precision == "bf16" else jnp.float16
    with bsc.environ.context(precision=precision):
        layer = getattr(nn, cell)(3, 4)
        nn.init_all_states(layer)
        out = layer(jnp.ones(3, dtype))
    assert out.dtype == dtype
    assert bool(jnp.all(jnp.isfinite(out.astype(jnp.float32))))


def test_orthogonal_init_in_half_precision_is_orthogonal_to_its_precision():
    w = nn.init.Orthogonal(seed=0)((6, 6), dtype=jnp.bfloat16)
    assert w.dtype == jnp.bfloat16
    w32 = w.astype(jnp.float32)
    np.testing.assert_allclose(w32 @ w32.T, np.eye(6), atol=3e-2)
