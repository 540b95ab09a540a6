"""grad and vmap run eagerly behave as if the function were called directly.

Inside staged traces (jit, loop bodies) brainstate records a call as a jaxpr to replay it on
the retraces of discovery; under an eager ``grad``/``vmap`` it must not, since there values
may be concrete and custom derivative rules run while the function runs.
"""

import jax
import jax.numpy as jnp
import numpy as np

import brainstate_augment as ba
import brainstate_compile as bc
import brainstate_core as bsc


def test_concrete_read_only_values_and_arguments_stay_concrete():
    n = bsc.State(jnp.asarray(3))

    def f(x):
        return x * jnp.ones(int(n.value)).sum()

    np.testing.assert_allclose(ba.vmap(f)(jnp.arange(2.0)), [0.0, 3.0])
    assert float(ba.grad(f)(2.0)) == 3.0

    def g(x, k):
        return x * jnp.ones(int(k)).sum()

    assert float(ba.grad(g)(2.0, jnp.asarray(3))) == 3.0
    np.testing.assert_allclose(
        ba.vmap(g, in_axes=(0, None))(jnp.arange(2.0), jnp.asarray(3)), [0.0, 3.0]
    )


def test_python_control_flow_on_a_concrete_primal_under_grad():
    s = bsc.State(jnp.zeros(()))

    def f(x):
        s.value = s.value + 1.0
        return x**2 if x > 0 else -x

    assert float(ba.grad(f)(3.0)) == 6.0
    assert float(ba.grad(f)(-3.0)) == -1.0


def _mul_by(w):
    @jax.custom_vjp
    def mul(x):
        return x * w.value

    def fwd(x):
        return x * w.value, w.value

    def bwd(res, g):
        return (g * res,)

    mul.defvjp(fwd, bwd)
    return mul


def test_custom_vjp_reading_a_state_written_just_before():
    w = bsc.State(1.0)
    mul = _mul_by(w)

    def loss(x):
        w.value = 3.0
        return mul(x)

    assert float(ba.grad(loss)(2.0)) == 3.0
    w.value = 1.0
    np.testing.assert_allclose(ba.vmap(ba.grad(loss))(jnp.ones(2)), [3.0, 3.0])
    w.value = 1.0
    assert float(bc.jit(lambda x: ba.grad(loss)(x))(2.0)) == 3.0


def test_a_failed_grad_is_traced_afresh_on_the_next_call():
    s = bsc.State(jnp.zeros(()))
    scale = {"w": jnp.ones(3)}

    def loss(x):
        s.value = s.value + 1.0
        return x * scale["w"]  # non-scalar until fixed

    g = ba.grad(loss)
    try:
        g(1.0)
    except TypeError:
        pass
    else:  # pragma: no cover
        raise AssertionError("a non-scalar loss must fail")
    scale["w"] = jnp.asarray(2.0)
    assert float(g(1.0)) == 2.0
