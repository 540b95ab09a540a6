"""The State family: mutable, recorded containers for JAX pytrees."""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import jax
import numpy as np

from .errors import DeletedStateError, LeakedTracerError, StateTreeError, StateValueError
from .jax_compat import Tracer, is_deleted_array, tracer_is_live
from .missing import MISSING
from .pretty_repr import PrettyRepr
from .trace import TRACE_CONTEXT, creation_owner, notify, running_traces

__all__ = [
    "State",
    "ShortTermState",
    "LongTermState",
    "ParamState",
    "HiddenState",
    "BatchState",
    "TreefyState",
    "StateCatcher",
    "catch_new_states",
    "check_state_value_tree",
]

A = TypeVar("A")
S = TypeVar("S", bound="State")

# Values that are certainly pytree leaves; anything else (dicts, lists, tuples, user pytree
# nodes such as unit-carrying arrays) may hold tracers or deleted arrays among its leaves.
_LEAVES = (jax.Array, np.ndarray, np.generic, int, float, complex, str, type(None))


class _Flags(threading.local):
    def __init__(self) -> None:
        self.check_tree = False
        self.catchers: list[StateCatcher] = []


_FLAGS = _Flags()


def _creation_site(state: State) -> tuple[str, int] | None:
    """Where the user made ``state``: the first frame outside brainstate's own packages and
    outside the ``__init__`` methods (e.g. of user subclasses) that are initialising it."""
    frame = sys._getframe(2)
    while frame is not None and (
        frame.f_globals.get("__name__", "").startswith("brainstate")
        or (
            frame.f_code.co_name == "__init__"
            and frame.f_code.co_argcount > 0
            and frame.f_locals.get(frame.f_code.co_varnames[0]) is state
        )
    ):
        frame = frame.f_back
    if frame is None:
        return None
    return frame.f_code.co_filename, frame.f_lineno


def _holds_tracer(value: Any) -> bool:
    if isinstance(value, Tracer):
        return True
    if isinstance(value, _LEAVES):
        return False
    return any(isinstance(leaf, Tracer) for leaf in jax.tree.leaves(value))


def _inspect_new_value(value: Any, describe: Callable[[], str]) -> bool:
    """Validate a value about to enter a State; return whether it holds a tracer.

    Raises:
        StateValueError: ``value`` is a State or contains one.
    """
    if isinstance(value, Tracer):
        return True
    if isinstance(value, _LEAVES):
        return False
    if isinstance(value, State):
        raise StateValueError(
            f"{describe()} was given a {type(value).__name__} object as its value; a State "
            "holds a pytree of arrays, not another State. Did you mean `.value = other.value`?"
        )
    found = False
    for leaf in jax.tree.leaves(value):
        if isinstance(leaf, Tracer):
            found = True
        elif isinstance(leaf, State):
            raise StateValueError(
                f"The value given to {describe()} contains {leaf.describe()}; a State holds "
                "a pytree of arrays, not other States. Store `other.value` instead, or keep "
                "the State itself as an attribute of a graph Node."
            )
    return found


