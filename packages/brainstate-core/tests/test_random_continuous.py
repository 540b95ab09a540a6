"""Continuous distributions against scipy.stats: support, Kolmogorov-Smirnov, mean and variance.

Each case draws N samples for three parameter sets at once. With N = 20000:

- the Kolmogorov-Smirnov distance must stay below sqrt(-ln(alpha / 2) / (2 N)) for
  alpha = 1e-6, i.e. about 0.019;
- the sample mean must be within 5 standard errors (sigma / sqrt(N)) of the true mean, and
  the sample variance within 5 standard errors of the true variance (its standard error
  estimated from the sample's fourth central moment). Parameters are chosen so that these
  moments are finite.

The keys are fixed, so the outcome is deterministic; the bounds say how unlikely a failure
of a correct sampler would be (about 1e-6 per check).
"""

import math

import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, strategies as st
from scipy import special, stats

from brainstate_core import random

N = 20_000
KS_BOUND = math.sqrt(-math.log(1e-6 / 2) / (2 * N))
Z = 5.0


def draws(name, *args, n=N, seed=0, **kwargs):
    """``n`` draws of ``random.<name>(*args, **kwargs)`` for each parameter set, as float64.

    Drawn eagerly with ``size=(n, *parameter shape)``: JAX's samplers are jitted per shape, so
    distributions built on the same primitive (gamma, ...) share one compiled program.
    """
    fn = getattr(random, name)
    batch = np.broadcast_shapes(*(np.shape(v) for v in (*args, *kwargs.values())))
    out = fn(*args, size=(n, *batch), key=seed, **kwargs)
    np.testing.assert_array_equal(out, fn(*args, size=(n, *batch), key=seed, **kwargs))
    return np.asarray(out, np.float64)


def check_sample(x, dist, moments=True):
    """``x`` (1-d) looks like a sample of the frozen scipy distribution ``dist``."""
    assert np.isfinite(x).all()
    lo, hi = dist.support()
    assert (x >= lo).all() and (x <= hi).all(), (x.min(), x.max(), lo, hi)
    d = stats.kstest(x, dist.cdf).statistic
    assert d < KS_BOUND, f"KS distance {d:.4f} >= {KS_BOUND:.4f}"
    if moments:
        mean, var = dist.mean(), dist.var()
        m, v = x.mean(), x.var()
        assert abs(m - mean) <= Z * math.sqrt(var / len(x)), (m, mean)
        se_var = math.sqrt(np.mean((x - m) ** 4) - v**2) / math.sqrt(len(x))
        assert abs(v - var) <= Z * se_var, (v, var)


def _wrap(x):
    return np.mod(x + np.pi, 2 * np.pi) - np.pi


