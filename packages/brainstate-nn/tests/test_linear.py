"""Dense and connection layers against dense numpy references; shapes, errors, reprs, grads."""

import brainunit as u
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, strategies as st

import brainstate_augment as ba
import brainstate_compile as bc
import brainstate_core as bsc
import brainstate_event as be
import brainstate_nn as nn

batch_shapes = st.lists(st.integers(1, 3), min_size=0, max_size=2).map(tuple)
sizes = st.integers(1, 6)


def _x(shape, seed=0):
    return jnp.asarray(np.random.default_rng(seed).normal(size=shape), jnp.float32)


# -- Linear ----------------------------------------------------------------------------------
@given(batch=batch_shapes, n_in=sizes, n_out=sizes)
def test_linear_matches_dense_reference(batch, n_in, n_out):
    layer = nn.Linear(n_in, n_out, b_init=nn.init.Normal(seed=1))
    x = _x((*batch, n_in))
    p = jax.tree.map(np.asarray, layer.weight.value)
    y = layer(x)
    assert y.shape == (*batch, n_out)
    np.testing.assert_allclose(
        y, np.asarray(x) @ np.asarray(p["weight"]) + p["bias"], rtol=1e-5, atol=1e-5
    )


def test_linear_parameters_live_in_one_param_state():
    layer = nn.Linear(3, 2)
    states = layer.states()
    assert list(states.keys()) == [("weight",)]
    assert isinstance(layer.weight, bsc.ParamState)
    assert sorted(layer.weight.value) == ["bias", "weight"]
    assert layer.weight.value["weight"].shape == (3, 2)
    assert layer.weight.value["bias"].shape == (2,)
    assert layer.weight.value["bias"].tolist() == [0.0, 0.0]
    assert (layer.in_size, layer.out_size) == ((3,), (2,))


def test_linear_without_bias():
    layer = nn.Linear(3, 2, b_init=None)
    assert list(layer.weight.value) == ["weight"]
    x = _x((4, 3))
    np.testing.assert_allclose(layer(x), x @ layer.weight.value["weight"], rtol=1e-6)


def test_linear_mask():
    mask = jnp.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    layer = nn.Linear(3, 2, w_mask=mask, b_init=None)
    x = _x((4, 3))
    np.testing.assert_allclose(layer(x), x @ (layer.weight.value["weight"] * mask), rtol=1e-6)


def test_linear_default_init_is_kaiming_normal():
    bsc.random.seed(0)
    w = nn.Linear(400, 300, b_init=None).weight.value["weight"]
    assert float(w.var()) == pytest.approx(2.0 / 400, rel=0.05)
    bsc.random.seed(0)
    np.testing.assert_array_equal(nn.Linear(400, 300).weight.value["weight"], w)


def test_linear_initializer_arrays():
    w = jnp.arange(6.0).reshape(3, 2)
    layer = nn.Linear(3, 2, w_init=w, b_init=jnp.ones(2))
    np.testing.assert_array_equal(layer.weight.value["weight"], w)
    with pytest.raises(nn.ShapeError):
        nn.Linear(3, 2, w_init=jnp.ones((2, 3)))


@pytest.mark.parametrize("shape", [(4, 3), (3,), (2, 4, 3), ()])
def test_linear_wrong_input_shape(shape):
    layer = nn.Linear(2, 5, name="fc1")
    with pytest.raises(nn.ShapeError) as info:
        layer(jnp.ones(shape))
    msg = str(info.value)
    assert "Linear('fc1')" in msg and "(..., 2)" in msg and f"got shape {shape}" in msg
    assert isinstance(info.value, ValueError) and isinstance(info.value, bsc.BrainStateError)


def test_linear_bad_sizes():
    with pytest.raises(nn.ShapeError):
        nn.Linear((), 3)
    with pytest.raises(nn.ShapeError):
        nn.Linear(3, "a")


def test_linear_repr_is_brainstate_01():
    layer = nn.Linear(2, 1, w_init=jnp.array([[1.0], [2.0]]))
    assert repr(layer) == (
        "Linear(\n"
        "  in_size=(2,),\n"
        "  out_size=(1,),\n"
        "  w_mask=None,\n"
        "  weight=ParamState(\n"
        "    value={'weight': Array([[1.],\n"
        "           [2.]], dtype=float32), 'bias': Array([0.], dtype=float32)}\n"
        "  )\n"
        ")"
    )


