"""Compatibility with brainstate 0.1's random module: positional ``key``/``dtype``,
``binomial(check_valid=)``, ``set_key(seed_or_key=)``, ``default_rng()`` and ``seed`` seeding
numpy's global generator."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from brainstate_core import random

KEY = jax.random.PRNGKey(3)
INTS = {
    "binomial",
    "geometric",
    "hypergeometric",
    "logseries",
    "multinomial",
    "negative_binomial",
    "poisson",
    "randint",
    "random_integers",
    "zipf",
}
LINALG = {"multivariate_normal", "orthogonal"}
NO_DTYPE = {"bernoulli", "categorical", "choice", "permutation", "shuffle"}

# name -> (brainstate 0.1's positional parameters before `key`, values for them). After
# `key`, 0.1 took `dtype` (where it had one). `triangular` is left out: its 0.1 form,
# triangular(size, key), was another distribution (see its docstring).
OLD_POSITIONAL = {
    "bernoulli": (["p", "size"], [0.5, 3]),
    "beta": (["a", "b", "size"], [2.0, 3.0, 3]),
    "binomial": (["n", "p", "size"], [10, 0.3, 3]),
    "categorical": (["logits", "axis", "size"], [jnp.zeros(3), -1, None]),
    "chisquare": (["df", "size"], [3.0, 3]),
    "choice": (["a", "size", "replace", "p"], [5, 3, True, None]),
    "dirichlet": (["alpha", "size"], [[1.0, 2.0], 2]),
    "exponential": (["scale", "size"], [2.0, 3]),
    "f": (["dfnum", "dfden", "size"], [5.0, 10.0, 3]),
    "gamma": (["shape", "scale", "size"], [2.0, 1.0, 3]),
    "geometric": (["p", "size"], [0.3, 3]),
    "gumbel": (["loc", "scale", "size"], [0.0, 1.0, 3]),
    "hypergeometric": (["ngood", "nbad", "nsample", "size"], [5, 7, 4, 3]),
    "laplace": (["loc", "scale", "size"], [0.0, 1.0, 3]),
    "loggamma": (["a", "size"], [2.0, 3]),
    "logistic": (["loc", "scale", "size"], [0.0, 1.0, 3]),
    "lognormal": (["mean", "sigma", "size"], [0.0, 1.0, 3]),
    "logseries": (["p", "size"], [0.6, 3]),
    "maxwell": (["size"], [3]),
    "multinomial": (["n", "pvals", "size"], [10, [0.3, 0.7], 2]),
    "multivariate_normal": (
        ["mean", "cov", "size", "method"],
        [np.zeros(2), np.eye(2), 3, "cholesky"],
    ),
    "negative_binomial": (["n", "p", "size"], [5, 0.3, 3]),
    "noncentral_chisquare": (["df", "nonc", "size"], [3.0, 2.0, 3]),
    "noncentral_f": (["dfnum", "dfden", "nonc", "size"], [5.0, 10.0, 2.0, 3]),
    "normal": (["loc", "scale", "size"], [0.0, 1.0, 3]),
    "orthogonal": (["n", "size"], [3, None]),
    "pareto": (["a", "size"], [3.0, 3]),
    "permutation": (["x", "axis", "independent"], [5, 0, False]),
    "poisson": (["lam", "size"], [3.0, 3]),
    "power": (["a", "size"], [2.0, 3]),
    "randint": (["low", "high", "size"], [0, 10, 3]),
    "random": (["size"], [3]),
    "random_integers": (["low", "high", "size"], [1, 5, 3]),
    "random_sample": (["size"], [3]),
    "ranf": (["size"], [3]),
    "rayleigh": (["scale", "size"], [2.0, 3]),
    "sample": (["size"], [3]),
    "shuffle": (["x", "axis"], [np.arange(5), 0]),
    "standard_cauchy": (["size"], [3]),
    "standard_exponential": (["size"], [3]),
    "standard_gamma": (["shape", "size"], [2.0, 3]),
    "standard_normal": (["size"], [3]),
    "standard_t": (["df", "size"], [5.0, 3]),
    "t": (["df", "size"], [5.0, 3]),
    "truncated_normal": (["lower", "upper", "size", "loc", "scale"], [-1.0, 1.0, 3, 0.0, 1.0]),
    "uniform": (["low", "high", "size"], [0.0, 1.0, 3]),
    "vonmises": (["mu", "kappa", "size"], [0.0, 1.0, 3]),
    "wald": (["mean", "scale", "size"], [1.0, 2.0, 3]),
    "weibull": (["a", "size"], [2.0, 3]),
    "weibull_min": (["a", "scale", "size"], [2.0, 3.0, 3]),
    "zipf": (["a", "size"], [2.5, 3]),
}


@pytest.fixture(autouse=True)
def _keep_default():
    """Tests reseed DEFAULT and numpy's global generator: give both back afterwards."""
    key, np_state = random.DEFAULT._value, np.random.get_state()
    yield
    random.DEFAULT.restore_value(key)
    np.random.set_state(np_state)


def _key(rng):
    return np.asarray(rng.get_key()).tolist()


