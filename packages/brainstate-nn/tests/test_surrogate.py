"""Surrogate-gradient spike functions: Heaviside forward, closed-form surrogate gradients.

Every gradient is compared with its formula written here independently in numpy (float64),
under eager execution, ``jit``, ``vmap``, ``jacfwd``/``jacrev``, for the class and the
function form, with default and non-default parameters, Python numbers and traced arrays.
"""

import functools
import math
import pickle

import hypothesis.extra.numpy as hnp
import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.special as sps
import scipy.stats as stats
from hypothesis import given, settings, strategies as st

import brainstate_nn as nn
from brainstate_nn import surrogate as sg

# ------------------------------------------------------------------------------------------------
# Independent references: the surrogate gradient g'(x) in numpy, float64.


def _sigmoid(x, alpha):
    s = sps.expit(alpha * x)
    return alpha * s * (1 - s)


def _piecewise_quadratic(x, alpha):
    return np.where(np.abs(x) > 1 / alpha, 0.0, alpha - alpha**2 * np.abs(x))


def _piecewise_exp(x, alpha):
    return alpha / 2 * np.exp(-alpha * np.abs(x))


def _soft_sign(x, alpha):
    return alpha / (2 * (1 + np.abs(alpha * x)) ** 2)


def _arctan(x, alpha):
    return alpha / (2 * (1 + (np.pi / 2 * alpha * x) ** 2))


def _nonzero_sign_log(x, alpha):
    return 1 / (1 / alpha + np.abs(x))


def _erf(x, alpha):
    return alpha / np.sqrt(np.pi) * np.exp(-(alpha**2) * x**2)


def _piecewise_leaky_relu(x, c, w):
    return np.where(np.abs(x) > w, c, 1 / w)


def _squarewave(x, n, t_period):
    w = 2 * np.pi / t_period
    k = max(n - 1, 1)
    return 4 / t_period * sum(np.cos((2 * i - 1) * w * x) for i in range(1, k + 1))


def _s2nn(x, alpha, beta, epsilon):
    s = sps.expit(alpha * x)
    with np.errstate(divide="ignore"):
        return np.where(x < 0, alpha * s * (1 - s), beta / (x + 1))


def _q_pseudo_spike(x, alpha):
    return (1 + 2 * np.abs(x) / (alpha - 1)) ** (-alpha)


def _leaky_relu(x, alpha, beta):
    return np.where(x < 0, alpha, beta)


def _log_tailed_relu(x, alpha):
    with np.errstate(divide="ignore"):
        return np.where(x > 1, 1 / x, np.where(x > 0, 1.0, alpha))


def _relu_grad(x, alpha, width):
    return np.maximum(alpha * (width - np.abs(x)), 0.0)


def _gaussian(x, sigma, alpha):
    return alpha * stats.norm.pdf(x, loc=0.0, scale=sigma)


def _multi_gaussian(x, h, s, sigma, scale):
    n = stats.norm.pdf
    return scale * (
        (1 + h) * n(x, 0, sigma) - h * n(x, sigma, s * sigma) - h * n(x, -sigma, s * sigma)
    )


def _inv_square(x, alpha):
    return 1 / (alpha * np.abs(x) + 1) ** 2


def _slayer(x, alpha):
    return np.exp(-alpha * np.abs(x))


