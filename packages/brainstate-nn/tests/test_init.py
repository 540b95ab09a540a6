"""Initializers: shapes, dtypes, units, distribution statistics, reproducibility, param/state."""

import math

import brainunit as u
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, strategies as st

import brainstate_core as bsc
import brainstate_nn as nn
from brainstate_nn import init

N = 40_000  # samples for the statistics below (std error of the mean ~ 0.005 * std)

shapes = st.lists(st.integers(1, 5), min_size=2, max_size=4).map(tuple)


def _phi(x):
    return math.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)


def _Phi(x):
    return 0.5 * (1 + math.erf(x / math.sqrt(2)))


def truncnorm_std(a, b):
    """The standard deviation of N(0, 1) truncated to [a, b] (closed form)."""
    z = _Phi(b) - _Phi(a)
    mean = (_phi(a) - _phi(b)) / z
    var = 1 + (a * _phi(a) - b * _phi(b)) / z - mean**2
    return math.sqrt(var)


# -- to_size ---------------------------------------------------------------------------------
def test_to_size():
    assert init.to_size(3) == (3,)
    assert init.to_size(np.int64(3)) == (3,)
    assert init.to_size([2, 3]) == (2, 3)
    assert init.to_size((2,)) == (2,)
    assert init.to_size(None) is None
    with pytest.raises(nn.ShapeError, match="cannot make a size"):
        init.to_size("3")
    with pytest.raises(nn.ShapeError):
        init.to_size(2.5)


# -- distributions ---------------------------------------------------------------------------
def test_normal_statistics():
    w = init.Normal(1.0, 2.0, seed=0)(N)
    assert w.shape == (N,) and w.dtype == jnp.float32
    assert abs(float(w.mean()) - 1.0) < 0.05
    assert abs(float(w.std()) - 2.0) < 0.05


def test_uniform_statistics_and_bounds():
    w = init.Uniform(-2.0, 4.0, seed=0)(N)
    assert float(w.min()) >= -2.0 and float(w.max()) < 4.0
    assert abs(float(w.mean()) - 1.0) < 0.05
    assert abs(float(w.std()) - 6 / math.sqrt(12)) < 0.05


def test_truncated_normal_default_bounds_are_two_scales():
    w = init.TruncatedNormal(loc=1.0, scale=0.5, seed=0)(N)
    assert float(w.min()) >= 0.0 and float(w.max()) <= 2.0
    assert abs(float(w.mean()) - 1.0) < 0.02
    assert abs(float(w.std()) - 0.5 * truncnorm_std(-2, 2)) < 0.02


def test_truncated_normal_explicit_bounds():
    w = init.TruncatedNormal(scale=1.0, lower=-0.5, upper=1.5, seed=1)(N)
    assert float(w.min()) >= -0.5 and float(w.max()) <= 1.5
    # mean of N(0,1) truncated to [a, b]
    a, b = -0.5, 1.5
    expected_mean = (_phi(a) - _phi(b)) / (_Phi(b) - _Phi(a))
    assert abs(float(w.mean()) - expected_mean) < 0.02
    assert abs(float(w.std()) - truncnorm_std(a, b)) < 0.02


def test_truncated_normal_rejects_non_positive_scale():
    with pytest.raises(ValueError, match="scale must be positive"):
        init.TruncatedNormal(scale=0.0)


@pytest.mark.parametrize("mode", ["fan_in", "fan_out", "fan_avg"])
@pytest.mark.parametrize("distribution", ["truncated_normal", "normal", "uniform"])
def test_variance_scaling_variance(mode, distribution):
    shape = (150, 300)
    w = init.VarianceScaling(2.0, mode, distribution, seed=3)(shape)
    n = {"fan_in": 150, "fan_out": 300, "fan_avg": 225}[mode]
    assert w.shape == shape
    assert abs(float(w.mean())) < 0.01
    assert float(w.var()) == pytest.approx(2.0 / n, rel=0.05)
    std = math.sqrt(2.0 / n)
    if distribution == "truncated_normal":
        assert float(jnp.abs(w).max()) <= 2 * std / 0.87962566103423978 + 1e-6
    if distribution == "uniform":
        assert float(jnp.abs(w).max()) <= math.sqrt(3) * std + 1e-6


