"""brainstate-core: the State system that all of brainstate rests on.

Public surface:

- the State family: :class:`State`, :class:`ShortTermState`, :class:`LongTermState`,
  :class:`ParamState`, :class:`HiddenState`, :class:`BatchState`, and the pytree form
  :class:`TreefyState`;
- :func:`catch_new_states` and :func:`check_state_value_tree`;
- the modules :mod:`~brainstate_core.environ`, :mod:`~brainstate_core.random`,
  :mod:`~brainstate_core.mixin`, :mod:`~brainstate_core.typing`, :mod:`~brainstate_core.errors`;
- the error classes (all derive from :class:`BrainStateError`);
- :mod:`~brainstate_core.extend`: hooks for sibling packages (State recorders).

Examples:
    >>> import jax.numpy as jnp
    >>> import brainstate_core as bsc
    >>> counter = bsc.State(jnp.zeros(()))
    >>> counter.value += 1
    >>> float(counter.value)
    1.0
"""

from importlib.metadata import version as _version

from . import (
    environ as environ,
    errors as errors,
    extend as extend,
    mixin as mixin,
    random as random,
    typing as typing,
)
from ._src.errors import (
    BrainStateError as BrainStateError,
    DeletedStateError as DeletedStateError,
    EnvironError as EnvironError,
    LeakedTracerError as LeakedTracerError,
    RandomKeyError as RandomKeyError,
    StateTraceError as StateTraceError,
    StateTreeError as StateTreeError,
    StateValueError as StateValueError,
)
from ._src.missing import MISSING as MISSING, Missing as Missing
from ._src.public_module import set_public_module as _set_public_module
from ._src.state import (
    BatchState as BatchState,
    HiddenState as HiddenState,
    LongTermState as LongTermState,
    ParamState as ParamState,
    ShortTermState as ShortTermState,
    State as State,
    TreefyState as TreefyState,
    catch_new_states as catch_new_states,
    check_state_value_tree as check_state_value_tree,
)

__version__ = _version("brainstate-core")

__all__ = [
    # States
    "State",
    "ShortTermState",
    "LongTermState",
    "ParamState",
    "HiddenState",
    "BatchState",
    "TreefyState",
    "catch_new_states",
    "check_state_value_tree",
    # errors
    "BrainStateError",
    "StateValueError",
    "StateTreeError",
    "StateTraceError",
    "LeakedTracerError",
    "DeletedStateError",
    "EnvironError",
    "RandomKeyError",
    # sentinel
    "Missing",
    "MISSING",
    # modules
    "environ",
    "mixin",
    "random",
    "errors",
    "extend",
    "typing",
]

_set_public_module(globals(), __all__, __name__)