# (class, function, reference, brainstate 0.1 defaults, other parameters, has surrogate_fun)
CASES = [
    (sg.Sigmoid, sg.sigmoid, _sigmoid, dict(alpha=4.0), dict(alpha=1.5), True),
    (
        sg.PiecewiseQuadratic,
        sg.piecewise_quadratic,
        _piecewise_quadratic,
        dict(alpha=1.0),
        dict(alpha=2.5),
        True,
    ),
    (sg.PiecewiseExp, sg.piecewise_exp, _piecewise_exp, dict(alpha=1.0), dict(alpha=3.0), True),
    (sg.SoftSign, sg.soft_sign, _soft_sign, dict(alpha=1.0), dict(alpha=2.0), True),
    (sg.Arctan, sg.arctan, _arctan, dict(alpha=1.0), dict(alpha=2.0), True),
    (
        sg.NonzeroSignLog,
        sg.nonzero_sign_log,
        _nonzero_sign_log,
        dict(alpha=1.0),
        dict(alpha=0.5),
        True,
    ),
    (sg.ERF, sg.erf, _erf, dict(alpha=1.0), dict(alpha=2.0), True),
    (
        sg.PiecewiseLeakyRelu,
        sg.piecewise_leaky_relu,
        _piecewise_leaky_relu,
        dict(c=0.01, w=1.0),
        dict(c=0.2, w=0.5),
        True,
    ),
    (
        sg.SquarewaveFourierSeries,
        sg.squarewave_fourier_series,
        _squarewave,
        dict(n=2, t_period=8.0),
        dict(n=4, t_period=5.0),
        True,
    ),
    (
        sg.S2NN,
        sg.s2nn,
        _s2nn,
        dict(alpha=4.0, beta=1.0, epsilon=1e-8),
        dict(alpha=2.0, beta=0.5, epsilon=1e-6),
        True,
    ),
    (sg.QPseudoSpike, sg.q_pseudo_spike, _q_pseudo_spike, dict(alpha=2.0), dict(alpha=3.5), True),
    (
        sg.LeakyRelu,
        sg.leaky_relu,
        _leaky_relu,
        dict(alpha=0.1, beta=1.0),
        dict(alpha=0.3, beta=2.0),
        True,
    ),
    (
        sg.LogTailedRelu,
        sg.log_tailed_relu,
        _log_tailed_relu,
        dict(alpha=0.0),
        dict(alpha=0.2),
        True,
    ),
    (
        sg.ReluGrad,
        sg.relu_grad,
        _relu_grad,
        dict(alpha=0.3, width=1.0),
        dict(alpha=1.0, width=2.0),
        False,
    ),
    (
        sg.GaussianGrad,
        sg.gaussian_grad,
        _gaussian,
        dict(sigma=0.5, alpha=0.5),
        dict(sigma=1.5, alpha=1.0),
        False,
    ),
    (sg.InvSquareGrad, sg.inv_square_grad, _inv_square, dict(alpha=100.0), dict(alpha=3.0), False),
    (
        sg.MultiGaussianGrad,
        sg.multi_gaussian_grad,
        _multi_gaussian,
        dict(h=0.15, s=6.0, sigma=0.5, scale=0.5),
        dict(h=0.3, s=2.0, sigma=1.0, scale=1.0),
        False,
    ),
    (sg.SlayerGrad, sg.slayer_grad, _slayer, dict(alpha=1.0), dict(alpha=4.0), False),
]
IDS = [c[0].__name__ for c in CASES]
# every case, with its default parameters and with other ones
PARAMS = [
    pytest.param(cls, fn, ref, kw, has_fun, id=f"{cls.__name__}-{tag}")
    for cls, fn, ref, default, other, has_fun in CASES
    for tag, kw in (("default", default), ("other", other))
]

FAMILY = {
    "Sigmoid",
    "PiecewiseQuadratic",
    "PiecewiseExp",
    "SoftSign",
    "Arctan",
    "NonzeroSignLog",
    "ERF",
    "PiecewiseLeakyRelu",
    "SquarewaveFourierSeries",
    "S2NN",
    "QPseudoSpike",
    "LeakyRelu",
    "LogTailedRelu",
    "ReluGrad",
    "GaussianGrad",
    "InvSquareGrad",
    "MultiGaussianGrad",
    "SlayerGrad",
}

XS = np.array([-3.0, -1.2, -1.0, -0.6, -0.25, -0.01, 0.0, 0.01, 0.3, 0.5, 0.99, 1.7, 4.0])
# one shape, so that each surrogate compiles once (instances are equal, hashable static args)
inputs = hnp.arrays(
    np.float32,
    (2, 4),
    elements=st.floats(-4, 4, width=32, allow_subnormal=False) | st.just(0.0),
)


def _sum_of(f):
    return lambda v: jnp.sum(f(v))


def _grad(f):
    return jax.grad(_sum_of(f))


@functools.partial(jax.jit, static_argnums=0)
def _jit_spike(spike, x):
    return spike(x)


@functools.partial(jax.jit, static_argnums=0)
def _jit_grad(spike, x):
    return _grad(spike)(x)


@functools.partial(jax.jit, static_argnums=0)
def _jit_vmap_grad(spike, x):
    return jax.vmap(jax.grad(spike))(x)


@functools.partial(jax.jit, static_argnums=(0, 1))
def _jit_vmap_grad_fn(fn, kw_items, x):
    return jax.vmap(jax.grad(lambda v: fn(v, **dict(kw_items))))(x)