def test_variance_scaling_matches_jax_conventions():
    # same variance as jax.nn.initializers.variance_scaling for a conv kernel (receptive field)
    shape = (3, 3, 16, 32)
    ours = init.VarianceScaling(1.0, "fan_avg", "normal", seed=0)(shape)
    ref = jax.nn.initializers.variance_scaling(1.0, "fan_avg", "normal")(
        jax.random.PRNGKey(0), shape
    )
    assert float(ours.var()) == pytest.approx(float(ref.var()), rel=0.1)
    assert float(ours.var()) == pytest.approx(1.0 / (9 * 24), rel=0.1)


def test_variance_scaling_bad_arguments():
    with pytest.raises(ValueError, match="mode"):
        init.VarianceScaling(1.0, "fan", "normal")
    with pytest.raises(ValueError, match="distribution"):
        init.VarianceScaling(1.0, "fan_in", "cauchy")


@pytest.mark.parametrize(
    "cls, scale, mode, distribution",
    [
        (init.KaimingUniform, 2.0, "fan_in", "uniform"),
        (init.KaimingNormal, 2.0, "fan_in", "truncated_normal"),
        (init.XavierUniform, 1.0, "fan_avg", "uniform"),
        (init.XavierNormal, 1.0, "fan_avg", "truncated_normal"),
        (init.LecunUniform, 1.0, "fan_in", "uniform"),
        (init.LecunNormal, 1.0, "fan_in", "truncated_normal"),
    ],
)
def test_presets_match_brainstate_defaults(cls, scale, mode, distribution):
    obj = cls()
    assert isinstance(obj, init.VarianceScaling)
    assert (obj.scale, obj.mode, obj.distribution) == (scale, mode, distribution)
    assert (obj.in_axis, obj.out_axis) == (-2, -1)
    w = cls(seed=0)((200, 100))
    n = {"fan_in": 200, "fan_avg": 150}[mode]
    assert float(w.var()) == pytest.approx(scale / n, rel=0.08)


def test_fans_of_vectors_and_scalars():
    assert init.VarianceScaling(1.0, "fan_in", "normal", seed=0)(5).shape == (5,)
    assert init.KaimingNormal(seed=0)(()).shape == ()


@pytest.mark.parametrize("shape", [(4, 4), (3, 7), (7, 3), (2, 3, 8)])
def test_orthogonal(shape):
    w = init.Orthogonal(scale=2.0, seed=0)(shape)
    assert w.shape == shape
    m = np.asarray(w).reshape(-1, shape[-1]) / 2.0  # columns along the last axis
    rows, cols = m.shape
    gram = m.T @ m if rows >= cols else m @ m.T
    np.testing.assert_allclose(gram, np.eye(min(rows, cols)), atol=1e-5)


def test_orthogonal_other_axis():
    w = np.asarray(init.Orthogonal(axis=0, seed=0)((3, 5)))
    np.testing.assert_allclose(w @ w.T, np.eye(3), atol=1e-5)


def test_orthogonal_needs_a_matrix():
    with pytest.raises(nn.ShapeError):
        init.Orthogonal()(4)


def test_delta_orthogonal():
    w = np.array(init.DeltaOrthogonal(seed=0)((3, 3, 4, 6)))
    centre = w[1, 1]
    np.testing.assert_allclose(centre @ centre.T, np.eye(4), atol=1e-5)
    w[1, 1] = 0
    assert not w.any()
    with pytest.raises(nn.ShapeError, match="3-D, 4-D or 5-D"):
        init.DeltaOrthogonal()((4, 6))
    with pytest.raises(nn.ShapeError, match="in channels <= out channels"):
        init.DeltaOrthogonal()((3, 6, 4))


