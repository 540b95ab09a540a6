"""brainstate: brain-dynamics programming and spiking neural networks in JAX.

``import brainstate as bst`` gives one namespace over the seven brainstate distributions:

- top level: the State family and errors of brainstate-core (``bst.State``, ...);
- ``bst.environ``, ``bst.random``, ``bst.mixin``, ``bst.typing``, ``bst.errors``
  (brainstate-core);
- ``bst.graph`` (brainstate-graph), ``bst.compile`` (brainstate-compile),
  ``bst.augment`` (brainstate-augment), ``bst.event`` (brainstate-event),
  ``bst.nn``, ``bst.functional``, ``bst.init``, ``bst.optim``, ``bst.surrogate``
  (brainstate-nn);
- ``bst.transform``: brainstate 0.1's name for ``bst.compile`` and ``bst.augment`` together.

Every name is the very object of the distribution that defines it
(``bst.graph.Node is brainstate_graph.Node``); this package has no code of its own.

Examples:
    >>> import jax.numpy as jnp
    >>> import brainstate as bst
    >>> a = bst.State(jnp.zeros(3))
    >>> a.value = a.value + 1
    >>> a
    State(
      value=Array([1., 1., 1.], dtype=float32)
    )
"""

from importlib.metadata import version as _version

from brainstate_core import (
    MISSING as MISSING,
    BatchState as BatchState,
    BrainStateError as BrainStateError,
    DeletedStateError as DeletedStateError,
    EnvironError as EnvironError,
    HiddenState as HiddenState,
    LeakedTracerError as LeakedTracerError,
    LongTermState as LongTermState,
    Missing as Missing,
    ParamState as ParamState,
    RandomKeyError as RandomKeyError,
    ShortTermState as ShortTermState,
    State as State,
    StateTraceError as StateTraceError,
    StateTreeError as StateTreeError,
    StateValueError as StateValueError,
    TreefyState as TreefyState,
    catch_new_states as catch_new_states,
    check_state_value_tree as check_state_value_tree,
)

from . import (
    augment as augment,
    compile as compile,
    environ as environ,
    errors as errors,
    event as event,
    functional as functional,
    graph as graph,
    init as init,
    mixin as mixin,
    nn as nn,
    optim as optim,
    random as random,
    surrogate as surrogate,
    transform as transform,
    typing as typing,
)

__version__ = _version("brainstate")

__all__ = [
    # the State family and errors of brainstate-core
    "State",
    "ShortTermState",
    "LongTermState",
    "ParamState",
    "HiddenState",
    "BatchState",
    "TreefyState",
    "catch_new_states",
    "check_state_value_tree",
    "BrainStateError",
    "StateValueError",
    "StateTreeError",
    "StateTraceError",
    "LeakedTracerError",
    "DeletedStateError",
    "EnvironError",
    "RandomKeyError",
    "Missing",
    "MISSING",
    # modules
    "environ",
    "random",
    "mixin",
    "typing",
    "errors",
    "graph",
    "compile",
    "augment",
    "event",
    "nn",
    "functional",
    "init",
    "optim",
    "surrogate",
    "transform",
]
