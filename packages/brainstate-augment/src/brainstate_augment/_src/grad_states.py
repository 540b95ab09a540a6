"""Checking and flattening the ``grad_states`` and ``argnums`` arguments of the grad family."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import jax

from brainstate_core import State

from .errors import GradStateError

__all__ = ["GradTargets", "UnusedGradStateWarning", "warn_unused"]


class UnusedGradStateWarning(UserWarning):
    """A State in ``grad_states`` that the differentiated function never reads.

    Its gradient is zero (as JAX gives for an unused argument). Usual causes: the State
    belongs to a part of the model the loss does not use, or the function reads a copy of
    the State rather than the State itself. Select fewer States (e.g.
    ``model.states(ParamState)``) or silence it with
    ``warnings.filterwarnings("ignore", category=UnusedGradStateWarning)``.
    """


def _is_state(x: Any) -> bool:
    return isinstance(x, State)


def _describe_position(path: Any) -> str:
    return "grad_states" + jax.tree_util.keystr(path) if path else "grad_states"


class GradTargets:
    """What to differentiate: the flat States of ``grad_states`` and the ``argnums``.

    Attributes:
        states: the States of ``grad_states``, in pytree order.
        treedef: the structure of ``grad_states``, to put gradients back in the same shape.
        argnums: the argument positions, as a tuple.
        single_arg: ``argnums`` was given as one int (its gradient is returned bare).
        has_states: ``grad_states`` was given.
    """

    __slots__ = ("argnums", "has_states", "single_arg", "states", "treedef")

    def __init__(self, grad_states: Any, argnums: int | Sequence[int] | None) -> None:
        self.has_states = grad_states is not None
        if self.has_states:
            paths_leaves, self.treedef = jax.tree_util.tree_flatten_with_path(
                grad_states, is_leaf=_is_state
            )
            states: list[State] = []
            seen: set[int] = set()
            for path, leaf in paths_leaves:
                if not isinstance(leaf, State):
                    raise GradStateError(
                        f"{_describe_position(path)} must be a State, got "
                        f"{type(leaf).__name__} {_short(leaf)}. Pass States (e.g. "
                        "`model.states()` or `[layer.weight]`), not their values; to "
                        "differentiate with respect to an array argument use `argnums=`."
                    )
                if id(leaf) in seen:
                    raise GradStateError(
                        f"{leaf.describe()} appears more than once in grad_states "
                        f"(again at {_describe_position(path)}); list each State once."
                    )
                seen.add(id(leaf))
                states.append(leaf)
            self.states = states
        else:
            self.states = []
            self.treedef = jax.tree.structure(None)
        if argnums is None:
            argnums = () if self.has_states else 0
        self.single_arg = isinstance(argnums, int)
        if self.single_arg:
            self.argnums: tuple[int, ...] = (argnums,)  # type: ignore[assignment]
        else:
            try:
                self.argnums = tuple(argnums)  # type: ignore[arg-type]
            except TypeError:
                raise GradStateError(
                    f"argnums must be an int or a sequence of ints, got {argnums!r}"
                ) from None
            if not all(isinstance(a, int) for a in self.argnums):
                raise GradStateError(f"argnums must contain only ints, got {argnums!r}")
        if len(set(self.argnums)) != len(self.argnums):
            raise GradStateError(f"argnums lists an argument twice: {argnums!r}")

    def resolve_argnums(self, n_args: int) -> tuple[int, ...]:
        """The argnums as non-negative positions, checked against ``n_args`` arguments."""
        out = []
        for a in self.argnums:
            if not n_args:
                raise GradStateError(
                    f"argnums={a}: the function was called without positional arguments, so "
                    "there is nothing at that position to differentiate. Pass the argument "
                    "by position, or give the States to differentiate as grad_states=..."
                )
            if not -n_args <= a < n_args:
                raise GradStateError(
                    f"argnums={a} is out of range: the function was called with {n_args} "
                    f"positional argument{'s' if n_args != 1 else ''} (valid: "
                    f"{-n_args}..{n_args - 1}). Keyword arguments cannot be differentiated; "
                    "pass the argument by position."
                )
            out.append(a % n_args)
        if len(set(out)) != len(out):
            raise GradStateError(
                f"argnums lists an argument twice: {self.argnums!r} name the same positions "
                f"{tuple(out)!r} of the {n_args} arguments."
            )
        return tuple(out)

    def state_container(self, leaves: Sequence[Any]) -> Any:
        """Put per-State results back into the shape of ``grad_states``."""
        return jax.tree.unflatten(self.treedef, list(leaves))

    def arg_part(self, per_arg: Sequence[Any]) -> Any:
        return per_arg[0] if self.single_arg else tuple(per_arg)

    def combine(self, per_state: Sequence[Any] | None, per_arg: Sequence[Any]) -> Any:
        """The return convention: states only → container; args only → args; both → pair."""
        if not self.has_states:
            return self.arg_part(per_arg)
        container = self.state_container(per_state or [])
        if not self.argnums:
            return container
        return container, self.arg_part(per_arg)


def warn_unused(unused: Sequence[State], where: str) -> None:
    if unused:
        names = ", ".join(s.describe() for s in unused)
        warnings.warn(
            f"{where}: grad_states holds {names}, which the function never reads; "
            "its gradient is zero.",
            UnusedGradStateWarning,
            stacklevel=4,
        )


def _short(x: Any) -> str:
    r = repr(x)
    return r if len(r) <= 60 else r[:57] + "..."