def _close(actual, expected, rtol=2e-5, atol=2e-6):
    np.testing.assert_allclose(np.asarray(actual, np.float64), expected, rtol=rtol, atol=atol)


def _defaults(cls):
    return next(c[3] for c in CASES if c[0] is cls)


# ------------------------------------------------------------------------------------------------
# The public surface


def test_the_family_is_public():
    assert {name for name in sg.__all__ if name[0].isupper()} == FAMILY | {
        "Surrogate",
        "SurrogateError",
    }
    assert nn.surrogate is sg
    for cls, fn, *_ in CASES:
        assert issubclass(cls, sg.Surrogate)
        assert cls.__module__ == fn.__module__ == "brainstate_nn.surrogate"


@pytest.mark.parametrize("cls, fn, ref, default, other, has_fun", CASES, ids=IDS)
def test_defaults_are_brainstate_01(cls, fn, ref, default, other, has_fun):
    import inspect

    cls_defaults = {
        k: p.default for k, p in inspect.signature(cls).parameters.items() if k != "self"
    }
    fn_params = inspect.signature(fn).parameters
    fn_defaults = {k: p.default for k, p in fn_params.items() if k != "x"}
    assert cls_defaults == default
    assert fn_defaults == default
    assert next(iter(fn_params)) == "x"


# ------------------------------------------------------------------------------------------------
# Forward: the Heaviside step


@pytest.mark.parametrize("cls, fn, ref, kw, has_fun", PARAMS)
@settings(max_examples=4, deadline=None)
@given(x=inputs)
def test_forward_is_heaviside(cls, fn, ref, kw, has_fun, x):
    expected = (x >= 0).astype(np.float32)
    for out in (cls(**kw)(x), fn(jnp.asarray(x), **kw), _jit_spike(cls(**kw), x)):
        assert out.dtype == jnp.float32
        assert out.shape == x.shape
        np.testing.assert_array_equal(np.asarray(out), expected)


@pytest.mark.parametrize("dtype", [jnp.float16, jnp.bfloat16, jnp.float32])
def test_dtype_follows_input(dtype):
    spikes = [cls() for cls, *_ in CASES]

    @jax.jit
    def everything(x):
        return [(spike(x), _grad(spike)(x)) for spike in spikes]

    for out, grad in everything(jnp.asarray(XS, dtype)):
        assert out.dtype == grad.dtype == dtype


def test_integer_input_gives_integer_spikes():
    out = sg.Sigmoid()(jnp.arange(-2, 3))
    assert out.dtype == jnp.arange(3).dtype
    assert out.tolist() == [0, 0, 1, 1, 1]


def test_threshold_itself_spikes():
    # brainstate 0.1's convention: x >= 0 spikes (a potential exactly at threshold fires)
    for cls, *_ in CASES:
        assert float(cls()(0.0)) == 1.0
        assert float(cls()(-1e-7)) == 0.0


# ------------------------------------------------------------------------------------------------
# Backward: the surrogate gradient against its formula


@pytest.mark.parametrize("cls, fn, ref, kw, has_fun", PARAMS)
@settings(max_examples=4, deadline=None)
@given(x=inputs)
def test_grad_matches_formula(cls, fn, ref, kw, has_fun, x):
    expected = ref(x.astype(np.float64), **kw)
    spike = cls(**kw)
    _close(_grad(spike)(x), expected)  # eager
    _close(_jit_grad(spike, x), expected)
    flat = x.reshape(-1)
    _close(_jit_vmap_grad(spike, flat), expected.reshape(-1))
    _close(_jit_vmap_grad_fn(fn, tuple(kw.items()), flat), expected.reshape(-1))


@pytest.mark.parametrize("cls, fn, ref, default, kw, has_fun", CASES, ids=IDS)
def test_surrogate_grad_method_and_jacobians(cls, fn, ref, default, kw, has_fun):
    spike = cls(**kw)
    x = jnp.asarray(XS, jnp.float32)
    expected = ref(XS, **kw)
    _close(spike.surrogate_grad(x), expected)
    _close(jax.jacfwd(spike)(x), np.diag(expected))
    _close(jax.jacrev(spike)(x), np.diag(expected))
    # jvp: the tangent is scaled by the surrogate gradient
    primal, tangent = jax.jvp(spike, (x,), (jnp.full_like(x, 2.0),))
    np.testing.assert_array_equal(np.asarray(primal), (XS >= 0).astype(np.float32))
    _close(tangent, 2 * expected)


