"""Small, framework-wide mixins: computing modes and deferred construction.

Two families live here because every layer of brainstate needs them and neither depends
on the graph or on neural-network code:

- The computing **modes** (:class:`Mode`, :class:`Training`, :class:`Batching`,
  :class:`JointMode`) describe *how* a model is being run. ``environ``'s ``mode`` setting
  holds one, and models ask it questions such as ``mode.has(Batching)``.
- :class:`ParamDesc` / :class:`ParamDescriber` give a class the ``Cls.desc(...)``
  constructor: it records some constructor arguments now and builds the object later, once
  the remaining arguments (typically sizes) are known.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar

import numpy as np

__all__ = [
    "Mixin",
    "ParamDesc",
    "ParamDescriber",
    "Mode",
    "Training",
    "Batching",
    "JointMode",
    "AlignPost",
    "BindCondData",
]

T = TypeVar("T")


class Mixin:
    """Base class of brainstate's mixins.

    A mixin adds one capability to a class and is combined with a main base class by
    multiple inheritance. It holds no state and defines no ``__init__``.

    Examples:
        >>> from brainstate_core.mixin import Mixin, ParamDesc
        >>> issubclass(ParamDesc, Mixin)
        True
    """

    __slots__ = ()


class AlignPost(Mixin):
    """Marks a synapse whose variables have the postsynaptic population's shape.

    Align-post projections (``brainstate_nn.AlignPostProj``) accept only such synapses:
    they add their increments to it (``add_delta_input``) and merge identical ones. Declare
    a synapse of your own as ``class MySyn(Synapse, AlignPost)``.

    Examples:
        >>> from brainstate_core.mixin import AlignPost
        >>> class Trace(AlignPost):
        ...     pass
        >>> isinstance(Trace(), AlignPost)
        True
    """

    __slots__ = ()

    def align_post_input_add(self, *args: Any, **kwargs: Any) -> None:
        """brainstate 0.1's hook for adding inputs; projections use ``add_delta_input``."""
        raise NotImplementedError(
            f"{type(self).__name__}.align_post_input_add is not implemented; align-post "
            "projections add their input with add_delta_input."
        )


class BindCondData(Mixin):
    """Holds a conductance bound for the current step (``bind_cond``/``unbind_cond``).

    Synaptic outputs use it: a synapse binds its conductance, then the output turns it into
    a current when the postsynaptic population asks.

    Examples:
        >>> from brainstate_core.mixin import BindCondData
        >>> class Out(BindCondData):
        ...     pass
        >>> out = Out()
        >>> out.bind_cond(2.0)
        >>> out._conductance
        2.0
        >>> out.unbind_cond()
        >>> out._conductance is None
        True
    """

    __slots__ = ()
    _conductance: Any = None

    def bind_cond(self, conductance: Any) -> None:
        """Bind ``conductance`` for this step."""
        self._conductance = conductance

    def unbind_cond(self) -> None:
        """Forget the bound conductance."""
        self._conductance = None


# --------------------------------------------------------------------------------------
# Deferred construction
# --------------------------------------------------------------------------------------


