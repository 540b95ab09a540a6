"""``bc.remat`` / ``bc.checkpoint``: the same values and gradients, recomputed activations."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import brainstate_compile as bc
import brainstate_core as bsc


class Layer:
    """A callable object holding its weight in a ParamState and counting its calls."""

    def __init__(self, seed):
        rng = np.random.default_rng(seed)
        self.w = bsc.ParamState(jnp.asarray(rng.normal(size=(3, 3)) * 0.5, jnp.float32), name="w")
        self.calls = bsc.State(jnp.zeros((), jnp.int32), name="calls")

    def __call__(self, x):
        self.calls.value += 1
        return jnp.tanh(x @ self.w.value)


def _loss(layer, apply, w, x):
    """Loss as a function of the weight value: the ParamState is set for the call only."""
    old = layer.w.value
    layer.w.value = w
    try:
        return jnp.sum(apply(apply(x)) ** 2)
    finally:
        layer.w.value = old


def test_callable_object_values_and_gradients():
    layer = Layer(0)
    rl = bc.remat(layer)
    x = jnp.asarray([0.5, -1.0, 2.0])
    np.testing.assert_allclose(rl(x), layer(x), rtol=1e-6)
    assert int(layer.calls.value) == 2  # the rematted call's write was written back
    w = layer.w.value
    g_ref = jax.grad(_loss, argnums=2)(layer, layer, w, x)
    g = jax.grad(_loss, argnums=2)(layer, rl, w, x)
    np.testing.assert_allclose(g, g_ref, rtol=1e-5, atol=1e-7)
    g_jit = jax.jit(jax.grad(lambda w_: _loss(layer, rl, w_, x)))(w)
    np.testing.assert_allclose(g_jit, g_ref, rtol=1e-5, atol=1e-7)
    assert layer.w.value is w


def test_function_values_and_gradients_and_remat_in_jaxpr():
    w = bsc.ParamState(jnp.asarray(3.0), name="w")

    def f(x):
        return jnp.sin(w.value * x) * jnp.cos(x)

    rf = bc.checkpoint(f)  # an alias
    for x in (0.1, 1.0, 2.5):
        np.testing.assert_allclose(rf(x), f(x), rtol=1e-6)
        np.testing.assert_allclose(jax.grad(rf)(x), jax.grad(f)(x), rtol=1e-6)
    text = str(jax.make_jaxpr(jax.grad(rf))(1.0))
    assert "remat" in text or "checkpoint" in text
    assert "remat" not in str(jax.make_jaxpr(jax.grad(f))(1.0))


@pytest.mark.parametrize(
    "policy",
    [None, jax.checkpoint_policies.nothing_saveable, jax.checkpoint_policies.dots_saveable],
)
@pytest.mark.parametrize("prevent_cse", [True, False])
def test_decorator_with_arguments(policy, prevent_cse):
    w = bsc.ParamState(jnp.eye(2) * 1.5, name="w")

    def plain(x):
        return jnp.sum(jnp.tanh(w.value @ x) ** 2)

    @bc.remat(policy=policy, prevent_cse=prevent_cse)
    def rematted(x):
        return jnp.sum(jnp.tanh(w.value @ x) ** 2)

    x = jnp.asarray([0.3, -0.7])
    np.testing.assert_allclose(rematted(x), plain(x), rtol=1e-6)
    np.testing.assert_allclose(jax.grad(rematted)(x), jax.grad(plain)(x), rtol=1e-6)


def test_static_argnums():
    @bc.remat(static_argnums=1)
    def power(x, n):
        for _ in range(n):  # needs a concrete n
            x = jnp.sin(x)
        return x

    ref = lambda x: jnp.sin(jnp.sin(jnp.sin(x)))
    np.testing.assert_allclose(power(0.7, 3), ref(0.7), rtol=1e-6)
    np.testing.assert_allclose(jax.grad(power)(0.7, 3), jax.grad(ref)(0.7), rtol=1e-6)


def test_remat_writes_states_and_works_in_loops_and_jit(assert_concrete):
    total = bsc.State(jnp.zeros(()), name="total")
    w = bsc.ParamState(jnp.asarray(0.9), name="w")

    @bc.remat
    def cell(x):
        total.value = total.value * w.value + jnp.sin(x)
        return total.value

    ys = bc.for_loop(cell, jnp.arange(5.0))
    ref, refs = 0.0, []
    for x in range(5):
        ref = ref * 0.9 + np.sin(x)
        refs.append(ref)
    np.testing.assert_allclose(ys, refs, rtol=1e-5)
    np.testing.assert_allclose(total.value, ref, rtol=1e-5)
    assert_concrete(total, w)

    total.value = jnp.zeros(())
    np.testing.assert_allclose(
        bc.jit(lambda xs: bc.for_loop(cell, xs))(jnp.arange(5.0)), refs, rtol=1e-5
    )

    def loss(w_val, body):
        old_w, old_t = w.value, total.value
        w.value, total.value = w_val, jnp.zeros(())
        try:
            return bc.for_loop(body, jnp.arange(6.0)).sum()
        finally:
            w.value, total.value = old_w, old_t

    g = jax.jit(jax.grad(lambda v: loss(v, cell)))(0.9)
    g_ref = jax.jit(jax.grad(lambda v: loss(v, cell.__wrapped__)))(0.9)
    np.testing.assert_allclose(g, g_ref, rtol=1e-5)
    assert_concrete(total, w)


def test_remat_object_touching_states_local_to_the_enclosing_trace():
    holder = {}
    g = bsc.State(jnp.zeros(()), name="g")
    touch = bc.remat(lambda: holder["s"].value * 2.0)

    def body(i):
        holder["s"] = bsc.State(jnp.asarray(i), name="local")
        g.value += touch()

    bc.for_loop(body, jnp.arange(3.0))
    bc.for_loop(body, jnp.arange(3.0))
    assert float(g.value) == 12.0


def test_keyword_arguments_are_passed_through_and_differentiated():
    w = bsc.State(jnp.array(2.0))

    @bc.remat
    def f(x, *, scale):
        w.value = w.value + 1.0
        return jnp.sin(x * scale * w.value)

    out = f(0.5, scale=3.0)
    assert float(w.value) == 3.0
    np.testing.assert_allclose(out, np.sin(0.5 * 3.0 * 3.0), rtol=1e-6)

    @bc.remat
    def h(x, *, scale):  # reads the State only: plain jax.grad may differentiate it
        return jnp.sin(x * scale * w.value)

    g = jax.grad(lambda s: h(0.5, scale=s))(3.0)
    np.testing.assert_allclose(g, 0.5 * 3.0 * np.cos(0.5 * 3.0 * 3.0), rtol=1e-5)
    assert float(w.value) == 3.0
