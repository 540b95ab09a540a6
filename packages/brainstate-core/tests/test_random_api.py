"""The distributions' common interface: shapes, broadcasting, dtypes, ``key=`` and the module
functions. Shapes are checked with ``jax.eval_shape`` (tracing only, nothing compiles); the
numbers themselves are checked in test_random_continuous/discrete/basic.py."""

import inspect

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, strategies as st

from brainstate_core import random

# name -> (parameters with a batch shape of (3,), event shape, kind of the result)
CASES = {
    "beta": ((np.array([1.0, 2.0, 3.0]), 2.0), (), "float"),
    "exponential": ((np.array([1.0, 2.0, 3.0]),), (), "float"),
    "gamma": ((np.array([0.5, 2.0, 9.0]), 2.0), (), "float"),
    "gumbel": ((np.zeros(3), np.ones(3)), (), "float"),
    "laplace": ((np.zeros(3), 2.0), (), "float"),
    "logistic": ((1.0, np.ones(3)), (), "float"),
    "normal": ((np.arange(3.0), 1.0), (), "float"),
    "pareto": ((np.array([2.0, 3.0, 4.0]),), (), "float"),
    "poisson": ((np.array([0.5, 4.0, 40.0]),), (), "int"),
    "standard_gamma": ((np.array([0.5, 1.0, 2.0]),), (), "float"),
    "standard_t": ((np.array([3.0, 5.0, 30.0]),), (), "float"),
    "t": ((np.array([3.0, 5.0, 30.0]),), (), "float"),
    "uniform": ((np.zeros(3), np.array([1.0, 2.0, 3.0])), (), "float"),
    "truncated_normal": ((np.full(3, -1.0), np.array([0.5, 1.0, 2.0])), (), "float"),
    "bernoulli": ((np.array([0.2, 0.5, 0.8]),), (), "bool"),
    "lognormal": ((np.zeros(3), 0.5), (), "float"),
    "binomial": ((np.array([1, 10, 100]), 0.3), (), "int"),
    "chisquare": ((np.array([1.0, 2.0, 5.0]),), (), "float"),
    "geometric": ((np.array([0.2, 0.5, 0.8]),), (), "int"),
    "f": ((np.array([2.0, 5.0, 10.0]), 12.0), (), "float"),
    "hypergeometric": ((np.array([5, 10, 20]), 7, 6), (), "int"),
    "logseries": ((np.array([0.2, 0.5, 0.8]),), (), "int"),
    "negative_binomial": ((np.array([1.0, 2.5, 5.0]), 0.4), (), "int"),
    "noncentral_chisquare": ((np.array([1.0, 2.0, 5.0]), 1.5), (), "float"),
    "noncentral_f": ((np.array([2.0, 5.0, 10.0]), 12.0, 2.0), (), "float"),
    "power": ((np.array([0.5, 1.0, 5.0]),), (), "float"),
    "rayleigh": ((np.array([0.5, 1.0, 5.0]),), (), "float"),
    "triangular": ((0.0, np.array([0.0, 0.5, 1.0]), 1.0), (), "float"),
    "vonmises": ((0.0, np.array([0.0, 1.0, 50.0])), (), "float"),
    "wald": ((np.array([0.5, 1.0, 2.0]), 1.0), (), "float"),
    "weibull": ((np.array([0.5, 1.0, 3.0]),), (), "float"),
    "weibull_min": ((np.array([0.5, 1.0, 3.0]), 2.0), (), "float"),
    "zipf": ((np.array([1.5, 2.0, 4.0]),), (), "int"),
    "loggamma": ((np.array([0.1, 1.0, 10.0]),), (), "float"),
    "dirichlet": ((np.ones((3, 4)),), (4,), "float"),
    "multinomial": ((np.array([5, 10, 20]), np.full(4, 0.25)), (4,), "int"),
    "multivariate_normal": ((np.zeros((3, 2)), np.eye(2)), (2,), "float"),
    "categorical": ((np.zeros((3, 5)),), (), "int"),
}
# Distributions without parameters: size=None gives a scalar.
SCALAR_CASES = [
    "random",
    "random_sample",
    "ranf",
    "sample",
    "standard_normal",
    "standard_cauchy",
    "standard_exponential",
    "maxwell",
]
# Tested in test_random_basic.py: no `size` argument, or another calling convention.
OTHER_DRAWS = {
    "rand",
    "randn",
    "randint",
    "random_integers",
    "choice",
    "permutation",
    "shuffle",
    "orthogonal",
    "rand_like",
    "randn_like",
    "randint_like",
}
GENERATOR_API = {
    "RandomState",
    "DEFAULT",
    "seed",
    "seed_context",
    "set_key",
    "get_key",
    "split_key",
    "split_keys",
    "default_rng",
    "clone_rng",
    "backup_key",
    "restore_key",
    "self_assign_multi_keys",
}
DEFAULT_DTYPE = {"float": jnp.float32, "int": jnp.int32, "bool": jnp.bool_}
KEY = jax.random.key(0)


