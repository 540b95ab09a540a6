"""Semi-public hooks of brainstate-compile for sibling packages and power users.

Every brainstate transform is "find the States a function touches, build a pure function of
their values, apply a JAX transform, write the results back". These are the pieces jit and
the loops use; ``brainstate_augment`` builds ``grad``/``vmap`` on them. User code rarely
needs them.

Examples:
    >>> import jax.numpy as jnp
    >>> from brainstate_core import State
    >>> from brainstate_compile.extend import KnownStates, call_with_states, run_discovering
    >>> s = State(jnp.ones(2))
    >>> def f(x):
    ...     s.value = s.value * x
    ...     return s.value.sum()
    >>> known = KnownStates()
    >>> def attempt():
    ...     values = [st.value for st in known.states]
    ...     return call_with_states(f, (3.0,), {}, known.states, values, known, where="f")
    >>> out, after = run_discovering(known, attempt)
    >>> float(out), known.written, s.value.tolist()
    (6.0, [True], [1.0, 1.0])
"""

from ._src.discovery import (
    KnownStates as KnownStates,
    Rediscover as Rediscover,
    call_with_states as call_with_states,
    check_no_state_in as check_no_state_in,
    describe_states as describe_states,
    run_discovering as run_discovering,
)
from ._src.errors import diagnose_failed_call as diagnose_failed_call
from ._src.stateful_function import infer_static_args as infer_static_args

__all__ = [
    "KnownStates",
    "Rediscover",
    "call_with_states",
    "check_no_state_in",
    "describe_states",
    "diagnose_failed_call",
    "infer_static_args",
    "run_discovering",
]
