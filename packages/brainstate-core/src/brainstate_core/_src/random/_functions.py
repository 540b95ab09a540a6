"""The distributions as module-level functions that draw from the default generator.

Each function is made from the :class:`RandomState` method of the same name by
:func:`on_default`: it has the method's signature (less ``self``) and docstring, and calls the
method on ``DEFAULT``. So ``random.normal(0.0, 1.0, size=3)`` is
``DEFAULT.normal(0.0, 1.0, size=3)``: it advances the default generator, unless ``key=`` is
given.
"""

from __future__ import annotations

from ._state import RandomState, on_default as _on_default

__all__ = [
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
    "beta",
    "exponential",
    "gamma",
    "gumbel",
    "laplace",
    "logistic",
    "normal",
    "pareto",
    "poisson",
    "standard_cauchy",
    "standard_exponential",
    "standard_gamma",
    "standard_normal",
    "standard_t",
    "uniform",
    "truncated_normal",
    "bernoulli",
    "lognormal",
    "binomial",
    "chisquare",
    "dirichlet",
    "geometric",
    "f",
    "hypergeometric",
    "logseries",
    "multinomial",
    "multivariate_normal",
    "negative_binomial",
    "noncentral_chisquare",
    "noncentral_f",
    "power",
    "rayleigh",
    "triangular",
    "vonmises",
    "wald",
    "weibull",
    "weibull_min",
    "zipf",
    "maxwell",
    "t",
    "orthogonal",
    "loggamma",
    "categorical",
    "rand_like",
    "randint_like",
    "randn_like",
]

rand = _on_default(RandomState.rand)
randn = _on_default(RandomState.randn)
randint = _on_default(RandomState.randint, order=("low", "high", "size", "key", "dtype"))
random_integers = _on_default(RandomState.random_integers)
random = _on_default(RandomState.random)
random_sample = _on_default(RandomState.random_sample)
ranf = _on_default(RandomState.ranf)
sample = _on_default(RandomState.sample)
choice = _on_default(RandomState.choice)
permutation = _on_default(RandomState.permutation)
shuffle = _on_default(RandomState.shuffle)
beta = _on_default(RandomState.beta)
exponential = _on_default(RandomState.exponential)
gamma = _on_default(RandomState.gamma)
gumbel = _on_default(RandomState.gumbel)
laplace = _on_default(RandomState.laplace)
logistic = _on_default(RandomState.logistic)
normal = _on_default(RandomState.normal)
pareto = _on_default(RandomState.pareto)
poisson = _on_default(RandomState.poisson)
standard_cauchy = _on_default(RandomState.standard_cauchy)
standard_exponential = _on_default(RandomState.standard_exponential)
standard_gamma = _on_default(RandomState.standard_gamma)
standard_normal = _on_default(RandomState.standard_normal)
standard_t = _on_default(RandomState.standard_t)
uniform = _on_default(RandomState.uniform)
truncated_normal = _on_default(RandomState.truncated_normal)
bernoulli = _on_default(RandomState.bernoulli)
lognormal = _on_default(RandomState.lognormal)
binomial = _on_default(RandomState.binomial)
chisquare = _on_default(RandomState.chisquare)
dirichlet = _on_default(RandomState.dirichlet)
geometric = _on_default(RandomState.geometric)
f = _on_default(RandomState.f)
hypergeometric = _on_default(RandomState.hypergeometric)
logseries = _on_default(RandomState.logseries)
multinomial = _on_default(RandomState.multinomial)
multivariate_normal = _on_default(RandomState.multivariate_normal)
negative_binomial = _on_default(RandomState.negative_binomial)
noncentral_chisquare = _on_default(RandomState.noncentral_chisquare)
noncentral_f = _on_default(RandomState.noncentral_f)
power = _on_default(RandomState.power)
rayleigh = _on_default(RandomState.rayleigh)
triangular = _on_default(RandomState.triangular)
vonmises = _on_default(RandomState.vonmises)
wald = _on_default(RandomState.wald)
weibull = _on_default(RandomState.weibull)
weibull_min = _on_default(RandomState.weibull_min)
zipf = _on_default(RandomState.zipf)
maxwell = _on_default(RandomState.maxwell)
t = _on_default(RandomState.t)
orthogonal = _on_default(RandomState.orthogonal)
loggamma = _on_default(RandomState.loggamma)
categorical = _on_default(RandomState.categorical)
rand_like = _on_default(RandomState.rand_like)
randint_like = _on_default(RandomState.randint_like)
randn_like = _on_default(RandomState.randn_like)