class State(PrettyRepr):
    """A mutable container for a JAX pytree, the unit of state in brainstate.

    Read and write the wrapped value through ``.value``. Every access is recorded by the
    active State-aware transforms (``bst.compile.jit``, ``bst.augment.grad``, ...), which is
    how they find the States a function uses without being told. A State is not a pytree
    itself: it is an object with identity, shared wherever it is referenced.

    Subclass it to give States a meaning that filters can select on
    (``class Counter(State): pass``).

    As in brainstate 0.1, each metadata entry also reads (and, once given, writes) as an
    attribute: ``ParamState(w, lr=0.1).lr == 0.1``; :attr:`metadata` returns them all. A State
    given as the value is unwrapped: ``ShortTermState(other)`` holds ``other.value``.

    Args:
        value: Any pytree: a number, an array, or dicts/lists/tuples of them; or a State,
            whose value is taken.
        name: Optional name, used in error messages and reprs.
        **metadata: Extra information kept with the State (e.g. ``tag``, sharding, a
            learning rate).

    Examples:
        >>> import jax.numpy as jnp
        >>> from brainstate_core import ParamState, State
        >>> s = State(jnp.ones(3))
        >>> s.value = s.value * 2
        >>> s
        State(
          value=Array([2., 2., 2.], dtype=float32)
        )
        >>> w = ParamState(jnp.zeros(2), name="w", lr=0.1)
        >>> w.lr
        0.1
        >>> w
        ParamState(
          value=Array([0., 0.], dtype=float32),
          name='w',
          lr=0.1
        )
    """

    _value: Any
    _name: str | None
    _meta_keys: tuple[str, ...]
    _meta_hidden: dict[str, Any]
    _source: tuple[str, int] | None
    _owner: tuple[int, ...]
    _may_hold_tracer: bool

    def __init__(self, value: Any, name: str | None = None, **metadata: Any) -> None:
        if isinstance(value, State):  # brainstate 0.1 took the other State's value
            value = value.value
        self._may_hold_tracer = _inspect_new_value(value, lambda: f"{type(self).__name__}(...)")
        self._value = value
        self._name = name
        self._meta_keys = ()
        self._meta_hidden = {}
        for key, item in metadata.items():
            self._set_meta(key, item)
        self._source = _creation_site(self)
        self._owner = creation_owner()
        for catcher in _FLAGS.catchers:
            catcher._catch(self)

    # -- metadata, kept as attributes (as brainstate 0.1 did) ------------------------------
    # An entry lives in the instance's __dict__ under its key, so that `state.lr` reads and
    # `state.lr = ...` writes it with no attribute hook (which would slow every attribute
    # access of a State). Keys that cannot be attributes (private names, or names of the
    # class's methods and properties other than `tag`) are kept in `_meta_hidden` instead.
    def _set_meta(self, key: str, item: Any) -> None:
        if key not in self._meta_keys:
            self._meta_keys = (*self._meta_keys, key)
        if key != "tag" and (key.startswith("_") or hasattr(type(self), key)):
            self._meta_hidden[key] = item
        else:
            self.__dict__[key] = item

    @property
    def _metadata(self) -> dict[str, Any]:
        fields, hidden = self.__dict__, self._meta_hidden
        # an entry deleted as an attribute (`del state.lr`) is no longer metadata
        return {
            k: hidden[k] if k in hidden else fields[k]
            for k in self._meta_keys
            if k in hidden or k in fields
        }

    # -- the value ----------------------------------------------------------------------
    @property
    def value(self) -> Any:
        """The wrapped pytree. Reading and writing it is recorded by active transforms."""
        v = self._value
        if self._may_hold_tracer:
            self._check_no_leaked_tracer(v)
        elif is_deleted_array(v) or (not isinstance(v, _LEAVES) and _any_deleted(v)):
            raise DeletedStateError(
                f"{self.describe()} holds an array that has been deleted (donated to a "
                "jitted computation or deleted explicitly). Assign the computation's result "
                "back to the State before reading it."
            )
        stack = TRACE_CONTEXT.stack
        if stack:
            notify(self, False, stack)
            v = self._value
        return v

    @value.setter
    def value(self, v: Any) -> None:
        holds_tracer = _inspect_new_value(v, self.describe)
        if _FLAGS.check_tree:
            self._check_tree(v)
        stack = TRACE_CONTEXT.stack
        if stack:
            notify(self, True, stack)
        self._value = v
        self._may_hold_tracer = holds_tracer

    def restore_value(self, v: Any) -> None:
        """Set the value without recording the write or checking it (for transforms)."""
        self._value = v
        self._may_hold_tracer = _holds_tracer(v)

    def _check_tree(self, v: Any) -> None:
        old = jax.tree.structure(self._value)
        new = jax.tree.structure(v)
        if old != new:
            raise StateTreeError(
                f"{self.describe()} holds a value with tree structure {old}, but the new value "
                f"has tree structure {new}. Assign a value of the same structure, or leave "
                "the `check_state_value_tree()` block to allow it."
            )

    def _check_no_leaked_tracer(self, v: Any) -> None:
        leaves = (v,) if isinstance(v, Tracer) else jax.tree.leaves(v)
        for leaf in leaves:
            if isinstance(leaf, Tracer) and not tracer_is_live(leaf, running_traces()):
                if self._owner:
                    cause = (
                        "It was created inside a transformed function (a State made while "
                        "tracing is local to that trace) and kept after it ended, e.g. stored "
                        "on a model by lazy initialisation. Create it before the transformed "
                        "call (in `__init__`/`init_state`), so that the transformation carries "
                        "it."
                    )
                else:
                    cause = (
                        "It was most likely written inside a plain `jax.jit`/`jax.vmap`/"
                        "`jax.grad`/`lax.scan` that does not know about States. Use the "
                        "State-aware `bst.compile.jit` (or `bst.compile.for_loop`, "
                        "`bst.augment.grad`, `bst.augment.vmap`), or pass the value in and out "
                        "of the JAX transformation explicitly."
                    )
                raise LeakedTracerError(
                    f"{self.describe()} holds a JAX tracer from a transformation that has "
                    f"already finished ({type(leaf).__name__} of {leaf.aval}). {cause}"
                )

    # -- identity and description -------------------------------------------------------
    @property
    def name(self) -> str | None:
        """The State's name, or ``None``."""
        return self._name

    @name.setter
    def name(self, name: str | None) -> None:
        self._name = name

    @property
    def tag(self) -> str | None:
        """A free-form tag (set by ``catch_new_states`` and usable as a graph filter)."""
        return self.__dict__.get("tag")

    @tag.setter
    def tag(self, tag: str | None) -> None:
        self._set_meta("tag", tag)

    @property
    def metadata(self) -> dict[str, Any]:
        """A copy of the State's metadata (each entry also reads as an attribute)."""
        return dict(self._metadata)

    @property
    def source_info(self) -> str | None:
        """``"file:line"`` where the State was created, or ``None`` when unknown."""
        if self._source is None:
            return None
        return f"{self._source[0]}:{self._source[1]}"

    def describe(self) -> str:
        """A short description for messages: type, name and creation site."""
        text = type(self).__name__
        if self._name is not None:
            text += f" {self._name!r}"
        if self._source is not None:
            text += f" (created at {self.source_info})"
        return text

    # -- helpers ------------------------------------------------------------------------
    def value_call(self, fn: Callable[[Any], Any]) -> Any:
        """Apply ``fn`` to every leaf of the value and return the resulting pytree."""
        return jax.tree.map(fn, self.value)

    def numel(self) -> int:
        """The total number of elements over the value's leaves."""
        return int(sum(np.size(leaf) for leaf in jax.tree.leaves(self._value)))

    def copy(self: S) -> S:
        """A new State of the same type with the same value, name and metadata."""
        new = object.__new__(type(self))
        new.__dict__.update(self.__dict__)
        new._meta_hidden = dict(self._meta_hidden)
        new._owner = creation_owner()
        for catcher in _FLAGS.catchers:
            catcher._catch(new)
        return new

    def replace(self: S, value: Any = MISSING, **metadata: Any) -> S:
        """A copy with ``value`` and/or metadata entries replaced."""
        if isinstance(value, State):
            raise StateValueError(
                f"{self.describe()}.replace(...) was given a {type(value).__name__} object as "
                "the new value; a State holds a pytree of arrays, not another State. "
                "Pass `other.value` instead."
            )
        new = self.copy()
        if value is not MISSING:
            new.restore_value(value)
        for key, item in metadata.items():
            new._set_meta(key, item)
        return new

    def to_state_ref(self) -> TreefyState:
        """This State as a :class:`TreefyState` (a pytree carrying type and metadata)."""
        return TreefyState.from_state(self)

    def update_from_ref(self, ref: TreefyState) -> None:
        """Write the value (and metadata) of a :class:`TreefyState` into this State."""
        self.value = ref.value
        for key, item in ref.metadata.items():
            if key != "name":
                self._set_meta(key, item)

    def __pretty_repr_items__(self) -> Iterator[tuple[str, Any]]:
        # As brainstate 0.1: the value, then the name and the metadata (a None tag omitted).
        yield "value", self._value
        if self._name is not None:
            yield "name", self._name
        for key, item in self._metadata.items():
            if not (key == "tag" and item is None):
                yield key, item