A3 = lambda *v: np.array(v, dtype=float)
# name, parameters (three sets), scipy distribution of each set, keyword arguments
CASES = [
    ("uniform", (A3(0, -1, 2), A3(1, 1, 5)), lambda lo, hi: stats.uniform(lo, hi - lo), {}),
    ("normal", (A3(0, 1, -2), A3(1, 2, 0.5)), stats.norm, {}),
    ("beta", (A3(0.5, 2, 5), A3(0.5, 3, 1)), stats.beta, {}),
    ("exponential", (A3(0.5, 1, 3),), lambda s: stats.expon(scale=s), {}),
    ("gamma", (A3(0.3, 2, 9), A3(1, 2, 0.5)), lambda k, s: stats.gamma(k, scale=s), {}),
    ("standard_gamma", (A3(0.3, 2, 9),), stats.gamma, {}),
    ("loggamma", (A3(0.01, 2, 10),), stats.loggamma, {}),
    ("gumbel", (A3(0, 1, -1), A3(1, 2, 0.5)), stats.gumbel_r, {}),
    ("laplace", (A3(0, 1, -1), A3(1, 2, 0.5)), stats.laplace, {}),
    ("logistic", (A3(0, 1, -1), A3(1, 2, 0.5)), stats.logistic, {}),
    (
        "lognormal",
        (A3(0, 0.5, -1), A3(0.25, 0.5, 1)),
        lambda m, s: stats.lognorm(s, scale=np.exp(m)),
        {},
    ),
    ("pareto", (A3(9, 10, 12),), stats.lomax, {}),
    ("power", (A3(0.5, 1, 5),), stats.powerlaw, {}),
    ("rayleigh", (A3(0.5, 1, 3),), lambda s: stats.rayleigh(scale=s), {}),
    ("standard_t", (A3(10, 15, 30),), stats.t, {}),
    (
        "truncated_normal",
        (A3(-1, 0, -np.inf), A3(1, np.inf, 0.5)),
        None,  # built in the test from loc and scale
        {"loc": A3(0, 1, 2), "scale": A3(1, 0.5, 2)},
    ),
    (
        "triangular",
        (A3(0, 0, 0), A3(0, 0.5, 1), A3(1, 1, 2)),
        lambda lo, mode, hi: stats.triang((mode - lo) / (hi - lo), loc=lo, scale=hi - lo),
        {},
    ),
    ("weibull", (A3(0.5, 1, 3),), stats.weibull_min, {}),
    ("weibull_min", (A3(1, 2, 3), A3(2, 1, 0.5)), lambda a, s: stats.weibull_min(a, scale=s), {}),
    ("chisquare", (A3(1, 2, 5),), stats.chi2, {}),
    ("f", (A3(2, 5, 10), A3(20, 25, 30)), stats.f, {}),
    ("noncentral_chisquare", (A3(1, 2, 5), A3(0.5, 2, 10)), stats.ncx2, {}),
    ("noncentral_f", (A3(2, 5, 10), A3(20, 25, 30), A3(1, 3, 0.5)), stats.ncf, {}),
    ("wald", (A3(0.5, 1, 2), A3(1, 2, 0.5)), lambda m, lam: stats.invgauss(m / lam, scale=lam), {}),
]


@pytest.mark.parametrize(("name", "args", "dist", "kwargs"), CASES, ids=[c[0] for c in CASES])
def test_matches_scipy(name, args, dist, kwargs):
    x = draws(name, *args, **kwargs)
    assert x.shape == (N, 3)
    assert not np.array_equal(x[0], x[1])
    for j in range(3):
        params = [a[j] for a in args]
        if name == "truncated_normal":
            loc, scale = kwargs["loc"][j], kwargs["scale"][j]
            lo, hi = [(b - loc) / scale for b in params]
            frozen = stats.truncnorm(lo, hi, loc=loc, scale=scale)
        else:
            frozen = dist(*params)
        check_sample(x[:, j], frozen)


@pytest.mark.parametrize(
    ("name", "dist", "moments"),
    [
        ("random", stats.uniform(), True),
        ("standard_normal", stats.norm(), True),
        ("standard_exponential", stats.expon(), True),
        ("standard_cauchy", stats.cauchy(), False),
        ("maxwell", stats.maxwell(), True),
    ],
)
def test_parameterless_distributions_match_scipy(name, dist, moments):
    x = np.asarray(getattr(random, name)((N, 2), key=0), np.float64)
    assert not np.array_equal(x[:, 0], x[:, 1])
    check_sample(x[:, 0], dist, moments)


def test_heavy_tails_match_scipy():
    a = A3(1.5, 1.0, 0.5)
    x = draws("pareto", a)
    for j in range(3):
        check_sample(x[:, j], stats.lomax(a[j]), moments=False)
    x = draws("standard_t", a * 2)
    for j in range(3):
        check_sample(x[:, j], stats.t(a[j] * 2), moments=False)
    x = draws("f", A3(3, 1, 2), A3(3, 2, 4))
    for j, (d1, d2) in enumerate([(3, 3), (1, 2), (2, 4)]):
        check_sample(x[:, j], stats.f(d1, d2), moments=False)


def test_vonmises_matches_scipy_on_the_circle():
    mu, kappa = A3(0, 1, -2.5), A3(0.5, 4, 100)
    x = draws("vonmises", mu, kappa)
    assert (np.abs(x) <= np.pi).all()
    for j in range(3):
        # scipy's von Mises lives on [mu - pi, mu + pi]; compare the wrapped offsets. (Its
        # mean and variance integrate numerically and are slow: check E cos instead.)
        check_sample(_wrap(x[:, j] - mu[j]), stats.vonmises(kappa[j]), moments=False)
        cos = np.cos(x[:, j] - mu[j])
        expected = special.i1e(kappa[j]) / special.i0e(kappa[j])  # E cos(x - mu) = I1 / I0
        assert abs(cos.mean() - expected) <= Z * cos.std() / math.sqrt(N)