@pytest.mark.parametrize("name", sorted(OLD_POSITIONAL))
def test_key_and_dtype_are_taken_positionally_in_brainstate_01_order(name):
    names, values = OLD_POSITIONAL[name]
    fn = getattr(random, name)
    by_name = dict(zip(names, values, strict=True))
    before = _key(random.DEFAULT)
    expected = fn(**by_name, key=KEY)
    np.testing.assert_array_equal(fn(*values, KEY), expected)
    assert _key(random.DEFAULT) == before  # the positional key was used as the key
    if name not in NO_DTYPE:
        # float16 where XLA's CPU linear algebra takes it
        dt = jnp.int16 if name in INTS else jnp.float32 if name in LINALG else jnp.float16
        got = fn(*values, KEY, dt)
        assert got.dtype == dt
        np.testing.assert_array_equal(got, fn(**by_name, key=KEY, dtype=dt))


def test_randint_method_takes_dtype_before_key_as_in_brainstate_01():
    # 0.1's method: randint(low, high, size, dtype, key); its function: (..., key, dtype).
    rng = random.RandomState(0)
    got = rng.randint(0, 10, 3, jnp.int16, KEY)
    assert got.dtype == jnp.int16
    np.testing.assert_array_equal(got, random.randint(0, 10, 3, KEY, jnp.int16))
    np.testing.assert_array_equal(got, rng.randint(0, 10, 3, dtype=jnp.int16, key=KEY))


def test_randint_function_rejects_a_name_given_twice_or_too_many_arguments():
    with pytest.raises(TypeError, match="multiple values for `key`"):
        random.randint(0, 10, 3, KEY, key=KEY)
    with pytest.raises(TypeError, match="at most 5 positional"):
        random.randint(0, 10, 3, KEY, jnp.int32, 0)


def test_choice_takes_key_fifth_and_axis_by_name():
    a = np.arange(12).reshape(3, 4)
    np.testing.assert_array_equal(
        random.choice(a, 2, False, None, KEY, axis=1),
        random.choice(a, size=2, replace=False, key=KEY, axis=1),
    )


def test_binomial_check_valid_false_skips_the_parameter_check():
    with pytest.raises(ValueError, match="`p` must be in \\[0, 1\\]"):
        random.binomial(10, 1.5, 3, key=0)
    with pytest.raises(ValueError, match="`n` must be >= 0"):
        random.binomial(-1, 0.5, 3, key=0)
    assert random.binomial(10, 1.5, 3, key=0, check_valid=False).shape == (3,)
    assert random.RandomState(0).binomial(10, 0.3, 4, check_valid=False).shape == (4,)


def test_set_key_takes_seed_or_key_by_name_and_key_by_name():
    random.set_key(seed_or_key=jax.random.PRNGKey(5))
    assert _key(random.DEFAULT) == [0, 5]
    random.set_key(key=jax.random.PRNGKey(6))
    assert _key(random.DEFAULT) == [0, 6]
    random.set_key(7)
    assert _key(random.DEFAULT) == [0, 7]
    with pytest.raises(TypeError, match="both were given"):
        random.set_key(1, key=2)
    with pytest.raises(TypeError, match="neither were given"):
        random.set_key()


def test_default_rng_without_a_seed_is_the_default_generator():
    assert random.default_rng() is random.DEFAULT
    random.default_rng().seed(0)
    np.testing.assert_array_equal(random.rand(2), random.RandomState(0).rand(2))
    rng = random.default_rng(3)
    assert rng is not random.DEFAULT and _key(rng) == [0, 3]


@pytest.mark.parametrize(
    ("seed", "numpy_seed"),
    [
        (42, 42),
        (np.int64(7), 7),
        (np.array(9), 9),
        (2**40 + 5, 5),  # numpy takes seeds below 2**32
        (np.array([3, 4], np.uint32), np.array([3, 4], np.uint32)),  # a key: both words
        (jax.random.PRNGKey(11), np.array([0, 11], np.uint32)),
        (jax.random.wrap_key_data(np.array([6, 1], np.uint32)), np.array([6, 1], np.uint32)),
    ],
)
def test_seed_also_seeds_numpy_global_generator(seed, numpy_seed):
    random.seed(seed)
    got = np.random.rand(3)
    np.random.seed(numpy_seed)
    np.testing.assert_array_equal(got, np.random.rand(3))


def test_different_keys_seed_numpy_differently():
    draws = []
    for s in (5, 6):
        random.seed(jax.random.PRNGKey(s))
        draws.append(np.random.randint(1 << 30))
    assert draws[0] != draws[1]


def test_seed_none_draws_the_key_from_numpy_and_a_traced_seed_leaves_numpy_alone():
    np.random.seed(1)
    random.seed()
    first = _key(random.DEFAULT)
    np.random.seed(1)
    random.seed(None)
    assert _key(random.DEFAULT) == first
    random.seed()
    assert _key(random.DEFAULT) != first

    np.random.seed(5)
    expected = np.random.get_state()[1].copy()
    jax.jit(lambda s: random.seed(s))(3)  # the traced seed goes to DEFAULT only
    np.testing.assert_array_equal(np.random.get_state()[1], expected)


@pytest.mark.parametrize(
    "name",
    [
        "exponential",
        "pareto",
        "geometric",
        "weibull_min",
        "triangular",
        "chisquare",
        "zipf",
        "multinomial",
        "rayleigh",
        "vonmises",
        "power",
        "f",
        "wald",
        "hypergeometric",
        "logseries",
        "negative_binomial",
        "randint",
    ],
)
def test_distributions_that_changed_since_01_say_how(name):
    assert "Differs from brainstate 0.1:" in getattr(random, name).__doc__