def _any_deleted(value: Any) -> bool:
    return any(is_deleted_array(leaf) for leaf in jax.tree.leaves(value))


class ShortTermState(State):
    """State that is reset between trials: membrane potentials, synaptic currents, ..."""


class LongTermState(State):
    """State that persists across trials: parameters, running statistics, random keys."""


class ParamState(LongTermState):
    """A trainable parameter."""


class HiddenState(ShortTermState):
    """The hidden (dynamical) variable of a neuron, synapse or recurrent cell."""


class BatchState(LongTermState):
    """State computed from batches, e.g. the running mean and variance of batch norm."""


@jax.tree_util.register_pytree_node_class
class TreefyState(PrettyRepr):
    """A State in pytree form: its value as the only child, its type and metadata as static data.

    Used where States must cross a JAX transformation boundary, or be stored, without their
    identity: ``graph.treefy_split``, checkpoints, ``to_state_ref``.

    Args:
        type: The State subclass this stands for.
        value: The value (any pytree).
        **metadata: The State's name (as ``name``) and metadata.

    Examples:
        >>> import jax.numpy as jnp
        >>> from brainstate_core import ParamState
        >>> ref = ParamState(jnp.zeros(2), name="b").to_state_ref()
        >>> ref.type.__name__, ref.metadata["name"]
        ('ParamState', 'b')
        >>> type(ref.to_state()).__name__
        'ParamState'
    """

    __slots__ = ("_metadata", "_source", "type", "value")

    def __init__(self, type: type[State], value: Any, **metadata: Any) -> None:
        self.type = type
        self.value = value
        self._metadata = metadata
        self._source: tuple[str, int] | None = None

    @classmethod
    def from_state(cls, state: State) -> TreefyState:
        meta = dict(state._metadata)
        if state._name is not None:
            meta["name"] = state._name
        ref = cls(type(state), state.value, **meta)
        ref._source = state._source
        return ref

    @property
    def metadata(self) -> dict[str, Any]:
        return dict(self._metadata)

    @property
    def name(self) -> str | None:
        return self._metadata.get("name")

    @property
    def tag(self) -> str | None:
        return self._metadata.get("tag")

    def to_state(self) -> State:
        """A new State of ``type`` holding this value and metadata."""
        meta = dict(self._metadata)
        name = meta.pop("name", None)
        state = object.__new__(self.type)
        state._may_hold_tracer = _inspect_new_value(self.value, lambda: self.type.__name__)
        state._value = self.value
        state._name = name
        state._meta_keys = ()
        state._meta_hidden = {}
        for key, item in meta.items():
            state._set_meta(key, item)
        # the State this one stands for was made by the user; point errors there
        state._source = self._source if self._source is not None else _creation_site(state)
        state._owner = creation_owner()
        for catcher in _FLAGS.catchers:
            catcher._catch(state)
        return state

    def replace(self, value: Any = MISSING, **metadata: Any) -> TreefyState:
        """A copy with ``value`` and/or metadata entries replaced."""
        meta = {**self._metadata, **metadata}
        ref = TreefyState(self.type, self.value if value is MISSING else value, **meta)
        ref._source = self._source
        return ref

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TreefyState):
            return NotImplemented
        return (
            self.type is other.type
            and self._metadata == other._metadata
            and jax.tree.structure(self.value) == jax.tree.structure(other.value)
            and all(
                np.array_equal(a, b)
                for a, b in zip(jax.tree.leaves(self.value), jax.tree.leaves(other.value))
            )
        )

    __hash__ = None  # type: ignore[assignment]

    def __pretty_repr_items__(self) -> Iterator[tuple[str, Any]]:
        yield "type", _TypeName(self.type)
        yield "value", self.value
        yield from self._metadata.items()

    def tree_flatten(self):
        # sorted: TreefyStates that compare equal must also have equal treedefs
        return (self.value,), (self.type, tuple(sorted(self._metadata.items())))

    @classmethod
    def tree_unflatten(cls, aux, children):
        obj = object.__new__(cls)
        obj.type = aux[0]
        obj.value = children[0]
        obj._metadata = dict(aux[1])
        obj._source = None
        return obj


