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

from . import environ as environ
from . import errors as errors
from . import extend as extend
from . import mixin as mixin
from . import typing as typing
from ._src.errors import (
    BrainStateError as BrainStateError,
)
from ._src.errors import (
    DeletedStateError as DeletedStateError,
)
from ._src.errors import (
    EnvironError as EnvironError,
)
from ._src.errors import (
    LeakedTracerError as LeakedTracerError,
)
from ._src.errors import (
    RandomKeyError as RandomKeyError,
)
from ._src.errors import (
    StateTraceError as StateTraceError,
)
from ._src.errors import (
    StateTreeError as StateTreeError,
)
from ._src.errors import (
    StateValueError as StateValueError,
)
from ._src.missing import MISSING as MISSING
from ._src.missing import Missing as Missing
from ._src.public_module import set_public_module as _set_public_module
from ._src.state import (
    BatchState as BatchState,
)
from ._src.state import (
    HiddenState as HiddenState,
)
from ._src.state import (
    LongTermState as LongTermState,
)
from ._src.state import (
    ParamState as ParamState,
)
from ._src.state import (
    ShortTermState as ShortTermState,
)
from ._src.state import (
    State as State,
)
from ._src.state import (
    TreefyState as TreefyState,
)
from ._src.state import (
    catch_new_states as catch_new_states,
)
from ._src.state import (
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
    "errors",
    "extend",
    "typing",
]

_set_public_module(globals(), __all__, __name__)
