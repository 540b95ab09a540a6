"""Global and context-local settings of a brainstate program (``bst.environ``).

Global defaults are set with :func:`set` and shared by all threads; ``with context(...)``
overrides them for a block in the current thread; :func:`get` reads the innermost value.
Well-known keys: ``dt``, ``t``, ``i``, ``fit``, ``mode``, ``precision``, ``platform``; the
constants :data:`I`, :data:`T`, :data:`FIT` and :data:`JIT_ERROR_CHECK` name some of them,
as in brainstate 0.1.

Examples:
    >>> from brainstate_core import environ
    >>> with environ.context(dt=0.1, precision=32):
    ...     environ.get_dt(), environ.dftype()
    (0.1, <class 'jax.numpy.float32'>)
"""

from ._src.environ import (
    FIT,
    JIT_ERROR_CHECK,
    I,
    T,
    all,
    context,
    dctype,
    dftype,
    ditype,
    dutype,
    get,
    get_dt,
    get_host_device_count,
    get_mode,
    get_platform,
    get_precision,
    pop,
    register_default_behavior,
    set,
    set_host_device_count,
    set_platform,
    set_precision,
    tolerance,
)

__all__ = [
    # names of well-known settings (brainstate 0.1's constants)
    "I",
    "T",
    "FIT",
    "JIT_ERROR_CHECK",
    # settings
    "set",
    "get",
    "pop",
    "all",
    "context",
    "register_default_behavior",
    # well-known settings
    "get_dt",
    "get_mode",
    "get_platform",
    "set_platform",
    "get_host_device_count",
    "set_host_device_count",
    "get_precision",
    "set_precision",
    # dtypes of the current precision
    "dftype",
    "ditype",
    "dutype",
    "dctype",
    "tolerance",
]

from ._src.public_module import set_public_module as _set_public_module

_set_public_module(globals(), __all__, __name__)