class _TypeName:
    __slots__ = ("t",)

    def __init__(self, t: type) -> None:
        self.t = t

    def __repr__(self) -> str:
        return self.t.__name__


class StateCatcher:
    """Collects the States created inside a :func:`catch_new_states` block.

    Attributes:
        tag: The tag given to each caught State (``None``: leave tags alone).
        states: The caught States, in creation order.
    """

    def __init__(
        self,
        tag: str | None = None,
        exclude: type | tuple[type, ...] | Callable[[State], bool] | None = None,
    ) -> None:
        self.tag = tag
        self.exclude = exclude
        self.states: list[State] = []
        self._ids: set[int] = set()

    def _excluded(self, state: State) -> bool:
        ex = self.exclude
        if ex is None:
            return False
        if isinstance(ex, type) or (isinstance(ex, tuple) and all(isinstance(t, type) for t in ex)):
            return isinstance(state, ex)
        return bool(ex(state))  # type: ignore[operator]

    def _catch(self, state: State) -> None:
        if id(state) in self._ids or self._excluded(state):
            return
        self._ids.add(id(state))
        self.states.append(state)
        if self.tag is not None:
            state.tag = self.tag

    def get_states(self) -> list[State]:
        """The caught States, in creation order."""
        return list(self.states)

    def get_state_values(self) -> list[Any]:
        """The current values of the caught States."""
        return [s.value for s in self.states]

    def __len__(self) -> int:
        return len(self.states)

    def __iter__(self) -> Iterator[State]:
        return iter(self.states)