class ParamDescriber(Generic[T]):
    """A recipe for building an object later: a class plus part of its arguments.

    Calling the describer builds a new object each time, from the recorded arguments
    followed by the arguments of the call: ``ParamDescriber(cls, *a, **kw)(*b, **kw2)`` is
    ``cls(*a, *b, **kw, **kw2)``. A keyword given both when describing and when building is
    an error rather than a silent override.

    Usually created with :meth:`ParamDesc.desc`.

    Args:
        cls: The class (or any callable) that builds the object.
        *args: Leading positional arguments, passed before those given at build time.
        **kwargs: Keyword arguments passed at build time.

    Raises:
        TypeError: If ``cls`` is not callable.

    Examples:
        >>> from brainstate_core.mixin import ParamDescriber
        >>> make_range = ParamDescriber(range, 2)
        >>> list(make_range(5))
        [2, 3, 4]
    """

    __slots__ = ("args", "cls", "kwargs")

    cls: Callable[..., T]
    args: tuple[Any, ...]
    kwargs: dict[str, Any]

    def __init__(self, cls: Callable[..., T], *args: Any, **kwargs: Any) -> None:
        if not callable(cls):
            raise TypeError(
                f"ParamDescriber expects a class (or another callable) to build objects with, "
                f"but got {cls!r} of type {type(cls).__name__}. Pass the class itself, e.g. "
                "`ParamDescriber(MyLayer, ...)` or `MyLayer.desc(...)`."
            )
        self.cls = cls
        self.args = tuple(args)
        self.kwargs = dict(kwargs)

    def __call__(self, *args: Any, **kwargs: Any) -> T:
        """Build a new object from the recorded arguments and these extra ones.

        Raises:
            TypeError: If a keyword argument was already recorded by the describer.
        """
        clash = sorted(set(kwargs) & set(self.kwargs))
        if clash:
            raise TypeError(
                f"{self!r} already sets the keyword argument(s) {', '.join(clash)}; they "
                "were given again when building the object. Give each keyword either in "
                "`.desc(...)` or in the build call, not both."
            )
        return self.cls(*self.args, *args, **self.kwargs, **kwargs)

    def init(self, *args: Any, **kwargs: Any) -> T:
        """Build the object; the same as calling the describer."""
        return self(*args, **kwargs)

    @property
    def identifier(self) -> tuple[Any, tuple[Any, ...], tuple[tuple[str, Any], ...]]:
        """``(cls, args, sorted kwargs items)``: a key that tells describers apart.

        Unhashable arguments (arrays, quantities with units, lists, dicts) are replaced by
        hashable stand-ins built from their contents, so two describers with equal
        arguments have equal identifiers and it can key a cache of built objects.
        """
        return (
            self.cls,
            tuple(_freeze(a) for a in self.args),
            tuple(sorted((k, _freeze(v)) for k, v in self.kwargs.items())),
        )

    def __repr__(self) -> str:
        name = getattr(self.cls, "__qualname__", None) or repr(self.cls)
        parts = [repr(a) for a in self.args]
        parts += [f"{k}={v!r}" for k, v in self.kwargs.items()]
        return f"{type(self).__name__}({', '.join([name, *parts])})"


def _freeze(x: Any) -> Any:
    """A hashable stand-in for ``x`` that is equal for equal contents."""
    try:
        hash(x)
        if not hasattr(x, "shape"):  # arrays may hash by identity; use their contents
            return x
    except TypeError:
        pass
    if isinstance(x, (list, tuple)):
        return (type(x).__name__, tuple(_freeze(v) for v in x))
    if isinstance(x, dict):
        return ("dict", tuple(sorted((repr(k), _freeze(v)) for k, v in x.items())))
    unit = getattr(x, "unit", None)
    if unit is not None and hasattr(x, "mantissa"):  # a brainunit Quantity
        return ("quantity", _freeze(x.mantissa), str(unit))
    if hasattr(x, "shape") and hasattr(x, "dtype"):
        arr = np.asarray(x)
        return ("array", arr.shape, str(arr.dtype), arr.tobytes())
    return ("object", id(x))


class ParamDesc(Mixin):
    """Mixin that gives a class the deferred constructor ``Cls.desc(*args, **kwargs)``.

    ``Cls.desc(...)`` does not build anything: it returns a :class:`ParamDescriber` that
    builds a fresh ``Cls`` each time it is called, adding the call's arguments after the
    recorded ones. Containers use this to take a layer "recipe" whose input size they fill
    in themselves.

    Examples:
        >>> from brainstate_core.mixin import ParamDesc
        >>> class Linear(ParamDesc):
        ...     def __init__(self, in_size, out_size, bias=True):
        ...         self.in_size, self.out_size, self.bias = in_size, out_size, bias
        >>> recipe = Linear.desc(out_size=4, bias=False)
        >>> layer = recipe(3)
        >>> (layer.in_size, layer.out_size, layer.bias)
        (3, 4, False)
    """

    __slots__ = ()

    @classmethod
    def desc(cls: type[T], *args: Any, **kwargs: Any) -> ParamDescriber[T]:
        """Record constructor arguments now; build the object later by calling the result."""
        return ParamDescriber(cls, *args, **kwargs)


