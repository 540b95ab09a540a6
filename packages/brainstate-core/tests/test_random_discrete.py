"""Discrete and multivariate distributions against scipy.stats and closed-form moments.

Each case draws N = 20000 samples for three parameter sets. The largest distance between the
empirical and the exact CDF must stay below the
Kolmogorov-Smirnov bound for alpha = 1e-6 (conservative for discrete distributions), and the
sample mean and variance within 5 standard errors of the exact ones (see
test_random_continuous.py for how the standard errors are formed).
"""

import math

import jax
import numpy as np
import pytest
from hypothesis import given, strategies as st
from scipy import special, stats

from brainstate_core import random

N = 20_000
KS_BOUND = math.sqrt(-math.log(1e-6 / 2) / (2 * N))
Z = 5.0
A3 = lambda *v: np.array(v, dtype=float)


def draws(name, *args, n=N, seed=0, **kwargs):
    """``n`` draws for each parameter set (eager, size=(n, *parameter shape)), as numpy."""
    fn = getattr(random, name)
    batch = np.broadcast_shapes(*(np.shape(v) for v in args))
    out = fn(*args, size=(n, *batch), key=seed, **kwargs)
    np.testing.assert_array_equal(out, fn(*args, size=(n, *batch), key=seed, **kwargs))
    return np.asarray(out)


def check_counts(x, dist, moments=True):
    """Integer sample ``x`` (1-d) looks like a sample of the frozen scipy distribution."""
    lo, hi = dist.support()
    assert (x >= lo).all() and (x <= hi).all(), (x.min(), x.max(), lo, hi)
    # The empirical CDF only steps at observed values: the largest gap is at one of them or
    # just below one.
    seen = np.unique(x)
    ks = np.union1d(seen, seen - 1)
    empirical = np.searchsorted(np.sort(x), ks, side="right") / len(x)
    d = np.max(np.abs(empirical - dist.cdf(ks)))
    assert d < KS_BOUND, f"CDF distance {d:.4f} >= {KS_BOUND:.4f}"
    if moments:
        x = x.astype(np.float64)
        mean, var = dist.mean(), dist.var()
        m, v = x.mean(), x.var()
        assert abs(m - mean) <= Z * math.sqrt(var / len(x)), (m, mean)
        se_var = math.sqrt(np.mean((x - m) ** 4) - v**2) / math.sqrt(len(x))
        assert abs(v - var) <= Z * se_var + 1e-12, (v, var)


CASES = [
    ("poisson", (A3(0.5, 4, 40),), stats.poisson),
    ("binomial", (A3(1, 10, 100), A3(0.3, 0.5, 0.9)), stats.binom),
    ("geometric", (A3(0.2, 0.5, 0.9),), stats.geom),
    ("negative_binomial", (A3(1, 2.5, 5), A3(0.4, 0.5, 0.8)), stats.nbinom),
    (
        "hypergeometric",
        (A3(5, 10, 20), A3(7, 3, 40), A3(6, 8, 30)),
        lambda good, bad, n: stats.hypergeom(good + bad, good, n),
    ),
    (
        "hypergeometric",
        (A3(2000, 1e5, 50), A3(3000, 1e5, 1e6), A3(1500, 5e4, 1000)),
        lambda good, bad, n: stats.hypergeom(good + bad, good, n),
    ),
    ("logseries", (A3(0.2, 0.6, 0.9),), stats.logser),
    ("zipf", (A3(6, 7, 9),), stats.zipf),
    ("bernoulli", (A3(0.1, 0.5, 0.9),), stats.bernoulli),
]


@pytest.mark.parametrize(("name", "args", "dist"), CASES, ids=[c[0] for c in CASES])
def test_matches_scipy(name, args, dist):
    x = draws(name, *args)
    assert x.shape == (N, 3)
    for j in range(3):
        check_counts(x[:, j].astype(np.int64), dist(*[a[j] for a in args]))


