"""``bst.transform``: brainstate 0.1's home of the transforms, kept for its code.

Every public name of :mod:`brainstate.compile` and :mod:`brainstate.augment`, the very same
objects (``bst.transform.jit is bst.compile.jit``, ``bst.transform.grad is
bst.augment.grad``). New code can use those two modules directly.
"""

from brainstate_augment import *  # noqa: F403
from brainstate_augment import __all__ as _augment_all
from brainstate_compile import *  # noqa: F403
from brainstate_compile import __all__ as _compile_all

__all__ = [*_compile_all, *(name for name in _augment_all if name not in _compile_all)]
