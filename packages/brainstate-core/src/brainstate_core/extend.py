"""Semi-public hooks of brainstate-core for sibling packages and power users.

The State-recording protocol (see ``ARCHITECTURE.md``): transforms push a
:class:`StateTraceStack`, run user code, and read what it recorded. These names are stable
for brainstate's own packages; user code rarely needs them.

Examples:
    >>> import jax.numpy as jnp
    >>> from brainstate_core import State
    >>> from brainstate_core.extend import StateTraceStack
    >>> s = State(jnp.zeros(()))
    >>> with StateTraceStack() as trace:
    ...     s.value = s.value + 1
    >>> trace.get_write_states() == [s]
    True
"""

from ._src.api_snapshot import (
    api_snapshot as api_snapshot,
    check_api_snapshot as check_api_snapshot,
)
from ._src.environ_keys import (
    ByIdentity as ByIdentity,
    baked_keys as baked_keys,
    environ_epoch as environ_epoch,
    environ_fingerprint as environ_fingerprint,
    record_environ_reads as record_environ_reads,
    report_environ_reads as report_environ_reads,
)
from ._src.jax_compat import is_tracer as is_tracer, tracer_is_live as tracer_is_live
from ._src.pretty_repr import (
    PrettyRepr as PrettyRepr,
    format_value as format_value,
    pretty_repr as pretty_repr,
)
from ._src.public_module import set_public_module as set_public_module
from ._src.state import StateCatcher as StateCatcher
from ._src.state_values import (
    get_raw_values as get_raw_values,
    is_recording as is_recording,
    read_state_values as read_state_values,
    set_raw_indexed as set_raw_indexed,
    set_raw_values as set_raw_values,
    write_state_values as write_state_values,
)
from ._src.trace import (
    REBINDINGS as REBINDINGS,
    TRACE_CONTEXT as TRACE_CONTEXT,
    StateTraceStack as StateTraceStack,
    active_recorders as active_recorders,
    current_recorder_id as current_recorder_id,
    note_rebinding as note_rebinding,
)

__all__ = [
    "api_snapshot",
    "check_api_snapshot",
    "StateTraceStack",
    "StateCatcher",
    "TRACE_CONTEXT",
    "REBINDINGS",
    "note_rebinding",
    "record_environ_reads",
    "report_environ_reads",
    "baked_keys",
    "ByIdentity",
    "environ_fingerprint",
    "environ_epoch",
    "active_recorders",
    "current_recorder_id",
    "is_recording",
    "get_raw_values",
    "set_raw_values",
    "set_raw_indexed",
    "read_state_values",
    "write_state_values",
    "is_tracer",
    "tracer_is_live",
    "PrettyRepr",
    "pretty_repr",
    "format_value",
    "set_public_module",
]

set_public_module(globals(), __all__, __name__)