class _Zipf:
    """The Zipf CDF in closed form, 1 - zeta(a, k + 1) / zeta(a) (scipy's is too slow here)."""

    def __init__(self, a, top):
        self.a, self.top = a, top

    def support(self):
        return 1, self.top

    def _cdf(self, k):
        return 1 - special.zeta(self.a, np.asarray(k, np.float64) + 1) / special.zeta(self.a)

    def cdf(self, k):
        # Draws that would overflow the output dtype are rejected, as numpy does: the
        # distribution is conditioned on X <= top.
        return self._cdf(k) / self._cdf(self.top)


def test_zipf_heavy_tails_match_scipy():
    a = A3(1.05, 1.5, 2.0)
    x = draws("zipf", a)
    assert x[:, 0].max() > 2**28  # values up to the int32 range do occur, and are kept
    for j in range(3):
        check_counts(x[:, j].astype(np.int64), _Zipf(a[j], 2**31 - 1), moments=False)


# -- edge cases -----------------------------------------------------------------------
def test_hypergeometric_edges_and_invalid_parameters():
    good = np.array([0, 5, 5, 5, 5, -1, 5, 3])
    bad = np.array([5, 0, 5, 5, 5, 5, 5, 4])
    n = np.array([3, 3, 0, 10, 4, 2, 11, 7])
    x = np.asarray(random.hypergeometric(good, bad, n, size=(200, 8), key=0))
    np.testing.assert_array_equal(x[:, :4], np.broadcast_to([0, 3, 0, 5], (200, 4)))
    assert ((x[:, 4] >= 0) & (x[:, 4] <= 4)).all()
    np.testing.assert_array_equal(x[:, 5:7], -1)  # negative count, nsample > total
    np.testing.assert_array_equal(x[:, 7], 3)  # all items drawn: every good one


# Edge cases use the shape of the cases above, so that JAX's samplers are already compiled.
EDGE = (N, 3)


def test_discrete_edges():
    def all_equal(x, value):
        np.testing.assert_array_equal(np.asarray(x), np.full(EDGE, value))

    all_equal(random.geometric(1.0, size=EDGE, key=0), 1)
    all_equal(random.poisson(0.0, size=EDGE, key=0), 0)
    all_equal(random.binomial(7, 1.0, size=EDGE, key=0), 7)
    all_equal(random.negative_binomial(3, 1.0, size=EDGE, key=0), 0)
    all_equal(random.logseries(1e-9, size=EDGE, key=0), 1)
    np.testing.assert_array_equal(random.zipf(A3(1.0, 0.5, np.nan), size=EDGE, key=0)[0], -1)


@given(
    good=st.integers(0, 60), bad=st.integers(0, 60), frac=st.floats(0, 1), seed=st.integers(0, 9)
)
def test_hypergeometric_support_for_any_population(good, bad, frac, seed):
    n = int(frac * (good + bad))
    x = np.asarray(random.hypergeometric(good, bad, n, size=32, key=seed))
    assert (x >= max(0, n - bad)).all() and (x <= min(n, good)).all()


@given(a=st.floats(1.01, 50), seed=st.integers(0, 99))
def test_zipf_terminates_and_stays_positive(a, seed):
    x = np.asarray(random.zipf(a, size=32, key=seed))
    assert (x >= 1).all()


@given(p=st.floats(1e-6, 0.999), seed=st.integers(0, 99))
def test_logseries_and_geometric_are_positive(p, seed):
    assert (np.asarray(random.logseries(p, size=32, key=seed)) >= 1).all()
    assert (np.asarray(random.geometric(p, size=32, key=seed)) >= 1).all()


# -- multivariate ---------------------------------------------------------------------
def _check_mean(x, mean, var):
    assert np.all(np.abs(x.mean(0) - mean) <= Z * np.sqrt(var / len(x)) + 1e-12)


def test_dirichlet_moments_and_simplex():
    alpha = np.array([0.5, 2.0, 4.0])
    x = np.asarray(random.dirichlet(alpha, size=N, key=0), np.float64)
    assert x.shape == (N, 3)
    np.testing.assert_allclose(x.sum(-1), 1.0, atol=1e-5)
    assert (x >= 0).all()
    mean = alpha / alpha.sum()
    _check_mean(x, mean, mean * (1 - mean) / (alpha.sum() + 1))