def test_regular_initializers():
    assert init.ZeroInit()((2, 3)).tolist() == [[0.0] * 3] * 2
    assert init.Constant(2.5)(2).tolist() == [2.5, 2.5]
    np.testing.assert_array_equal(init.Constant(jnp.array([1.0, 2.0]))((3, 2)), [[1, 2]] * 3)
    np.testing.assert_array_equal(init.Identity(3.0)((2, 3)), 3 * np.eye(2, 3))
    np.testing.assert_array_equal(init.Identity()(3), np.eye(3))
    with pytest.raises(nn.ShapeError, match="1-D or 2-D"):
        init.Identity()((2, 2, 2))


@pytest.mark.parametrize(
    "make",
    [
        lambda: init.Normal(0.0, 1.0, unit=u.mV),
        lambda: init.TruncatedNormal(unit=u.mV),
        lambda: init.Uniform(unit=u.mV),
        lambda: init.KaimingNormal(unit=u.mV),
        lambda: init.Orthogonal(unit=u.mV),
        lambda: init.ZeroInit(unit=u.mV),
        lambda: init.Constant(1.0, unit=u.mV),
        lambda: init.Identity(unit=u.mV),
    ],
)
def test_units(make):
    w = make()((3, 3))
    assert isinstance(w, u.Quantity) and w.unit == u.mV
    assert w.shape == (3, 3)


def test_constant_quantity_keeps_its_unit():
    w = init.Constant(2.0 * u.nS)(3)
    assert w.unit == u.nS and w.mantissa.tolist() == [2.0] * 3


def test_unitless_gives_plain_arrays():
    assert isinstance(init.Normal()(3), jax.Array)


@given(shape=shapes, which=st.sampled_from(["normal", "uniform", "kaiming", "xavier", "trunc"]))
def test_shapes_and_dtypes(shape, which):
    make = {
        "normal": init.Normal,
        "uniform": init.Uniform,
        "kaiming": init.KaimingUniform,
        "xavier": init.XavierNormal,
        "trunc": init.TruncatedNormal,
    }[which]
    w = make(seed=0)(shape)
    assert w.shape == shape and w.dtype == jnp.float32
    assert bool(jnp.isfinite(w).all())
    assert make(seed=0)(shape, jnp.bfloat16).dtype == jnp.bfloat16


# -- randomness ------------------------------------------------------------------------------
def test_default_generator_makes_draws_reproducible():
    bsc.random.seed(123)
    a = init.KaimingNormal()((4, 4))
    b = init.Normal()((4,))
    bsc.random.seed(123)
    np.testing.assert_array_equal(a, init.KaimingNormal()((4, 4)))
    np.testing.assert_array_equal(b, init.Normal()((4,)))
    assert not np.array_equal(init.Normal()((4,)), b)  # the stream advances


def test_seed_argument_is_independent_of_the_default_generator():
    key = bsc.random.get_key()
    a = init.Normal(seed=7)(5)
    np.testing.assert_array_equal(bsc.random.get_key(), key)
    np.testing.assert_array_equal(a, init.Normal(seed=7)(5))
    fixed = init.Normal(seed=7)
    assert not np.array_equal(fixed(5), fixed(5))  # its own stream advances


def test_rng_argument():
    rng = bsc.random.RandomState(3)
    a = init.Uniform(rng=rng)(4)
    np.testing.assert_array_equal(a, init.Uniform(rng=bsc.random.RandomState(3))(4))
    with pytest.raises(ValueError, match="either seed= or rng="):
        init.Normal(seed=1, rng=rng)
    with pytest.raises(TypeError, match="RandomState"):
        init.Normal(rng=np.random.default_rng(0))


def test_initializer_under_jit_draws_from_default_generator():
    bsc.random.seed(5)
    eager = init.Normal()((3,))
    bsc.random.seed(5)
    import brainstate_compile as bc

    jitted = bc.jit(lambda: init.Normal()((3,)))()
    np.testing.assert_allclose(jitted, eager)


def test_repr_shows_non_default_arguments():
    assert repr(init.KaimingNormal()) == "KaimingNormal()"
    assert repr(init.Normal(scale=0.1)) == "Normal(scale=0.1)"
    assert "mode='fan_out'" in repr(init.KaimingUniform(mode="fan_out"))


