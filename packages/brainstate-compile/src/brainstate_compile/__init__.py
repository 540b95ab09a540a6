"""brainstate-compile: State-aware ``jit``, loops and branches.

Functions that read and write :class:`brainstate_core.State` objects compile into one XLA
program: the States they touch are found by tracing, carried through loops and branches,
and written back afterwards. Signatures follow JAX's (``jit``, ``scan``, ``while_loop``,
``cond``, ``switch``).

Examples:
    >>> import jax.numpy as jnp
    >>> import brainstate_compile as bc
    >>> import brainstate_core as bsc
    >>> a = bsc.State(1.)
    >>> def add(i):
    ...     a.value += 1.
    >>> _ = bc.for_loop(add, jnp.arange(10))
    >>> print(a.value)
    11.0
"""

from importlib.metadata import version as _version

from brainstate_core.extend import set_public_module as _set_public_module

from ._src.conditions import cond as cond, ifelse as ifelse, switch as switch
from ._src.error_if import jit_error_if as jit_error_if
from ._src.errors import EnvironRecompileWarning as EnvironRecompileWarning, JitError as JitError
from ._src.jit import JittedFunction as JittedFunction, jit as jit
from ._src.loops import (
    bounded_while_loop as bounded_while_loop,
    checkpointed_for_loop as checkpointed_for_loop,
    checkpointed_scan as checkpointed_scan,
    for_loop as for_loop,
    scan as scan,
    while_loop as while_loop,
)
from ._src.progress_bar import ProgressBar as ProgressBar
from ._src.remat import checkpoint as checkpoint, remat as remat
from ._src.stateful_function import (
    StatefulFunction as StatefulFunction,
    make_jaxpr as make_jaxpr,
)

__version__ = _version("brainstate-compile")

__all__ = [
    "StatefulFunction",
    "make_jaxpr",
    "jit",
    "JittedFunction",
    "for_loop",
    "scan",
    "while_loop",
    "bounded_while_loop",
    "checkpointed_for_loop",
    "checkpointed_scan",
    "cond",
    "switch",
    "ifelse",
    "remat",
    "checkpoint",
    "jit_error_if",
    "JitError",
    "EnvironRecompileWarning",
    "ProgressBar",
]

_set_public_module(globals(), __all__, __name__)