def test_vonmises_extreme_concentrations():
    # Same shape as above: the sampler is compiled already.
    x = np.concatenate(
        [draws("vonmises", 0.0, A3(0.0, 1e-12, 1e12)), draws("vonmises", 0.0, A3(1e4, 1e-3, 1e7))],
        axis=1,
    )
    uniform = stats.uniform(-np.pi, 2 * np.pi)
    for j in range(2):
        assert stats.kstest(x[:, j], uniform.cdf).statistic < KS_BOUND
    # Very concentrated: normal with variance 1 / kappa around mu.
    assert stats.kstest(x[:, 2] * 1e6, stats.norm().cdf).statistic < KS_BOUND
    for j, kappa in [(3, 1e4), (4, 1e-3), (5, 1e7)]:
        assert stats.kstest(x[:, j], stats.vonmises(kappa).cdf).statistic < KS_BOUND


def test_far_tail_truncated_normal_stays_in_bounds():
    x = draws("truncated_normal", A3(5.0, -7.0), A3(6.0, -6.5), n=2000)
    assert ((x[:, 0] >= 5) & (x[:, 0] <= 6)).all()
    assert ((x[:, 1] >= -7) & (x[:, 1] <= -6.5)).all()


# -- support for arbitrary parameters (eager draws: one compile, then cached) ---------
finite = dict(allow_nan=False, allow_infinity=False)


@given(low=st.floats(-1e3, 1e3, **finite), width=st.floats(1e-3, 1e3, **finite))
def test_uniform_stays_in_its_interval(low, width):
    x = np.asarray(random.uniform(low, low + width, size=64, key=1))
    assert (x >= np.float32(low)).all() and (x <= np.float32(low + width)).all()


@given(
    mu=st.floats(-10, 10, **finite),
    log_kappa=st.floats(-12, 12, **finite),
    seed=st.integers(0, 2**31),
)
def test_vonmises_is_an_angle_for_any_concentration(mu, log_kappa, seed):
    x = np.asarray(random.vonmises(mu, 10.0**log_kappa, size=64, key=seed))
    assert np.isfinite(x).all() and (np.abs(x) <= np.float32(np.pi)).all()


@given(
    lower=st.floats(-8, 8, **finite), width=st.floats(1e-2, 5, **finite), seed=st.integers(0, 99)
)
def test_truncated_normal_respects_any_bounds(lower, width, seed):
    upper = lower + width
    x = np.asarray(random.truncated_normal(lower, upper, size=64, key=seed))
    assert np.isfinite(x).all()
    assert (x >= np.float32(lower)).all() and (x <= np.float32(upper)).all()


@given(mean=st.floats(1e-3, 1e3, **finite), scale=st.floats(1e-3, 1e3, **finite))
def test_wald_is_positive_and_finite(mean, scale):
    x = np.asarray(random.wald(mean, scale, size=64, key=2))
    assert np.isfinite(x).all() and (x > 0).all()


@given(
    left=st.floats(-100, 100, **finite),
    a=st.floats(0, 1, **finite),
    width=st.floats(1e-3, 100, **finite),
)
def test_triangular_stays_between_left_and_right(left, a, width):
    right = left + width
    mode = left + a * width
    x = np.asarray(random.triangular(left, mode, right, size=64, key=3))
    assert (x >= np.float32(left)).all() and (x <= np.float32(right)).all()


@given(a=st.floats(1e-2, 1e2, **finite))
def test_power_and_weibull_supports(a):
    p = np.asarray(random.power(a, size=64, key=4))
    assert ((p >= 0) & (p <= 1)).all()
    w = np.asarray(random.weibull(a, size=64, key=4))
    assert (w >= 0).all() and not np.isnan(w).any()


def test_weibull_with_zero_shape_is_zero():
    np.testing.assert_array_equal(random.weibull(0.0, size=3, key=0), jnp.zeros(3))