def _shape_of(name, size, args=None, **kwargs):
    args = CASES[name][0] if args is None else args
    fn = getattr(random, name)
    return jax.eval_shape(lambda k: fn(*args, size=size, key=k, **kwargs), KEY)


def test_every_public_name_is_covered():
    tested = set(CASES) | set(SCALAR_CASES) | OTHER_DRAWS | GENERATOR_API
    assert set(random.__all__) == tested
    assert len(random.__all__) == len(set(random.__all__))


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize(("size", "batch"), [(None, (3,)), (3, (3,)), ((2, 3), (2, 3))])
def test_shape_and_default_dtype(name, size, batch):
    _, event, kind = CASES[name]
    out = _shape_of(name, size)
    assert out.shape == (*batch, *event)
    assert out.dtype == DEFAULT_DTYPE[kind]


@pytest.mark.parametrize("name", sorted(CASES))
def test_traces_under_jit_and_vmap_over_keys(name):
    # Tracing only: the numbers under jit and vmap are compared in the other test files.
    _, event, _ = CASES[name]
    draw = lambda k: getattr(random, name)(*CASES[name][0], key=k)
    assert jax.eval_shape(jax.jit(draw), KEY).shape == (3, *event)
    keys = jax.random.split(KEY, 5)
    assert jax.eval_shape(jax.vmap(draw), keys).shape == (5, 3, *event)
    raw_keys = jax.random.key_data(keys)  # raw uint32[2] keys work as well
    assert jax.eval_shape(jax.vmap(draw), raw_keys).shape == (5, 3, *event)


@pytest.mark.parametrize("name", SCALAR_CASES)
def test_parameterless_distributions_take_size_as_shape(name):
    fn = getattr(random, name)
    for size, shape in [(None, ()), (4, (4,)), ((2, 3), (2, 3)), ((), ())]:
        out = jax.eval_shape(lambda k, size=size: fn(size, key=k), KEY)
        assert out.shape == shape and out.dtype == jnp.float32


