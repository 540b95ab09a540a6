"""Gradients through State-carrying loops and branches agree with finite differences."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import brainstate_augment as ba
import brainstate_compile as bc
import brainstate_core as bsc


@pytest.fixture(autouse=True)
def _x64():
    before = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", True)
    yield
    jax.config.update("jax_enable_x64", before)


def finite_difference(loss, state, eps=1e-6):
    """Central differences of ``loss()`` in every element of ``state``; restores the State."""
    base = np.asarray(state.value, dtype=np.float64)
    grad = np.zeros_like(base)
    for idx in np.ndindex(base.shape):
        vals = []
        for sign in (1, -1):
            v = base.copy()
            v[idx] += sign * eps
            state.value = jnp.asarray(v)
            vals.append(float(loss()))
        grad[idx] = (vals[0] - vals[1]) / (2 * eps)
    state.value = jnp.asarray(base)
    return grad


class Leaky:
    """A leaky rate unit driven through ``w``; ``h`` is its hidden state."""

    def __init__(self, w):
        self.w = bsc.ParamState(jnp.asarray(w, dtype=jnp.float64))
        self.h = bsc.HiddenState(jnp.zeros(len(w)))

    def step(self, x):
        self.h.value = 0.8 * self.h.value + jnp.tanh(self.w.value * x)
        return self.h.value


XS = jnp.linspace(-1.0, 1.5, 12)


def _check(model, loss, tol=1e-5):
    def fresh_loss():
        model.h.value = jnp.zeros_like(model.h.value)
        return loss()

    expected = finite_difference(fresh_loss, model.w)
    model.h.value = jnp.zeros_like(model.h.value)
    g = ba.grad(loss, model.w)()
    np.testing.assert_allclose(g, expected, rtol=tol, atol=tol)
    return g


LOOPS = {
    "for_loop": lambda m: bc.for_loop(m.step, XS),
    "checkpointed_for_loop": lambda m: bc.checkpointed_for_loop(m.step, XS, base=3),
    "scan": lambda m: bc.scan(lambda c, x: (c + m.step(x), m.step(x)), jnp.zeros(2), XS)[1],
    "checkpointed_scan": lambda m: bc.checkpointed_scan(
        lambda c, x: (c, m.step(x)), 0.0, XS, base=4
    )[1],
    "jit": lambda m: bc.jit(lambda: bc.for_loop(m.step, XS))(),
}


@pytest.mark.parametrize("kind", sorted(LOOPS))
def test_loops_match_finite_differences(kind):
    m = Leaky([0.7, -1.3])
    run = LOOPS[kind]
    _check(m, lambda: jnp.sum(run(m) ** 2) + jnp.sum(m.h.value))
    assert isinstance(m.h.value, jax.Array) and m.h.value.shape == (2,)


@settings(max_examples=8, deadline=None)
@given(st.lists(st.floats(-2.0, 2.0), min_size=1, max_size=4))
def test_for_loop_matches_finite_differences_for_random_weights(w):
    m = Leaky(w)
    _check(m, lambda: jnp.sum(bc.for_loop(m.step, XS) ** 3))


def test_cond_switch_and_ifelse_inside_a_loop():
    m = Leaky([0.5, 1.2])

    def body(x):
        h = bc.cond(x > 0, lambda: m.step(x), lambda: m.step(2 * x) * 0.5)
        k = bc.switch(jnp.int32(x > 0.5), [lambda: h * 2.0, lambda: jnp.sin(h)])
        return bc.ifelse([x < 0, x >= 0], [lambda: k, lambda: k + m.w.value])

    _check(m, lambda: jnp.sum(bc.for_loop(body, XS) ** 2))


def test_bounded_while_loop_reverse_mode():
    m = Leaky([0.9, -0.4])

    def loss():
        n = bc.bounded_while_loop(
            lambda i: i < 7, lambda i: (m.step(0.3 * i), i + 1)[1], 0, max_steps=16
        )
        return jnp.sum(m.h.value**2) + 0.0 * n

    _check(m, loss)


def test_while_loop_forward_mode():
    w = bsc.ParamState(jnp.array([0.9, -0.4]))
    h = bsc.HiddenState(jnp.zeros(2))

    def simulate():
        h.value = jnp.zeros(2)

        def body(i):
            h.value = 0.8 * h.value + jnp.tanh(w.value * i)
            return i + 1

        bc.while_loop(lambda i: i < 5, body, 0)
        return h.value

    jac = ba.jacfwd(simulate, w)()

    def at(wv):
        w.value = wv
        return np.asarray(simulate())

    base = np.asarray(w.value)
    eps = 1e-6
    fd = np.stack(
        [(at(base + eps * e) - at(base - eps * e)) / (2 * eps) for e in np.eye(2)], axis=1
    )
    w.value = jnp.asarray(base)
    np.testing.assert_allclose(jac, fd, rtol=1e-5, atol=1e-6)


def test_reverse_mode_through_while_loop_is_jaxs_error():
    w = bsc.ParamState(jnp.array(1.0))

    def loss():
        return bc.while_loop(lambda x: x < 3.0, lambda x: x + w.value, 0.0)

    with pytest.raises(ValueError, match="Reverse-mode differentiation does not work"):
        ba.grad(loss, w)()
    assert float(w.value) == 1.0
