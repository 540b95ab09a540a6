"""Optimizers built on optax, and learning-rate schedulers (``bst.optim``).

An optimizer trains the States registered with it and keeps its own state in
:class:`OptimState` objects, so a whole training step — gradients and update — compiles
with :func:`brainstate_compile.jit`:

- :class:`OptaxOptimizer` wraps any optax ``GradientTransformation``;
- :class:`SGD`, :class:`Momentum`, :class:`MomentumNesterov`, :class:`Adagrad`,
  :class:`Adadelta`, :class:`RMSProp`, :class:`Adam`, :class:`AdamW`, :class:`LARS`,
  :class:`Adan`, :class:`LBFGS` take brainstate 0.1's arguments and map to optax;
- schedulers (:class:`StepLR`, :class:`CosineAnnealingLR`, ...) may be given as ``lr``;
  their counters are States, so they advance inside compiled code, and each is also an
  optax schedule (``scheduler(step)``).

Examples:
    >>> import jax.numpy as jnp
    >>> import brainstate_augment as ba
    >>> import brainstate_compile as bc
    >>> import brainstate_core as bsc
    >>> import brainstate_nn as nn
    >>> w = bsc.ParamState(jnp.array([1.0, -2.0]))
    >>> opt = nn.optim.SGD(lr=nn.optim.StepLR(0.5, step_size=1, gamma=0.5))
    >>> opt = opt.register_trainable_weights({("w",): w})
    >>> @bc.jit
    ... def train_step():
    ...     opt.update(ba.grad(lambda: jnp.sum(w.value**2), opt.param_states)())
    >>> train_step(); w.value.tolist()
    [0.0, 0.0]
"""

from brainstate_core.extend import set_public_module as _set_public_module

from ._src.optim.base import (
    OptaxOptimizer as OptaxOptimizer,
    Optimizer as Optimizer,
    OptimizerError as OptimizerError,
    OptimState as OptimState,
)
from ._src.optim.lbfgs import LBFGS as LBFGS
from ._src.optim.optimizers import (
    LARS as LARS,
    SGD as SGD,
    Adadelta as Adadelta,
    Adagrad as Adagrad,
    Adam as Adam,
    AdamW as AdamW,
    Adan as Adan,
    Momentum as Momentum,
    MomentumNesterov as MomentumNesterov,
    RMSProp as RMSProp,
)
from ._src.optim.schedulers import (
    CallBasedLRScheduler as CallBasedLRScheduler,
    ConstantLR as ConstantLR,
    CosineAnnealingLR as CosineAnnealingLR,
    CosineAnnealingWarmRestarts as CosineAnnealingWarmRestarts,
    ExponentialDecayLR as ExponentialDecayLR,
    ExponentialLR as ExponentialLR,
    InverseTimeDecayLR as InverseTimeDecayLR,
    LearningRateScheduler as LearningRateScheduler,
    MultiStepLR as MultiStepLR,
    PiecewiseConstantLR as PiecewiseConstantLR,
    PolynomialDecayLR as PolynomialDecayLR,
    StepLR as StepLR,
    make_schedule as make_schedule,
)

__all__ = [
    # base
    "OptimState",
    "OptimizerError",
    "Optimizer",
    "OptaxOptimizer",
    # optimizers
    "SGD",
    "Momentum",
    "MomentumNesterov",
    "Adagrad",
    "Adadelta",
    "RMSProp",
    "Adam",
    "AdamW",
    "LARS",
    "Adan",
    "LBFGS",
    # learning-rate schedulers
    "LearningRateScheduler",
    "CallBasedLRScheduler",
    "ConstantLR",
    "StepLR",
    "MultiStepLR",
    "CosineAnnealingLR",
    "CosineAnnealingWarmRestarts",
    "ExponentialLR",
    "ExponentialDecayLR",
    "InverseTimeDecayLR",
    "PolynomialDecayLR",
    "PiecewiseConstantLR",
    "make_schedule",
]

_set_public_module(globals(), __all__, __name__)