# --------------------------------------------------------------------------------------
# Computing modes
# --------------------------------------------------------------------------------------


def _check_mode_type(mode_type: Any, method: str) -> type[Mode]:
    if not (isinstance(mode_type, type) and issubclass(mode_type, Mode)):
        raise TypeError(
            f"Mode.{method}() expects a Mode class such as Training or Batching, but got "
            f"{mode_type!r} of type {type(mode_type).__name__}. Pass the class itself, "
            f"e.g. `mode.{method}(Batching)`, not an instance."
        )
    return mode_type


class Mode(Mixin):
    """A computing mode: how a model is being run (plain, training, batched, ...).

    The base class is the plain mode, used when nothing special is asked for. Subclasses add
    meaning (:class:`Training`) and parameters (:class:`Batching`); :class:`JointMode`
    combines several. Modes compare equal when they have the same type and the same
    parameters, and are hashable, so they can be static arguments of a jitted function.
    Treat them as immutable.

    Subclasses keep their parameters as instance attributes set in ``__init__``; equality,
    hashing and ``repr`` are derived from them.

    Examples:
        >>> from brainstate_core.mixin import Batching, Mode, Training
        >>> mode = Training()
        >>> mode.has(Mode), mode.has(Training), mode.has(Batching)
        (True, True, False)
        >>> mode.is_a(Mode)
        False
        >>> Batching(4) == Batching(batch_size=4)
        True
    """

    def _params(self) -> dict[str, Any]:
        return dict(vars(self))

    def _parts(self) -> tuple[Mode, ...]:
        return (self,)

    def has(self, mode_type: type[Mode]) -> bool:
        """Whether this mode is, or contains, a mode of type ``mode_type`` (or a subclass).

        Args:
            mode_type: A :class:`Mode` subclass.

        Raises:
            TypeError: If ``mode_type`` is not a Mode subclass.
        """
        mode_type = _check_mode_type(mode_type, "has")
        return isinstance(self, mode_type) or any(
            isinstance(part, mode_type) for part in self._parts()
        )

    def is_a(self, mode_type: type[Mode] | tuple[type[Mode], ...]) -> bool:
        """Whether this mode is exactly of type ``mode_type`` (subclasses do not count).

        Args:
            mode_type: A :class:`Mode` subclass, or a tuple of them: then the mode must be
                made of exactly those types (in any order), as a :class:`JointMode` is.

        Raises:
            TypeError: If ``mode_type`` is not a Mode subclass or a tuple of them.
        """
        if isinstance(mode_type, tuple):
            wanted = [_check_mode_type(t, "is_a") for t in mode_type]
            have = [type(part) for part in self._parts()]
            return len(wanted) == len(have) and set(wanted) == set(have)
        return type(self) is _check_mode_type(mode_type, "is_a")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Mode):
            return NotImplemented
        return type(self) is type(other) and self._params() == other._params()

    def __hash__(self) -> int:
        return hash((type(self), tuple(self._params().items())))

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self._params().items())
        return f"{type(self).__name__}({params})"


class Training(Mode):
    """The training mode: the model is being fitted, so e.g. dropout is active.

    Examples:
        >>> from brainstate_core.mixin import Mode, Training
        >>> Training().has(Mode), Training().is_a(Training)
        (True, True)
    """


class Batching(Mode):
    """The batching mode: inputs carry a batch dimension.

    Args:
        batch_size: The number of samples in a batch (a positive integer).
        batch_axis: The axis of the batch dimension (may be negative).

    Raises:
        TypeError: If an argument is not an integer.
        ValueError: If ``batch_size`` is smaller than 1.

    Examples:
        >>> from brainstate_core.mixin import Batching
        >>> mode = Batching(batch_size=32)
        >>> mode.batch_size, mode.batch_axis
        (32, 0)
        >>> mode
        Batching(batch_size=32, batch_axis=0)
    """

    batch_size: int
    batch_axis: int

    def __init__(self, batch_size: int = 1, batch_axis: int = 0) -> None:
        self.batch_size = _as_int(batch_size, "batch_size")
        self.batch_axis = _as_int(batch_axis, "batch_axis")
        if self.batch_size < 1:
            raise ValueError(
                f"Batching(batch_size=...) must be a positive integer, but got {batch_size}. "
                "Use batch_size=1 for a single sample."
            )