@contextlib.contextmanager
def catch_new_states(
    tag: str | None = None,
    state_to_exclude: type | tuple[type, ...] | Callable[[State], bool] | None = None,
) -> Iterator[StateCatcher]:
    """Catch every State created inside the block, optionally tagging it.

    Args:
        tag: If given, each new State's ``tag`` is set to it (graph filters select by tag).
        state_to_exclude: A State type, tuple of types, or predicate: matching States are
            not caught (and not tagged).

    Yields:
        A :class:`StateCatcher` holding the new States in creation order.

    Examples:
        >>> import jax.numpy as jnp
        >>> from brainstate_core import State, catch_new_states
        >>> with catch_new_states("new") as catcher:
        ...     s = State(jnp.zeros(2))
        >>> catcher.get_states()[0] is s, s.tag
        (True, 'new')
    """
    catcher = StateCatcher(tag, state_to_exclude)
    _FLAGS.catchers.append(catcher)
    try:
        yield catcher
    finally:
        _FLAGS.catchers.remove(catcher)


@contextlib.contextmanager
def check_state_value_tree(val: bool = True) -> Iterator[None]:
    """Inside this block, assigning a value of a different pytree structure raises.

    Args:
        val: ``True`` turns the check on for the block; ``False`` turns it off.

    Examples:
        >>> import jax.numpy as jnp
        >>> from brainstate_core import State, check_state_value_tree
        >>> s = State({"a": jnp.zeros(2)})
        >>> with check_state_value_tree():
        ...     s.value = {"a": jnp.ones(2)}      # same structure: fine
        ...     try:
        ...         s.value = {"b": jnp.ones(2)}
        ...     except ValueError as e:
        ...         print(type(e).__name__)
        StateTreeError
    """
    old = _FLAGS.check_tree
    _FLAGS.check_tree = val
    try:
        yield
    finally:
        _FLAGS.check_tree = old