@pytest.mark.parametrize("cls, fn, ref, kw, has_fun", PARAMS)
def test_class_and_function_agree(cls, fn, ref, kw, has_fun):
    x = jnp.asarray(XS, jnp.float32)
    spike = cls(**kw)
    np.testing.assert_array_equal(np.asarray(spike(x)), np.asarray(fn(x, **kw)))
    np.testing.assert_array_equal(
        np.asarray(_grad(spike)(x)), np.asarray(_grad(lambda v: fn(v, **kw))(x))
    )
    # positional parameters in brainstate 0.1's order
    np.testing.assert_array_equal(
        np.asarray(_grad(lambda v: fn(v, *kw.values()))(x)), np.asarray(_grad(spike)(x))
    )


@pytest.mark.parametrize("cls, fn, ref, default, other, has_fun", CASES, ids=IDS)
def test_python_float_input(cls, fn, ref, default, other, has_fun):
    for x in (0.3, -0.4, 0.0):
        assert float(fn(x)) == float(x >= 0)
        assert float(cls()(x)) == float(x >= 0)
        _close(jax.grad(fn)(x), ref(np.float64(x), **default))
        _close(jax.grad(cls(**other))(x), ref(np.float64(x), **other))


@pytest.mark.parametrize("cls, fn, ref, kw, has_fun", PARAMS)
def test_surrogate_fun_is_the_antiderivative(cls, fn, ref, kw, has_fun):
    spike = cls(**kw)
    if not has_fun:
        with pytest.raises(NotImplementedError, match="gradient only"):
            spike.surrogate_fun(0.5)
        return
    # away from the kinks of the piecewise definitions
    x = jnp.asarray([-2.3, -0.7, -0.2, 0.15, 0.45, 0.8, 2.6], jnp.float32)
    slope = jax.jit(jax.vmap(jax.grad(spike.surrogate_fun)))(x)
    expected = ref(np.asarray(x, np.float64), **kw)
    if cls is sg.PiecewiseLeakyRelu:
        # documented (as in brainstate 0.1): the ramp's slope is half the gradient in the window
        expected = np.where(np.abs(np.asarray(x)) > kw["w"], expected, expected / 2)
    _close(slope, expected, rtol=1e-4, atol=1e-5)


# ------------------------------------------------------------------------------------------------
# Proper densities


def _integral(f, half_range=1e4):
    """Trapezoid rule of the jitted gradient on a grid dense near 0 (sinh spacing)."""
    t = np.linspace(-np.arcsinh(half_range * 1e3), np.arcsinh(half_range * 1e3), 400_001)
    grid = np.sinh(t) / 1e3
    values = np.asarray(jax.jit(jax.vmap(jax.grad(f)))(jnp.asarray(grid, jnp.float32)))
    return np.trapezoid(values.astype(np.float64), grid)


@pytest.mark.parametrize("sigma, alpha", [(0.5, 0.5), (0.5, 1.0), (0.1, 1.0), (2.0, 1.0)])
def test_gaussian_grad_is_a_normal_density(sigma, alpha):
    spike = sg.GaussianGrad(sigma=sigma, alpha=alpha)
    assert _integral(spike) == pytest.approx(alpha, rel=1e-4)
    x = np.linspace(-4 * sigma, 4 * sigma, 101)
    _close(
        jax.vmap(jax.grad(spike))(jnp.asarray(x, jnp.float32)), alpha * stats.norm.pdf(x, 0, sigma)
    )
    # brainstate 0.1 multiplied by sigma**2 in the exponent: the peak stays, the width did not
    assert float(jax.grad(spike)(sigma)) == pytest.approx(
        alpha * math.exp(-0.5) / (math.sqrt(2 * math.pi) * sigma), rel=1e-5
    )


@pytest.mark.parametrize(
    "spike, total",
    [
        (sg.Sigmoid(), 1.0),
        (sg.Sigmoid(alpha=0.7), 1.0),
        (sg.PiecewiseQuadratic(alpha=2.0), 1.0),
        (sg.PiecewiseExp(), 1.0),
        (sg.SoftSign(), 1.0),
        (sg.Arctan(alpha=2.0), 1.0),
        (sg.ERF(), 1.0),
        (sg.QPseudoSpike(alpha=3.0), 1.0),
        (sg.GaussianGrad(), 0.5),
        (sg.MultiGaussianGrad(), 0.5 * (1 - 0.15)),
        (sg.InvSquareGrad(alpha=100.0), 2 / 100),
        (sg.SlayerGrad(alpha=2.0), 1.0),
        (sg.ReluGrad(alpha=0.3, width=1.0), 0.3),
    ],
    ids=repr,
)
def test_documented_integrals(spike, total):
    assert _integral(spike) == pytest.approx(total, rel=2e-3)