def test_linear_trains_with_grad_and_jit():
    layer = nn.Linear(3, 1)
    x, y = _x((16, 3)), jnp.ones((16, 1))
    weights = layer.states(bsc.ParamState)

    def loss():
        return jnp.mean((layer(x) - y) ** 2)

    @bc.jit
    def step():
        grads = ba.grad(loss, weights)()
        for k, g in grads.items():
            weights[k].value = jax.tree.map(lambda p, d: p - 0.1 * d, weights[k].value, g)
        return loss()

    first = float(loss())
    for _ in range(20):
        last = float(step())
    assert last < 0.5 * first


def test_linear_with_units():
    layer = nn.Linear(2, 2, w_init=nn.init.Constant(1.0, unit=u.nS), b_init=None)
    y = layer(jnp.ones(2) * u.mV)
    assert y.unit == u.nS * u.mV
    np.testing.assert_allclose(y.mantissa, [2.0, 2.0])


def test_linear_in_vmap():
    layer = nn.Linear(3, 2)
    xs = _x((5, 3))
    ys = ba.vmap(layer)(xs)
    np.testing.assert_allclose(ys, layer(xs), rtol=1e-5)


def test_linear_desc_in_sequential():
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear.desc(out_size=3))
    assert model.layers[2].in_size == (8,)
    assert model(jnp.ones((2, 4))).shape == (2, 3)


# -- ScaledWSLinear / SignedWLinear / LoRA ---------------------------------------------------
def test_scaled_ws_linear_matches_reference():
    layer = nn.ScaledWSLinear(4, 3, b_init=nn.init.Constant(0.5))
    p = layer.weight.value
    w = np.asarray(p["weight"])
    ws = (w - w.mean(0, keepdims=True)) / np.sqrt(np.maximum(w.var(0, keepdims=True) * 4, 1e-4))
    x = _x((2, 4))
    np.testing.assert_allclose(layer(x), np.asarray(x) @ ws + 0.5, rtol=1e-4, atol=1e-5)
    assert p["gain"].shape == (1, 3)
    assert "gain" not in nn.ScaledWSLinear(4, 3, ws_gain=False).weight.value


def test_signed_w_linear():
    sign = jnp.array([[1.0, -1.0], [-1.0, 1.0], [1.0, 1.0]])
    layer = nn.SignedWLinear(3, 2, w_sign=sign)
    x = _x((4, 3))
    expected = x @ (jnp.abs(layer.weight.value) * sign)
    np.testing.assert_allclose(layer(x), expected, rtol=1e-6)
    positive = nn.SignedWLinear(3, 2)
    assert bool((positive(jnp.abs(x)) >= 0).all())


def test_lora():
    base = nn.Linear(4, 3)
    lora = nn.LoRA(4, 2, 3, base_module=base)
    p = jax.tree.map(np.asarray, lora.weight.value)
    assert p["lora_a"].shape == (4, 2) and p["lora_b"].shape == (2, 3)
    x = _x((5, 4))
    np.testing.assert_allclose(
        lora(x),
        np.asarray(x) @ p["lora_a"] @ p["lora_b"] + np.asarray(base(x)),
        rtol=1e-5,
        atol=1e-5,
    )
    alone = nn.LoRA(4, 2, 3)
    assert alone(x).shape == (5, 3)
    assert set(lora.states().keys()) == {("weight",), ("base_module", "weight")}
    with pytest.raises(nn.ShapeError):
        alone(jnp.ones((5, 3)))


