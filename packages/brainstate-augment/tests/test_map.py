"""map: sequential and batched (with remainder) application over the leading axis."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, strategies as st

import brainstate_augment as ba
import brainstate_core as bsc


@given(n=st.integers(1, 9), batch=st.one_of(st.none(), st.integers(1, 12)))
def test_matches_lax_map(n, batch):
    xs = jnp.arange(n * 2.0).reshape(n, 2)
    ys = jnp.linspace(0.0, 1.0, n)
    w = bsc.State(jnp.array([1.0, -2.0]))

    def f(x, y):
        return {"a": (x * w.value).sum() + y, "b": x * y}

    out = ba.map(f, xs, ys, batch_size=batch)
    ref = jax.lax.map(
        lambda a: {"a": (a[0] * jnp.array([1.0, -2.0])).sum() + a[1], "b": a[0] * a[1]},
        (xs, ys),
    )
    np.testing.assert_allclose(out["a"], ref["a"], rtol=1e-6)
    np.testing.assert_allclose(out["b"], ref["b"], rtol=1e-6)


@pytest.mark.parametrize("batch,calls", [(None, 10), (3, 4), (5, 2), (10, 1), (20, 1)])
def test_states_written_back(batch, calls, assert_concrete):
    count = bsc.State(jnp.zeros(()))

    def f(x):
        count.value = count.value + 1.0  # the same in every lane of a batch
        return x + 1

    out = ba.map(f, jnp.arange(10.0), batch_size=batch)
    np.testing.assert_array_equal(out, jnp.arange(10.0) + 1)
    assert float(count.value) == calls
    assert_concrete(count)


def test_random_draws_differ_per_element():
    bsc.random.seed(3)
    out = ba.map(lambda x: x + bsc.random.rand(), jnp.zeros(7), batch_size=3)
    assert len(set(np.asarray(out).tolist())) == 7


def test_batched_write_into_state_raises_with_batch_size():
    acc = bsc.State(jnp.zeros(()), name="acc")

    def f(x):
        acc.value = acc.value + x
        return x

    with pytest.raises(ba.BatchAxisError, match="State 'acc'"):
        ba.map(f, jnp.arange(4.0), batch_size=2)
    assert float(acc.value) == 0.0
    ba.map(f, jnp.arange(4.0))  # one at a time: a plain accumulation
    assert float(acc.value) == 6.0


def test_bad_inputs():
    with pytest.raises(ValueError, match="argument 1 has leading length 4 but argument 0 has 5"):
        ba.map(lambda x, y: x, jnp.zeros(5), jnp.zeros(4))
    with pytest.raises(ValueError, match=r"argument 0 have different leading lengths \[2, 3\]"):
        ba.map(lambda x: x, (jnp.zeros(2), jnp.zeros(3)))
    with pytest.raises(ValueError, match="batch_size"):
        ba.map(lambda x: x, jnp.zeros(3), batch_size=0)
    with pytest.raises(ValueError, match="scalar"):
        ba.map(lambda x: x, jnp.zeros(()))