# ------------------------------------------------------------------------------------------------
# Higher order and traced parameters


@pytest.mark.parametrize("cls, fn, ref, kw, has_fun", PARAMS)
def test_second_order_is_finite(cls, fn, ref, kw, has_fun):
    spike = cls(**kw)
    x = jnp.asarray(XS, jnp.float32)
    second, hess = jax.jit(
        lambda x: (jax.vmap(jax.grad(jax.grad(spike)))(x), jax.hessian(_sum_of(spike))(x))
    )(x)
    assert np.all(np.isfinite(np.asarray(second)))
    assert np.all(np.isfinite(np.asarray(hess)))
    _close(np.diag(np.asarray(hess)), np.asarray(second), atol=1e-5)


SMOOTH = [c for c in CASES if c[0] in (sg.Sigmoid, sg.Arctan, sg.ERF, sg.GaussianGrad)]
SMOOTH += [c for c in CASES if c[0] in (sg.MultiGaussianGrad, sg.SquarewaveFourierSeries)]


@pytest.mark.parametrize(
    "cls, fn, ref, default, other, has_fun", SMOOTH, ids=[c[0].__name__ for c in SMOOTH]
)
def test_second_derivative_matches_finite_differences(cls, fn, ref, default, other, has_fun):
    x = np.linspace(-2.0, 2.0, 17)
    h = 1e-4
    expected = (ref(x + h, **other) - ref(x - h, **other)) / (2 * h)
    second = jax.vmap(jax.grad(jax.grad(cls(**other))))(jnp.asarray(x, jnp.float32))
    _close(second, expected, rtol=1e-3, atol=1e-4)


@pytest.mark.parametrize("cls, fn, ref, default, other, has_fun", CASES, ids=IDS)
def test_array_parameters_are_traced_not_baked(cls, fn, ref, default, other, has_fun):
    x = jnp.asarray(XS, jnp.float32)
    floats = {k: v for k, v in other.items() if isinstance(v, float)}
    statics = {k: v for k, v in other.items() if k not in floats}

    @jax.jit
    def grad_with(params):
        return _grad(cls(**params, **statics))(x)

    _close(grad_with({k: jnp.float32(v) for k, v in floats.items()}), ref(XS, **other))
    mixed = {**other, **{k: default[k] for k in floats}}
    _close(grad_with({k: jnp.float32(mixed[k]) for k in floats}), ref(XS, **mixed))
    assert grad_with._cache_size() == 1  # one trace for both sets of parameter values

    # vmap over a parameter
    name = next(iter(floats))
    values = np.array([other[name], default[name]], np.float32)

    def grad_at(value):
        return jax.grad(cls(**{**other, name: value}))(jnp.float32(0.4))

    expected = [ref(np.float64(0.4), **{**other, name: float(v)}) for v in values]
    _close(jax.vmap(grad_at)(jnp.asarray(values)), np.array(expected), rtol=1e-4)

    # the spike does not depend on its parameters
    forward = jax.grad(lambda value: jnp.sum(cls(**{**other, name: value})(x)))(
        jnp.float32(values[0])
    )
    assert float(forward) == 0.0


def test_surrogate_gradient_is_differentiable_in_its_parameters():
    # d/dalpha of sigmoid's surrogate gradient at x, with s = expit(alpha x):
    # s(1-s) + alpha x s(1-s)(1-2s)
    def surrogate_at(alpha, x):
        return jax.grad(sg.sigmoid)(x, alpha)

    alpha, x = 2.0, 0.3
    s = sps.expit(alpha * x)
    expected = s * (1 - s) + alpha * x * s * (1 - s) * (1 - 2 * s)
    _close(jax.grad(surrogate_at)(jnp.float32(alpha), x), expected, rtol=1e-5)


# ------------------------------------------------------------------------------------------------
# Objects: repr, equality, hashing, subclassing