# -- param / state / noise -------------------------------------------------------------------
def test_param_cases():
    assert init.param(None, 3) is None
    with pytest.raises(ValueError, match="got None"):
        init.param(None, 3, allow_none=False)
    assert init.param(0.5, (2, 3)) == 0.5
    assert init.param(0.5, (2, 3), allow_scalar=False).tolist() == [[0.5] * 3] * 2
    assert init.param(0.5, 3, batch_size=2, allow_scalar=False).shape == (2, 3)
    assert init.param(init.ZeroInit(), (2, 3)).shape == (2, 3)
    assert init.param(init.ZeroInit(), (2, 3), batch_size=4).shape == (4, 2, 3)
    assert init.param(lambda s: jnp.ones(s), 3).shape == (3,)
    assert init.param(jnp.ones(3), (2, 3)).shape == (3,)  # broadcastable, returned as is
    assert init.param(jnp.ones(3), (2, 3), batch_size=4).shape == (4, 1, 3)
    assert init.param(jnp.ones((4, 3)), 3, batch_size=4).shape == (4, 3)
    with pytest.raises(nn.ShapeError, match=r"\(4,\) does not broadcast to \(3,\)"):
        init.param(jnp.ones(4), 3)
    with pytest.raises(nn.ShapeError, match="batch_size=5"):
        init.param(jnp.ones((4, 3)), 3, batch_size=5)
    with pytest.raises(TypeError, match="got str"):
        init.param("x", 3)


def test_param_from_state_gives_a_new_state_of_the_same_type():
    s = bsc.ParamState(jnp.ones(3))
    out = init.param(s, 3, batch_size=2)
    assert type(out) is bsc.ParamState and out is not s
    assert out.value.shape == (2, 3)


def test_param_keeps_units():
    w = init.param(jnp.ones(3) * u.mV, 3, batch_size=2)
    assert w.unit == u.mV and w.shape == (2, 3)


def test_state():
    s = init.state(init.ZeroInit(), 3, batch_size=2)
    assert isinstance(s, bsc.State) and s.value.shape == (2, 3)
    assert init.state(jnp.ones(3)).value.shape == (3,)
    assert init.state(jnp.ones(3), 3, batch_size=2).value.shape == (2, 3)
    with pytest.raises(nn.ShapeError, match="sizes is needed"):
        init.state(init.ZeroInit())
    with pytest.raises(nn.ShapeError, match="expected"):
        init.state(jnp.ones(3), 4)


def test_noise():
    assert init.noise(None, 3) is None
    f = lambda *a: 1.0
    assert init.noise(f, 3) is f
    assert init.noise(0.1, 3)() == 0.1
    assert init.noise(jnp.ones(3), 3)().shape == (3,)
    assert init.noise(0.1, 3, num_vars=3, noise_idx=2)() == (None, None, 0.1)


def test_public_homes():
    assert init.Normal.__module__ == "brainstate_nn.init"
    assert init.param.__module__ == "brainstate_nn.init"
    assert nn.init is init


@pytest.mark.parametrize(
    "make",
    [
        lambda: nn.init.Uniform(-60.0 * u.mV, -50.0 * u.mV, seed=0),
        lambda: nn.init.Normal(-55.0 * u.mV, 5.0 * u.mV, seed=0),
        lambda: nn.init.TruncatedNormal(-55.0 * u.mV, 5.0 * u.mV, seed=0),
        lambda: nn.init.Uniform(-0.06 * u.volt, -50.0 * u.mV, seed=0),  # units are converted
    ],
)
def test_random_initializers_take_their_parameters_as_quantities(make):
    v = make()(2000)
    assert isinstance(v, u.Quantity) and v.dim == u.mV.dim
    mv = np.asarray(v.to_decimal(u.mV))
    assert -80.0 < mv.min() and mv.max() < -30.0
    assert abs(mv.mean() - (-55.0)) < 1.0


def test_random_initializer_parameters_of_another_dimension_are_named():
    with pytest.raises(u.UnitMismatchError, match="Uniform: max_val is in ms"):
        nn.init.Uniform(-60.0 * u.mV, 5.0 * u.ms)
    with pytest.raises(u.UnitMismatchError, match="Normal: mean is in ms"):
        nn.init.Normal(1.0 * u.ms, 1.0, unit=u.mV)