def _as_int(value: Any, name: str) -> int:
    if isinstance(value, bool):
        raise TypeError(f"Batching({name}=...) expects an integer, but got the bool {value}.")
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(
            f"Batching({name}=...) expects an integer, but got {value!r} of type "
            f"{type(value).__name__}."
        ) from None


class JointMode(Mode):
    """Several modes at once, e.g. training on batches.

    ``has`` and ``is_a`` look at the parts, and attributes that ``JointMode`` itself lacks
    are read from the first part that has them, so a joint mode can be used wherever one of
    its parts is expected. Nested joint modes are flattened. Equality ignores the order of
    the parts.

    Args:
        *modes: The modes to combine: :class:`Mode` instances, at most one of each type.

    Raises:
        TypeError: If no mode is given, if an argument is not a Mode instance, or if two
            parts have the same type.

    Examples:
        >>> from brainstate_core.mixin import Batching, JointMode, Training
        >>> mode = JointMode(Batching(4), Training())
        >>> mode.has(Training), mode.has(Batching), mode.batch_size
        (True, True, 4)
        >>> mode.is_a((Training, Batching))
        True
    """

    modes: tuple[Mode, ...]

    def __init__(self, *modes: Mode) -> None:
        if not modes:
            raise TypeError(
                "JointMode() needs at least one mode to combine, e.g. "
                "`JointMode(Batching(4), Training())`."
            )
        flat: list[Mode] = []
        for i, mode in enumerate(modes):
            if not isinstance(mode, Mode):
                hint = (
                    f" Did you mean `{mode.__name__}()`?"
                    if isinstance(mode, type) and issubclass(mode, Mode)
                    else ""
                )
                raise TypeError(
                    f"JointMode(...) combines Mode instances, but argument {i} is {mode!r} "
                    f"of type {type(mode).__name__}.{hint}"
                )
            flat.extend(mode._parts())
        seen: dict[type, Mode] = {}
        for mode in flat:
            if type(mode) in seen:
                raise TypeError(
                    f"JointMode(...) got two modes of type {type(mode).__name__} "
                    f"({seen[type(mode)]!r} and {mode!r}); a joint mode holds at most one "
                    "mode of each type."
                )
            seen[type(mode)] = mode
        self.modes = tuple(flat)

    @property
    def types(self) -> tuple[type[Mode], ...]:
        """The types of the parts, in order."""
        return tuple(type(m) for m in self.modes)

    def _parts(self) -> tuple[Mode, ...]:
        return self.modes

    def __iter__(self) -> Iterator[Mode]:
        return iter(self.modes)

    def __len__(self) -> int:
        return len(self.modes)

    def __getattr__(self, name: str) -> Any:
        # Only called when normal lookup fails. Dunder names and ``modes`` itself (absent
        # while unpickling or copying) must not be forwarded, or lookups would recurse.
        if name.startswith("__") or name == "modes":
            raise AttributeError(name)
        for mode in self.__dict__.get("modes", ()):
            try:
                return getattr(mode, name)
            except AttributeError:
                continue
        raise AttributeError(
            f"{self!r} has no attribute {name!r}: neither JointMode nor any of its modes "
            f"({', '.join(t.__name__ for t in self.types)}) defines it."
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Mode):
            return NotImplemented
        if not isinstance(other, JointMode):
            return False
        return dict(zip(self.types, self.modes)) == dict(zip(other.types, other.modes))

    def __hash__(self) -> int:
        return hash((JointMode, frozenset(self.modes)))

    def __repr__(self) -> str:
        return f"JointMode({', '.join(repr(m) for m in self.modes)})"