@pytest.mark.parametrize("cls, fn, ref, default, other, has_fun", CASES, ids=IDS)
def test_repr_equality_and_hash(cls, fn, ref, default, other, has_fun):
    spike = cls(**other)
    assert (
        repr(spike) == f"{cls.__name__}(" + ", ".join(f"{k}={v!r}" for k, v in other.items()) + ")"
    )
    assert eval(repr(spike), vars(sg)) == spike
    assert cls(**other) == spike and hash(cls(**other)) == hash(spike)
    assert cls(**default) != spike
    assert spike != sg.Surrogate() and len({cls(**other), spike, cls(**default)}) == 2
    assert pickle.loads(pickle.dumps(spike)) == spike


def test_array_parameters_compare_by_identity():
    alpha = jnp.float32(2.0)
    a, b = sg.Sigmoid(alpha), sg.Sigmoid(alpha)
    assert a == b and hash(a) == hash(b)
    assert a != sg.Sigmoid(jnp.float32(2.0))
    assert a != sg.Sigmoid(2.0)
    np_alpha = np.array([1.0, 2.0])
    assert hash(sg.Sigmoid(np_alpha)) == hash(sg.Sigmoid(np_alpha))


def test_instances_are_static_jit_arguments():
    x = jnp.asarray(XS, jnp.float32)
    f = jax.jit(lambda x, spike: _grad(spike)(x), static_argnums=1)
    _close(f(x, sg.Sigmoid(2.0)), _sigmoid(XS, 2.0))
    _close(f(x, sg.Sigmoid(2.0)), _sigmoid(XS, 2.0))
    assert f._cache_size() == 1
    _close(f(x, sg.Sigmoid(3.0)), _sigmoid(XS, 3.0))
    assert f._cache_size() == 2


def test_brainstate_01_style_subclass():
    class Cosine(sg.Surrogate):
        def __init__(self, alpha=1.0):
            super().__init__()
            self.alpha = alpha
            self.shift = [0.0]  # an unhashable attribute is kept, compared by identity

        def surrogate_fun(self, x):
            return jnp.sin(x) * self.alpha

        def surrogate_grad(self, x):
            return jnp.cos(x - self.shift[0]) * self.alpha

    spike = Cosine(2.0)
    x = jnp.asarray(XS, jnp.float32)
    _close(jax.jit(_grad(spike))(x), 2 * np.cos(XS))
    assert repr(spike) == "Cosine(alpha=2.0, shift=[0.0])"
    assert hash(spike) == hash(spike)
    with pytest.raises(NotImplementedError, match="surrogate_grad"):
        sg.Surrogate()(x)


# ------------------------------------------------------------------------------------------------
# Bad input


def test_quantity_inputs():
    import brainunit as u

    v = jnp.asarray([-60.0, -50.0, -45.0]) * u.mV
    scaled = (v - (-50.0 * u.mV)) / (10.0 * u.mV)
    np.testing.assert_array_equal(np.asarray(sg.Sigmoid()(scaled)), [0.0, 1.0, 1.0])
    np.testing.assert_array_equal(np.asarray(sg.Sigmoid()(u.Quantity(XS))), XS >= 0)
    with pytest.raises(sg.SurrogateError, match=r"Sigmoid expects a dimensionless input.*mV"):
        sg.Sigmoid()(v)


def test_complex_input_is_rejected():
    with pytest.raises(sg.SurrogateError, match="real input, got dtype complex64"):
        sg.ERF()(jnp.ones(2, jnp.complex64))


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: sg.QPseudoSpike(alpha=1.0), r"QPseudoSpike: alpha must be > 1"),
        (lambda: sg.PiecewiseQuadratic(alpha=0.0), r"PiecewiseQuadratic: alpha must be > 0"),
        (lambda: sg.PiecewiseLeakyRelu(w=-1.0), r"PiecewiseLeakyRelu: w must be > 0"),
        (lambda: sg.SquarewaveFourierSeries(n=2.5), r"n must be a Python integer"),
        (lambda: sg.SquarewaveFourierSeries(n=0), r"n must be >= 1"),
        (lambda: sg.SquarewaveFourierSeries(t_period=0.0), r"t_period must be > 0"),
        (lambda: sg.GaussianGrad(sigma=0.0), r"GaussianGrad: sigma must be > 0"),
        (lambda: sg.MultiGaussianGrad(s=-2.0), r"MultiGaussianGrad: s must be > 0"),
    ],
)
def test_bad_parameters(make, match):
    with pytest.raises(sg.SurrogateError, match=match) as info:
        make()
    assert isinstance(info.value, ValueError)
