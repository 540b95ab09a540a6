"""brainstate: brain-dynamics programming and spiking neural networks in JAX.

``import brainstate as bst`` gives one namespace over the seven brainstate distributions:

- top level: the State family and errors of brainstate-core (``bst.State``, ...);
- ``bst.environ``, ``bst.random``, ``bst.mixin``, ``bst.typing``, ``bst.errors``
  (brainstate-core);
- ``bst.graph`` (brainstate-graph), ``bst.compile`` (brainstate-compile),
  ``bst.augment`` (brainstate-augment), ``bst.event`` (brainstate-event),
  ``bst.nn`` (brainstate-nn).

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

import brainstate_core as _core
from brainstate_core import *  # noqa: F403

from . import (
    augment as augment,
)
from . import (
    compile as compile,
)
from . import (
    environ as environ,
)
from . import (
    errors as errors,
)
from . import (
    event as event,
)
from . import (
    graph as graph,
)
from . import (
    mixin as mixin,
)
from . import (
    nn as nn,
)
from . import (
    random as random,
)
from . import (
    typing as typing,
)

del extend  # noqa: F821  (core's hooks for packages; reach them as brainstate_core.extend)

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
]
