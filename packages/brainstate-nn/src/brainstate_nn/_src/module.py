"""``Module``, the base of every layer, neuron and network; ``ElementWiseBlock``; ``Sequential``."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from brainstate_core import BrainStateError
from brainstate_core.mixin import ParamDesc, ParamDescriber
from brainstate_graph import FlattedDict, Node, nodes, states

__all__ = ["ElementWiseBlock", "Module", "Sequential", "ShapeError", "to_shape", "to_size"]

Size = int | Sequence[int]
MAX_LEVEL = 2**31 - 1  # no depth limit


class ShapeError(BrainStateError, ValueError):
    """An input, size or shape does not fit the layer it is given to.

    The message names the layer, the shape it expected and the one it got. Usual causes: a
    missing batch dimension or a flattening step, or ``in_size`` of a layer that does not
    match the ``out_size`` of the layer before it.
    """


def to_size(x: int | Sequence[int] | None) -> tuple[int, ...] | None:
    """A shape as a tuple: ``3`` → ``(3,)``, ``[2, 3]`` → ``(2, 3)``, ``None`` → ``None``.

    Args:
        x: an int, a sequence of ints, or None.

    Returns:
        The shape as a tuple of ints, or None.

    Raises:
        ShapeError: ``x`` is none of these.

    Examples:
        >>> import brainstate_nn as nn
        >>> nn.init.to_size(3), nn.init.to_size([2, 3]), nn.init.to_size(None)
        ((3,), (2, 3), None)
    """
    if x is None:
        return None
    if isinstance(x, (int, np.integer)) and not isinstance(x, bool):
        return (int(x),)
    if isinstance(x, (tuple, list)):
        try:
            return tuple(int(s) for s in x)
        except (TypeError, ValueError):
            pass
    raise ShapeError(f"cannot make a size (a tuple of ints) from {x!r}")


def to_shape(size: Size | None, what: str = "size") -> tuple[int, ...] | None:
    """:func:`to_size` for a named size: errors name ``what``; negative sizes are rejected."""
    try:
        shape = to_size(size)  # type: ignore[arg-type]
    except ShapeError:
        raise ShapeError(f"{what} must be an int or a sequence of ints, got {size!r}") from None
    if shape is not None and any(s < 0 for s in shape):
        raise ShapeError(f"{what} must not be negative, got {shape}")
    return shape


class Module(Node, ParamDesc):
    """The base class of layers, neurons, synapses and networks.

    A Module is a :class:`brainstate_graph.Node` (its States are found by
    :meth:`states`, it can be flattened, cloned, ...) with a conventional interface:

    - ``update(*args)`` holds the computation and ``module(*args)`` calls it;
    - ``in_size`` / ``out_size`` are the shapes of one sample (no batch dimension), used by
      :class:`Sequential` to infer the next layer's input size;
    - ``init_state(*args)`` creates the module's short-term States (e.g. a hidden state for a
      given ``batch_size``) and ``reset_state(*args)`` resets them; they are called for a
      whole network by :func:`init_all_states` / :func:`reset_all_states`;
    - ``Cls.desc(*args, **kwargs)`` describes a module to be built later, once its
      ``in_size`` is known (see :class:`Sequential`).

    Args:
        name: an optional name, shown in reprs and error messages.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_core as bsc
        >>> import brainstate_nn as nn
        >>> class Scale(nn.Module):
        ...     def __init__(self, n):
        ...         super().__init__()
        ...         self.in_size = self.out_size = n
        ...         self.k = bsc.ParamState(jnp.ones(n) * 2)
        ...     def update(self, x):
        ...         return x * self.k.value
        >>> Scale(3)(jnp.arange(3.0)).tolist()
        [0.0, 2.0, 4.0]
    """

    _name: str | None
    _in_size: tuple[int, ...] | None
    _out_size: tuple[int, ...] | None

    def __init__(self, name: str | None = None) -> None:
        if name is not None and not isinstance(name, str):
            raise TypeError(f"name must be a str, got {type(name).__name__} {name!r}")
        self._name = name
        self._in_size = None
        self._out_size = None

    # -- identity and sizes ---------------------------------------------------------------
    @property
    def name(self) -> str | None:
        """The module's name (read-only; set it in the constructor)."""
        return self.__dict__.get("_name")

    @name.setter
    def name(self, name: str | None) -> None:
        raise AttributeError("the name of a Module is read-only; pass name= to its constructor")

    @property
    def in_size(self) -> tuple[int, ...] | None:
        """The shape of one input sample, without batch dimensions (``None``: any)."""
        return self.__dict__.get("_in_size")

    @in_size.setter
    def in_size(self, size: Size | None) -> None:
        self._in_size = to_shape(size, f"{self._label()}.in_size")

    @property
    def out_size(self) -> tuple[int, ...] | None:
        """The shape of one output sample, without batch dimensions (``None``: unknown)."""
        return self.__dict__.get("_out_size")

    @out_size.setter
    def out_size(self, size: Size | None) -> None:
        self._out_size = to_shape(size, f"{self._label()}.out_size")

    def _label(self) -> str:
        name = self.__dict__.get("_name")
        return f"{type(self).__name__}({name!r})" if name else type(self).__name__

    # -- computation ----------------------------------------------------------------------
    def update(self, *args: Any, **kwargs: Any) -> Any:
        """The module's computation; subclasses implement it."""
        raise NotImplementedError(f"{type(self).__name__} must implement update()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.update(*args, **kwargs)

    def __rrshift__(self, other: Any) -> Any:
        """``x >> module`` is ``module(x)``."""
        return self(other)

    def init_state(self, *args: Any, **kwargs: Any) -> None:
        """Create this module's short-term States (nothing by default)."""

    if not TYPE_CHECKING:  # (type checkers keep reporting unknown attributes)

        def __getattr__(self, name: str) -> Any:
            # reached only when an attribute is missing: say when it may be an uncreated State
            if name.startswith("__") or type(self).init_state is Module.init_state:
                raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
            raise AttributeError(
                f"{self._label()} has no attribute {name!r}. If it is one of its States: "
                "those are created by init_state(); call bst.nn.init_all_states(model) (with "
                "batch_size=... for batches) before running the model."
            )

    def reset_state(self, *args: Any, **kwargs: Any) -> None:
        """Reset this module's short-term States (nothing by default)."""

    # -- collections (with brainstate 0.1's names) -----------------------------------------
    def states(  # type: ignore[override]
        self, *filters: Any, allowed_hierarchy: tuple[int, int] = (0, MAX_LEVEL)
    ) -> FlattedDict | tuple[FlattedDict, ...]:
        """The States of this module and its children, keyed by path.

        Args:
            *filters: graph filters (State types, tags, predicates); several filters give a
                tuple of collections.
            allowed_hierarchy: ``(min, max)`` depth of the Nodes whose States are collected.

        Returns:
            A ``FlattedDict`` from path to State (a tuple of them for several filters).
        """
        return states(self, *filters, allowed_hierarchy=allowed_hierarchy)

    def nodes(  # type: ignore[override]
        self, *filters: Any, allowed_hierarchy: tuple[int, int] = (0, MAX_LEVEL)
    ) -> FlattedDict | tuple[FlattedDict, ...]:
        """The Nodes in this module (itself included, under the path ``()``), keyed by path."""
        return nodes(self, *filters, allowed_hierarchy=allowed_hierarchy)

    # -- printing -------------------------------------------------------------------------
    def __pretty_repr_items__(self) -> Iterator[tuple[Any, Any]]:
        exclude = type(self).__pretty_repr_exclude__
        for key, value in self.__graph_items__():
            if key in ("_name", "_in_size", "_out_size"):
                if value is not None:
                    yield key[1:], value
                continue
            if isinstance(key, str) and (key.startswith("_") or key in exclude):
                continue
            yield key, value


class ElementWiseBlock(Module):
    """A module applied element by element: its output has the shape of its input.

    :class:`Sequential` passes the input size through such blocks (activations, dropout).
    """


def _build_layer(layer: Any, in_size: tuple[int, ...] | None, index: int) -> tuple[Any, Any]:
    if isinstance(layer, ParamDescriber):
        if in_size is None:
            raise ShapeError(
                f"Sequential layer {index} is a description ({layer!r}) that needs the output "
                "size of the layer before it, which is unknown; build that layer with an "
                "explicit size."
            )
        layer = layer(in_size=in_size)
        return layer, getattr(layer, "out_size", None)
    if isinstance(layer, ElementWiseBlock):
        return layer, in_size
    if isinstance(layer, Module):
        if in_size is not None and layer.in_size is not None and layer.in_size != in_size:
            raise ShapeError(
                f"Sequential layer {index} ({layer._label()}) expects inputs of size "
                f"{layer.in_size}, but the layer before it gives {in_size}."
            )
        return layer, layer.out_size
    if callable(layer):  # a plain function such as jax.nn.relu: element-wise
        return layer, in_size
    raise TypeError(
        f"Sequential layer {index} must be a Module, a Module description (Cls.desc(...)) or "
        f"a function, got {type(layer).__name__} {layer!r}"
    )


class Sequential(Module):
    """Layers applied one after the other; sizes flow from each layer to the next.

    A layer may be given as a description ``Layer.desc(...)`` without its input size: it is
    built with ``in_size`` set to the previous layer's ``out_size``. Plain functions (e.g.
    ``jax.nn.relu``) and :class:`ElementWiseBlock` modules keep the size.

    Args:
        first: the first layer (a Module).
        *layers: the next layers: Modules, descriptions or functions.
        name: an optional name.

    Raises:
        ShapeError: a layer's ``in_size`` does not match the size before it.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> model = nn.Sequential(nn.Linear(4, 8), jax.nn.relu, nn.Linear.desc(out_size=2))
        >>> model.out_size, model(jnp.ones((5, 4))).shape
        ((2,), (5, 2))
    """

    def __init__(self, first: Module, *layers: Any, name: str | None = None) -> None:
        super().__init__(name=name)
        if not isinstance(first, Module):
            raise TypeError(
                f"the first layer of a Sequential must be a built Module (its input size "
                f"starts the chain), got {type(first).__name__} {first!r}"
            )
        built: list[Any] = [first]
        size = first.out_size
        for i, layer in enumerate(layers, start=1):
            layer, size = _build_layer(layer, size, i)
            built.append(layer)
        self.layers = built
        if first.in_size is not None:
            self.in_size = first.in_size
        if size is not None:
            self.out_size = size

    def update(self, x: Any) -> Any:
        for layer in self.layers:
            x = layer(x)
        return x

    def append(self, layer: Any) -> None:
        """Add ``layer`` at the end (as brainstate 0.1): a Module, a description (built with
        the current ``out_size``) or a function.

        Raises:
            ShapeError: the layer's ``in_size`` does not match ``out_size``.
        """
        layer, size = _build_layer(layer, self.out_size, len(self.layers))
        self.layers = [*self.layers, layer]  # a new list, so compiled code sees the change
        if size is not None:
            self.out_size = size

    def __len__(self) -> int:
        return len(self.layers)

    def __iter__(self) -> Iterator[Any]:
        return iter(self.layers)

    def __getitem__(self, key: int | slice | Sequence[int]) -> Any:
        if isinstance(key, int):
            return self.layers[key]
        if isinstance(key, slice):
            return self._of_built(self.layers[key], key)
        if isinstance(key, (tuple, list)):
            return self._of_built([self.layers[k] for k in key], key)
        raise TypeError(f"Sequential indices are ints, slices or lists of ints, got {key!r}")

    @classmethod
    def _of_built(cls, layers: list[Any], key: Any) -> Sequential:
        """A Sequential of layers already built (a slice), which may start with a function."""
        if not layers:
            raise IndexError(f"the Sequential selection {key!r} holds no layer")
        if isinstance(layers[0], Module):
            return cls(*layers)
        seq = cls.__new__(cls)
        Module.__init__(seq)
        seq.layers = list(layers)
        modules = [layer for layer in layers if isinstance(layer, Module)]
        # functions keep the size: the chain's sizes are those of its first and last Modules
        if modules and modules[0].in_size is not None:
            seq.in_size = modules[0].in_size
        if modules and modules[-1].out_size is not None:
            seq.out_size = modules[-1].out_size
        return seq