# -- AllToAll / OneToOne ---------------------------------------------------------------------
@pytest.mark.parametrize("n_in, n_out", [(3, 3), (3, 5), (5, 3)])
@pytest.mark.parametrize("include_self", [True, False])
def test_all_to_all_matrix(n_in, n_out, include_self):
    layer = nn.AllToAll(n_in, n_out, include_self=include_self)
    w = np.asarray(layer.weight.value)
    if not include_self:
        w = w * (1 - np.eye(n_in, n_out))
    x = _x((2, n_in))
    np.testing.assert_allclose(layer(x), np.asarray(x) @ w, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("n_in, n_out", [(3, 3), (3, 5), (5, 3)])
@pytest.mark.parametrize("include_self", [True, False])
def test_all_to_all_scalar_weight(n_in, n_out, include_self):
    layer = nn.AllToAll(n_in, n_out, w_init=0.5, include_self=include_self)
    w = 0.5 * np.ones((n_in, n_out))
    if not include_self:
        w = w * (1 - np.eye(n_in, n_out))
    for x in (_x(n_in), _x((2, n_in))):
        y = layer(x)
        assert y.shape == (*x.shape[:-1], n_out)
        np.testing.assert_allclose(y, np.asarray(x) @ w, rtol=1e-5, atol=1e-6)


def test_all_to_all_sizes_must_agree():
    with pytest.raises(nn.ShapeError, match="all but their last axis"):
        nn.AllToAll((2, 3), (4, 3))


def test_all_to_all_units():
    layer = nn.AllToAll(2, 2, w_init=1.0 * u.nS)
    assert layer(jnp.ones(2) * u.mV).unit == u.nS * u.mV


def test_one_to_one():
    layer = nn.OneToOne(3, b_init=nn.init.Constant(1.0))
    p = jax.tree.map(np.asarray, layer.weight.value)
    x = _x((4, 3))
    np.testing.assert_allclose(layer(x), np.asarray(x) * p["weight"] + 1.0, rtol=1e-6)
    assert layer.out_size == (3,)
    assert "bias" not in nn.OneToOne(3).weight.value
    with pytest.raises(nn.ShapeError):
        layer(jnp.ones(4))


# -- SparseLinear ----------------------------------------------------------------------------
def _sparse(n_in=6, n_out=4, seed=0):
    rng = np.random.default_rng(seed)
    dense = rng.normal(size=(n_in, n_out)) * (rng.random((n_in, n_out)) < 0.5)
    return jnp.asarray(dense, jnp.float32)


@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_sparse_linear_matches_dense(fmt):
    dense = _sparse()
    mat = be.CSR.fromdense(dense) if fmt == "csr" else be.CSC.fromdense(dense)
    layer = nn.SparseLinear(mat, b_init=nn.init.Constant(0.5))
    assert (layer.in_size, layer.out_size) == ((6,), (4,))
    for x in (_x(6), _x((3, 6))):
        expected = np.asarray(x) @ np.asarray(dense) + 0.5
        np.testing.assert_allclose(layer(x), expected, rtol=1e-5, atol=1e-5)


def test_sparse_linear_gradients_match_dense():
    dense = _sparse()
    layer = nn.SparseLinear(be.CSR.fromdense(dense))
    x = _x((3, 6))
    grads = ba.grad(lambda: jnp.sum(layer(x) ** 2), layer.states())()
    g = grads[("weight",)]["weight"]
    mat = layer.spar_mat
    rows = np.repeat(np.arange(6), np.diff(np.asarray(mat.indptr)))
    cols = np.asarray(mat.indices)
    dense_grad = np.asarray(jax.grad(lambda w: jnp.sum((x @ w) ** 2))(dense))
    np.testing.assert_allclose(g, dense_grad[rows, cols], rtol=1e-4, atol=1e-4)


def test_sparse_linear_errors():
    with pytest.raises(TypeError, match="CSR or CSC"):
        nn.SparseLinear(jnp.ones((3, 2)))
    layer = nn.SparseLinear(be.CSR.fromdense(_sparse()))
    with pytest.raises(nn.ShapeError, match="SparseLinear"):
        layer(jnp.ones(5))
    with pytest.raises(nn.ShapeError, match="must end with"):
        nn.SparseLinear(be.CSR.fromdense(_sparse()), in_size=5)


# -- Embedding -------------------------------------------------------------------------------
def test_embedding():
    emb = nn.Embedding(10, 4)
    idx = jnp.array([[1, 2], [9, 0]])
    out = emb(idx)
    assert out.shape == (2, 2, 4)
    np.testing.assert_array_equal(out, np.asarray(emb.weight.value)[np.asarray(idx)])
    assert emb.out_size == (4,)
    with pytest.raises(nn.ShapeError, match="integer indices"):
        emb(jnp.array([1.0]))
    with pytest.raises(nn.ShapeError, match=r"got values in \[10, 10\]"):
        emb(jnp.array([10]))
    with pytest.raises(ValueError, match="must not be negative"):
        nn.Embedding(-1, 3)
    assert bc.jit(emb)(jnp.array([3])).shape == (1, 4)
