"""pmap and shard_map inside other transforms, reading a State they were not given.

Both trace their body anew (under JAX's root trace), so the State's value there is a tracer
of the enclosing transformation: it must be taken as that transformation's value, not as
a leaked tracer. One CPU device suffices.
"""

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import PartitionSpec as P

import brainstate_augment as ba
import brainstate_compile as bc
import brainstate_core as bsc

X = jnp.arange(1.0, 5.0).reshape(1, 4)
W0 = jnp.array([0.5, -1.0, 2.0, 0.25])


def _mesh():
    return jax.make_mesh((1,), ("x",), axis_types=(jax.sharding.AxisType.Auto,))


def _pmap_loss(w):
    return lambda x: ba.pmap(lambda row: jnp.sum(jnp.sin(w.value) * row))(x).sum()


def _shard_map_loss(w):
    def body(row):
        return jax.lax.psum(jnp.sum(jnp.sin(w.value) * row), "x")

    return lambda x: ba.shard_map(body, mesh=_mesh(), in_specs=P("x"), out_specs=P())(x[0])


def _reference(w, x):
    return jnp.sum(jnp.sin(w) * x[0])


def test_grad_and_jacfwd_of_a_pmap_or_shard_map_reading_an_undeclared_state():
    expected = jax.grad(_reference)(W0, X)
    for make in (_pmap_loss, _shard_map_loss):
        w = bsc.ParamState(W0, name="w")
        loss = make(w)
        np.testing.assert_allclose(loss(X), _reference(W0, X), rtol=1e-6)
        np.testing.assert_allclose(ba.grad(loss, w)(X), expected, rtol=1e-6)
        np.testing.assert_allclose(ba.jacfwd(loss, w)(X), expected, rtol=1e-6)
        np.testing.assert_allclose(bc.jit(ba.grad(loss, w))(X), expected, rtol=1e-6)
        np.testing.assert_allclose(w.value, W0)


def test_vmap_of_a_shard_map_reading_a_batched_state():
    w = bsc.ParamState(jnp.stack([W0, 2 * W0]), name="w")
    loss = _shard_map_loss(w)
    out = ba.vmap(loss, in_states=w)(jnp.stack([X, X]))
    np.testing.assert_allclose(out, [_reference(W0, X), _reference(2 * W0, X)], rtol=1e-6)