@given(
    batch=st.lists(st.integers(1, 3), min_size=0, max_size=3),
    lead=st.lists(st.integers(1, 3), min_size=0, max_size=2),
    name=st.sampled_from(["normal", "gamma", "poisson", "vonmises", "hypergeometric", "wald"]),
)
def test_parameters_broadcast_like_numpy(batch, lead, name):
    # One parameter has the full batch shape, the others are scalars or trailing slices.
    shape = tuple(batch)
    n_params = len(CASES[name][0])
    full = np.ones(shape) * 3
    params = [full] + [np.ones(shape[len(shape) // 2 :]) * 2] * (n_params - 1)
    if name == "hypergeometric":
        params = [full * 2, np.full(shape[1:], 4.0), np.ones(shape[1:])]
    assert _shape_of(name, None, params).shape == shape
    size = (*lead, *shape)
    assert _shape_of(name, size, params).shape == size


@pytest.mark.parametrize(
    "name", ["normal", "gamma", "vonmises", "poisson", "hypergeometric", "dirichlet"]
)
@pytest.mark.parametrize("size", [(3, 2), 2, (2,)])
def test_size_must_be_a_shape_the_parameters_broadcast_to(name, size):
    with pytest.raises(ValueError, match="`size`"):
        _shape_of(name, size)


def test_parameters_that_do_not_broadcast_are_rejected():
    with pytest.raises(ValueError, match="do not broadcast"):
        random.normal(np.zeros(3), np.ones(2), key=0)


@pytest.mark.parametrize("size", [-1, (2, -3), 1.5, "a", (2, None)])
def test_bad_sizes_are_rejected(size):
    with pytest.raises((TypeError, ValueError), match="`size`"):
        random.normal(size=size, key=0)


@pytest.mark.parametrize("dtype", [jnp.float16, jnp.bfloat16, jnp.float32])
@pytest.mark.parametrize("name", ["normal", "gamma", "vonmises", "wald", "beta", "triangular"])
def test_float_dtype_is_honoured(name, dtype):
    assert _shape_of(name, None, dtype=dtype).dtype == dtype


def test_float64_is_canonicalised_without_x64():
    assert random.normal(size=2, key=0, dtype=jnp.float64).dtype == jnp.float32
    assert random.normal(size=2, key=0, dtype=float).dtype == jnp.float32


def test_x64_gives_float64_and_int64_defaults():
    with jax.enable_x64(True):
        assert _shape_of("normal", None).dtype == jnp.float64
        assert _shape_of("poisson", None).dtype == jnp.int64
        assert _shape_of("hypergeometric", None).dtype == jnp.int64
        assert random.randint(10, size=2, key=0).dtype == jnp.int64
        assert random.normal(size=2, key=0, dtype=jnp.float32).dtype == jnp.float32


@pytest.mark.parametrize(
    ("name", "dtype"),
    [("normal", jnp.int32), ("gamma", jnp.bool_), ("vonmises", jnp.int8), ("poisson", "abc")],
)
def test_wrong_kind_of_dtype_is_rejected(name, dtype):
    with pytest.raises(TypeError, match="`dtype`"):
        _shape_of(name, None, dtype=dtype)


@pytest.mark.parametrize("name", ["poisson", "binomial", "zipf", "hypergeometric", "multinomial"])
@pytest.mark.parametrize("dtype", [jnp.float32, jnp.int8, jnp.uint16])
def test_discrete_distributions_accept_any_numeric_dtype(name, dtype):
    assert _shape_of(name, None, dtype=dtype).dtype == dtype


def test_bernoulli_dtype_defaults_to_bool_and_can_be_changed():
    assert _shape_of("bernoulli", None, dtype=jnp.float32).dtype == jnp.float32


class _Drew(Exception):
    pass


@pytest.mark.parametrize("name", sorted(set(CASES) | set(SCALAR_CASES) | OTHER_DRAWS))
def test_every_module_function_draws_from_default(name):
    """Each module function draws through DEFAULT's key machinery (checked without compiling)."""
    args = {
        "rand": (2,),
        "randn": (2,),
        "randint": (5,),
        "random_integers": (5,),
        "choice": (5,),
        "permutation": (5,),
        "shuffle": (np.arange(4),),
        "orthogonal": (3,),
        "rand_like": (np.zeros(2),),
        "randn_like": (np.zeros(2),),
        "randint_like": (np.zeros(2), 4),
    }.get(name, CASES.get(name, ((),))[0])
    seen = []

    def probe(key):
        seen.append(key)
        raise _Drew

    random.DEFAULT.__dict__["_draw_key"] = probe
    try:
        with pytest.raises(_Drew):
            getattr(random, name)(*args)
        with pytest.raises(_Drew):
            getattr(random, name)(*args, key=7)
    finally:
        del random.DEFAULT.__dict__["_draw_key"]
    assert seen == [None, 7]


def test_module_functions_mirror_the_methods():
    for name in set(random.__all__) - GENERATOR_API:
        fn = getattr(random, name)
        method = getattr(random.RandomState, name)
        assert fn.__module__ == "brainstate_core.random", name
        assert fn.__name__ == name
        assert fn.__doc__ == method.__doc__, name
        params = list(inspect.signature(method).parameters)[1:]
        if name == "randint":  # brainstate 0.1's order: the method's dtype, key is key, dtype
            params[3:5] = params[4:2:-1]
        assert list(inspect.signature(fn).parameters) == params, name
        # key as in brainstate 0.1: positional after the parameters, but keyword-only after
        # `*dn` and in the `*_like` functions
        kind = inspect.signature(fn).parameters["key"].kind
        keyword_only = name.endswith("_like") or name in ("rand", "randn")  # after *dn
        expected = "KEYWORD_ONLY" if keyword_only else "POSITIONAL_OR_KEYWORD"
        assert kind.name == expected, name


def test_signatures_follow_numpy_then_brainstate_01():
    sig = lambda f: list(inspect.signature(f).parameters)
    assert sig(random.normal) == ["loc", "scale", "size", "key", "dtype"]
    assert sig(random.randint) == ["low", "high", "size", "key", "dtype"]
    assert sig(random.RandomState.randint)[1:] == ["low", "high", "size", "dtype", "key"]
    assert sig(random.choice) == ["a", "size", "replace", "p", "key", "axis"]
    assert sig(random.gamma)[:3] == ["shape", "scale", "size"]
    assert sig(random.hypergeometric)[:4] == ["ngood", "nbad", "nsample", "size"]
    assert sig(random.triangular)[:4] == ["left", "mode", "right", "size"]
    assert sig(random.multivariate_normal)[:3] == ["mean", "cov", "size"]
    assert sig(random.lognormal)[:3] == ["mean", "sigma", "size"]


def test_public_objects_report_their_public_home():
    assert random.RandomState.__module__ == "brainstate_core.random"
    assert random.seed.__module__ == "brainstate_core.random"
    assert random.seed_context.__module__ == "brainstate_core.random"


def test_every_distribution_documents_args_returns_and_an_example():
    aliases = {"random_sample", "ranf", "sample", "t"}
    for name in (set(CASES) | set(SCALAR_CASES) | OTHER_DRAWS) - aliases:
        doc = getattr(random, name).__doc__
        assert "Args:" in doc and "Returns:" in doc and "Examples:" in doc, name


@pytest.mark.parametrize(
    ("alias", "target", "args"),
    [
        ("random_sample", "random", ()),
        ("ranf", "random", ()),
        ("sample", "random", ()),
        ("t", "standard_t", (4.0,)),
        ("standard_gamma", "gamma", (2.0,)),
        ("weibull", "weibull_min", (2.0,)),
    ],
)
def test_aliases_compute_the_same_thing(alias, target, args):
    program = lambda name: str(
        jax.make_jaxpr(lambda k: getattr(random, name)(*args, size=3, key=k))(KEY)
    )
    assert program(alias) == program(target)
