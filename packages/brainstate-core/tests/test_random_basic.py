"""numpy's "simple random data": rand/randn, integers, choice, permutations, *_like,
categorical and orthogonal matrices. Frequencies are checked within 5 standard errors."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, strategies as st

from brainstate_core import random

N = 20_000
Z = 5.0


def _check_frequencies(values, probs):
    """The frequency of each outcome ``i`` in ``values`` is within 5 standard errors of p_i."""
    values = np.asarray(values).ravel()
    freq = np.bincount(values, minlength=len(probs)) / len(values)
    se = np.sqrt(np.asarray(probs) * (1 - np.asarray(probs)) / len(values))
    assert np.all(np.abs(freq - probs) <= Z * se + 1e-12), (freq, probs)


def test_rand_and_randn_take_dimensions():
    x = random.rand(2, 3, key=0)
    assert x.shape == (2, 3) and x.dtype == jnp.float32
    assert bool(((x >= 0) & (x < 1)).all())
    assert random.rand(key=0).shape == ()
    assert random.randn(4, key=0).shape == (4,)
    assert random.randn(2, 2, key=0, dtype=jnp.float16).dtype == jnp.float16
    np.testing.assert_array_equal(random.rand(3, key=1), random.random(3, key=1))
    np.testing.assert_array_equal(random.randn(3, key=1), random.standard_normal(3, key=1))


def test_rand_rejects_a_tuple():
    with pytest.raises(TypeError, match=r"`\*dn`"):
        random.rand((2, 3), key=0)


# -- integers -------------------------------------------------------------------------
@given(low=st.integers(-1000, 1000), span=st.integers(1, 1000), seed=st.integers(0, 99))
def test_randint_stays_in_range(low, span, seed):
    x = np.asarray(random.randint(low, low + span, size=64, key=seed))
    assert ((x >= low) & (x < low + span)).all()


def test_randint_moments_broadcasting_and_single_bound():
    low, high = np.array([0, -5, 10]), np.array([2, 5, 100])
    x = np.asarray(random.randint(low, high, size=(N, 3), key=0), np.float64)
    assert ((x >= low) & (x < high)).all()
    mean, var = (low + high - 1) / 2, ((high - low) ** 2 - 1) / 12
    assert np.all(np.abs(x.mean(0) - mean) <= Z * np.sqrt(var / N))
    _check_frequencies(random.randint(6, size=N, key=1), np.full(6, 1 / 6))
    assert random.randint(low, high, key=0).shape == (3,)


def test_randint_dtypes():
    assert random.randint(5, size=3, key=0).dtype == jnp.int32
    x = random.randint(-100, 100, size=100, dtype=jnp.int8, key=0)
    assert x.dtype == jnp.int8 and int(x.min()) >= -100
    with pytest.raises(TypeError, match="`dtype`"):
        random.randint(5, size=3, dtype=jnp.float32, key=0)


def test_random_integers_is_inclusive():
    x = np.asarray(random.random_integers(6, size=N, key=0))
    _check_frequencies(x - 1, np.full(6, 1 / 6))
    y = np.asarray(random.random_integers(-2, 2, size=N, key=1))
    assert set(np.unique(y).tolist()) == {-2, -1, 0, 1, 2}


# -- choice and permutations ----------------------------------------------------------
def test_choice_from_an_int_or_an_array():
    assert random.choice(5, key=0).shape == ()
    x = np.asarray(random.choice(10, size=10, replace=False, key=0))
    assert sorted(x.tolist()) == list(range(10))
    a = jnp.arange(12).reshape(3, 4)
    cols = np.asarray(random.choice(a, size=2, replace=False, axis=1, key=0))
    assert cols.shape == (3, 2) and len(set(cols[0].tolist())) == 2
    np.testing.assert_array_equal(cols[1] - cols[0], 4)  # whole columns are chosen


def test_choice_with_probabilities():
    p = np.array([0.2, 0.3, 0.5])
    _check_frequencies(random.choice(3, size=N, p=p, key=0), p)


def test_permutation_and_shuffle():
    assert sorted(np.asarray(random.permutation(10, key=0)).tolist()) == list(range(10))
    a = jnp.arange(12).reshape(3, 4)
    rows = np.asarray(random.permutation(a, key=1))
    assert sorted(map(tuple, rows.tolist())) == sorted(map(tuple, np.asarray(a).tolist()))
    cols = np.asarray(random.permutation(a, axis=1, independent=True, key=2))
    for row, original in zip(cols, np.asarray(a)):
        assert sorted(row.tolist()) == original.tolist()
    x = jnp.arange(50)
    y = random.shuffle(x, key=3)
    assert sorted(np.asarray(y).tolist()) == list(range(50))
    assert not np.array_equal(y, x)
    np.testing.assert_array_equal(x, jnp.arange(50))  # the input is left alone
    with pytest.raises(TypeError, match="`x`"):
        random.shuffle(jnp.asarray(3.0), key=0)


# -- *_like ---------------------------------------------------------------------------
def test_like_functions_take_shape_and_matching_dtype():
    def like(name, x, *args, **kwargs):
        fn = getattr(random, name)
        return jax.eval_shape(lambda k: fn(x, *args, key=k, **kwargs), jax.random.key(0))

    half, ints = jnp.zeros((2, 3), jnp.float16), jnp.zeros((4,), jnp.int8)
    assert like("rand_like", half).dtype == jnp.float16
    assert like("randn_like", half).shape == (2, 3)
    assert like("rand_like", ints).dtype == jnp.float32
    assert like("randn_like", ints, dtype=jnp.bfloat16).dtype == jnp.bfloat16
    assert like("randint_like", ints, 10).dtype == jnp.int8
    assert like("randint_like", half, 10).dtype == jnp.int32
    assert like("rand_like", [[1.0, 2.0]]).shape == (1, 2)
    z = random.randint_like(np.zeros((64,)), 3, 7, key=0, dtype=jnp.int16)
    assert z.dtype == jnp.int16 and bool(((z >= 3) & (z < 7)).all())
    assert len(np.unique(np.asarray(z))) == 4


# -- categorical and orthogonal -------------------------------------------------------
def test_categorical_frequencies_follow_softmax():
    probs = np.array([[0.1, 0.2, 0.3, 0.4], [0.25, 0.25, 0.25, 0.25], [0.7, 0.1, 0.1, 0.1]])
    x = np.asarray(random.categorical(jnp.log(probs), size=(N, 3), key=0))
    assert x.dtype == np.int32
    for j in range(3):
        _check_frequencies(x[:, j], probs[j])
    assert random.categorical(jnp.zeros((4, 3)), axis=0, key=0).shape == (3,)


def test_orthogonal_matrices():
    q = np.asarray(random.orthogonal(3, size=(2000,), key=1), np.float64)
    assert q.shape == (2000, 3, 3)
    np.testing.assert_allclose(
        q @ q.transpose(0, 2, 1), np.broadcast_to(np.eye(3), q.shape), atol=1e-5
    )
    assert not np.allclose(q[0], q[1])
    # Haar measure: each entry has mean 0 and variance 1/n.
    first = q[:, 0, 0]
    assert abs(first.mean()) <= Z * math.sqrt(1 / 3 / 2000)
    assert abs(first.var() - 1 / 3) <= 0.05


def test_keys_of_any_accepted_form_give_the_same_draws():
    a = random.permutation(20, key=jax.random.key(4))
    np.testing.assert_array_equal(a, random.permutation(20, key=jax.random.PRNGKey(4)))
    np.testing.assert_array_equal(a, random.permutation(20, key=4))


def test_choice_and_permutation_take_python_sequences_as_numpy_does():
    random.seed(3)
    picked = random.choice([10, 20, 30], size=5, p=[0.0, 0.0, 1.0])
    assert picked.tolist() == [30] * 5
    assert sorted(random.choice((1, 2, 3), size=3, replace=False).tolist()) == [1, 2, 3]
    assert sorted(random.permutation([4, 5, 6]).tolist()) == [4, 5, 6]
    assert sorted(random.permutation(4).tolist()) == [0, 1, 2, 3]  # an int: arange


@pytest.mark.parametrize(
    "draw, message",
    [
        (lambda: random.normal(0.0, -1.0), r"normal: `scale` must be >= 0, got -1"),
        (lambda: random.lognormal(0.0, [1.0, -2.0]), r"lognormal: `sigma` must be >= 0"),
        (lambda: random.exponential(-1.0), r"exponential: `scale` must be >= 0"),
        (lambda: random.poisson([1.0, -1.0]), r"poisson: `lam` must be >= 0, got \[-1.0\]"),
        (lambda: random.binomial(5, 1.5), r"binomial: `p` must be in \[0, 1\], got 1.5"),
        (lambda: random.binomial(-1, 0.5), r"binomial: `n` must be >= 0"),
        (lambda: random.randint(5, 3), r"`high` must be greater than `low`, got low=5, high=3"),
    ],
)
def test_parameters_numpy_refuses_are_refused_by_name_and_draw_nothing(draw, message):
    random.seed(1)
    key = random.get_key()
    with pytest.raises(ValueError, match=message):
        draw()
    assert random.get_key().tolist() == key.tolist()  # the generator did not advance


def test_parameters_at_the_edge_or_traced_are_not_refused():
    assert float(random.normal(0.0, 0.0)) == 0.0
    assert np.isnan(float(random.normal(0.0, float("nan"))))  # numpy lets NaN through too
    assert random.binomial(3, 1.0, size=4).tolist() == [3.0] * 4
    assert random.poisson(0.0, size=2).tolist() == [0, 0]
