"""Random numbers that are pure functions of a JAX key, with NumPy's interface.

:class:`RandomState` is a :class:`~brainstate_core.LongTermState` holding a raw ``uint32[2]``
JAX key. Each draw splits it, writes the advanced key back through ``.value`` (so that
State-aware transforms like ``bst.compile.jit`` carry it) and samples with the subkey, using
only ``jax.random``/``jax.numpy``/``lax``: draws are reproducible under ``jit`` and ``vmap``.

The module-level functions draw from the default generator :data:`DEFAULT`; every one also
takes ``key=`` to draw with an explicit key, in which case ``DEFAULT`` is left alone.
Distributions follow numpy's argument names and ``size`` convention (``size=None`` gives one
draw per entry of the broadcast parameters). Floating results default to float32 (float64
with ``jax_enable_x64``), integer results to int32 (int64 with x64); ``dtype=`` overrides.

Examples:
    >>> from brainstate_core import random
    >>> random.seed(0)
    >>> random.normal(0.0, 1.0, size=(2, 3)).shape
    (2, 3)
    >>> rng = random.RandomState(1)
    >>> rng.poisson(4.0, size=3).dtype
    dtype('int32')
"""

from ._src.public_module import set_public_module as _set_public_module
from ._src.random._functions import (
    bernoulli,
    beta,
    binomial,
    categorical,
    chisquare,
    choice,
    dirichlet,
    exponential,
    f,
    gamma,
    geometric,
    gumbel,
    hypergeometric,
    laplace,
    loggamma,
    logistic,
    lognormal,
    logseries,
    maxwell,
    multinomial,
    multivariate_normal,
    negative_binomial,
    noncentral_chisquare,
    noncentral_f,
    normal,
    orthogonal,
    pareto,
    permutation,
    poisson,
    power,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    random,
    random_integers,
    random_sample,
    ranf,
    rayleigh,
    sample,
    shuffle,
    standard_cauchy,
    standard_exponential,
    standard_gamma,
    standard_normal,
    standard_t,
    t,
    triangular,
    truncated_normal,
    uniform,
    vonmises,
    wald,
    weibull,
    weibull_min,
    zipf,
)
from ._src.random._state import (
    DEFAULT,
    RandomState,
    backup_key,
    clone_rng,
    default_rng,
    get_key,
    restore_key,
    seed,
    seed_context,
    self_assign_multi_keys,
    set_key,
    split_key,
    split_keys,
)

__all__ = [
    # generators and keys
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
    # simple random data
    "rand",
    "randn",
    "randint",
    "random_integers",
    "random",
    "random_sample",
    "ranf",
    "sample",
    "choice",
    "permutation",
    "shuffle",
    "rand_like",
    "randn_like",
    "randint_like",
    "bernoulli",
    "categorical",
    # continuous distributions
    "uniform",
    "normal",
    "standard_normal",
    "beta",
    "exponential",
    "standard_exponential",
    "gamma",
    "standard_gamma",
    "loggamma",
    "gumbel",
    "laplace",
    "logistic",
    "lognormal",
    "pareto",
    "power",
    "rayleigh",
    "standard_cauchy",
    "standard_t",
    "t",
    "truncated_normal",
    "triangular",
    "weibull",
    "weibull_min",
    "maxwell",
    "chisquare",
    "f",
    "noncentral_chisquare",
    "noncentral_f",
    "vonmises",
    "wald",
    # discrete distributions
    "poisson",
    "binomial",
    "geometric",
    "negative_binomial",
    "hypergeometric",
    "logseries",
    "zipf",
    # multivariate distributions
    "dirichlet",
    "multinomial",
    "multivariate_normal",
    "orthogonal",
]

_set_public_module(globals(), __all__, __name__)