def test_dirichlet_with_tiny_concentrations_stays_finite():
    x = np.asarray(random.dirichlet(np.full(3, 0.001), size=N, key=0))
    assert np.isfinite(x).all()
    np.testing.assert_allclose(x.sum(-1), 1.0, atol=1e-5)


def test_multinomial_moments_and_sums():
    n, p = A3(5, 10, 50), np.array([0.1, 0.2, 0.3, 0.4])
    x = np.asarray(random.multinomial(n, p, size=(N, 3), key=0), np.float64)
    assert x.shape == (N, 3, 4)
    np.testing.assert_array_equal(x.sum(-1), np.broadcast_to(n, (N, 3)))
    mean = n[:, None] * p
    _check_mean(x, mean, mean * (1 - p))


def test_multinomial_last_category_takes_the_rest():
    n, p = A3(100, 100, 100), np.array([0.2, 0.2, 0.5, 0.5])
    x = np.asarray(random.multinomial(n, p, size=(N, 3), key=1), np.float64)
    q = np.array([0.2, 0.2, 0.5, 0.1])
    _check_mean(x, 100 * q, 100 * q * (1 - q))


@pytest.mark.parametrize("method", ["cholesky", "eigh", "svd"])
def test_multivariate_normal_mean_and_covariance(method):
    mean = np.array([1.0, -1.0, 0.0])
    a = np.array([[1.0, 0.0, 0.0], [0.5, 1.0, 0.0], [-0.3, 0.2, 0.5]])
    cov = a @ a.T
    x = np.asarray(random.multivariate_normal(mean, cov, size=N, method=method, key=2))
    x = x.astype(np.float64)
    _check_mean(x, mean, np.diag(cov))
    se = np.sqrt((np.outer(np.diag(cov), np.diag(cov)) + cov**2) / N)
    assert np.all(np.abs(np.cov(x.T) - cov) <= Z * se)


def test_multivariate_normal_semidefinite_and_batched():
    a = np.array([[1.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    cov = a @ a.T  # rank 2: the first two components are equal
    for method in ("eigh", "svd"):  # the shapes of the test above: compiled already
        x = np.asarray(random.multivariate_normal(np.zeros(3), cov, N, method, key=0))
        assert np.isfinite(x).all()
        np.testing.assert_allclose(x[:, 0], x[:, 1], atol=1e-3)
    means = np.zeros((3, 2))
    draw = lambda k: random.multivariate_normal(means, np.eye(2), size=(5, 3), key=k)
    assert jax.eval_shape(draw, jax.random.key(0)).shape == (5, 3, 2)


def test_multivariate_normal_rejects_bad_inputs():
    with pytest.raises(ValueError, match="`method`"):
        random.multivariate_normal([0.0], [[1.0]], method="qr", key=0)
    with pytest.raises(ValueError, match="`cov`"):
        random.multivariate_normal([0.0, 0.0], np.eye(3), key=0)
    with pytest.raises(ValueError, match="`mean`"):
        random.multivariate_normal(0.0, np.eye(1), key=0)
    with pytest.raises(ValueError, match="`alpha`"):
        random.dirichlet(1.0, key=0)


def test_loop_samplers_give_the_same_numbers_under_vmap():
    """The rejection and table-free samplers here must not depend on the rest of the batch (those
    of jax.random are tested by JAX)."""
    keys = jax.random.split(jax.random.key(3), 4)
    for name, args in [
        ("zipf", (A3(1.2, 2.0, 5.0),)),
        ("hypergeometric", (A3(5, 500, 50), A3(5, 700, 1e4), A3(3, 600, 100))),
        ("vonmises", (0.0, A3(0.5, 4.0, 100.0))),
    ]:
        fn = getattr(random, name)
        batched = jax.jit(jax.vmap(lambda k, fn=fn, args=args: fn(*args, key=k)))(keys)
        for i in (0, 3):
            np.testing.assert_array_equal(batched[i], fn(*args, key=keys[i]))
