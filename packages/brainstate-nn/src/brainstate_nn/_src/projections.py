"""Projections: ``AlignPostProj``, ``DeltaProj``, ``CurrentProj``.

A projection carries presynaptic activity to a postsynaptic population:
``modules (e.g. a delay) → comm (connectivity, e.g. bst.event.FixedProb) → syn → out →
post``. Spikes given to a projection at step ``n`` reach the postsynaptic update of the
same call, so calling projections with the spikes of the previous step (as
:class:`DynamicsGroup` does) makes them act at the next step.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from brainstate_core import State
from brainstate_core.mixin import ParamDescriber

from .collective import call_order
from .dynamics import Dynamics, Increment, Prefetch, PrefetchDelayAt, Projection
from .module import Module
from .synapses import AlignPost
from .synouts import SynOut

__all__ = ["AlignPostProj", "CurrentProj", "DeltaProj"]

_counter = itertools.count()


def _unique(cls: type) -> str:
    return f"{cls.__name__}{next(_counter)}"


def _check_modules(modules: tuple[Any, ...]) -> tuple[Any, ...]:
    for m in modules:
        if not callable(m) and not isinstance(m, State):
            raise TypeError(
                f"projection modules must be callables or States, got {type(m).__name__} {m!r}"
            )
    return modules


def _run_modules(modules: tuple[Any, ...], args: tuple[Any, ...]) -> tuple[Any, ...]:
    for m in modules:
        args = (m.value if isinstance(m, State) else m(*args),)
    return args


def _register_prefetch(module: Any) -> None:
    if isinstance(module, Prefetch):
        module._target()


class _AlignPost(Module):
    """Runs a merged synapse before the postsynaptic update and binds its conductance."""

    def __init__(self, syn: Any, out: SynOut) -> None:
        super().__init__()
        self.syn = syn
        self.out = out

    def update(self, *args: Any, **kwargs: Any) -> None:
        self.out.bind_cond(self.syn())


def _last(size: Any) -> int | None:
    if size is None:
        return None
    if isinstance(size, (tuple, list)):
        return int(size[-1]) if size else None
    return int(size)


def _check_sizes(owner: str, comm: Any, syn: Any, post: Dynamics) -> None:
    """The connection's outputs, the synapse and the postsynaptic group must have one size
    (checked where the sizes are known: a comm with ``out_size``, a synapse's ``varshape``)."""
    n_post = _last(post.varshape)
    if isinstance(syn, ParamDescriber):  # Expon.desc(n, ...): its size is the first argument
        size = syn.args[0] if syn.args else syn.kwargs.get("in_size")
        n_syn = _last(size) if isinstance(size, (int, tuple, list)) else None
    else:
        n_syn = _last(getattr(syn, "varshape", None))
    n_comm = _last(getattr(comm, "out_size", None))
    for what, n in (("the synapse", n_syn), ("comm's outputs (out_size)", n_comm)):
        if n is not None and n_post is not None and n != n_post:
            raise ValueError(
                f"{owner}: {what} has size {n}, but post ({post._label()}) has {n_post} "
                "neurons; they must match."
            )


class AlignPostProj(Projection):
    """A projection whose synapse has the postsynaptic shape (event-driven friendly).

    ``update(spikes)``: ``modules`` are applied in turn, then ``comm`` maps presynaptic
    events to postsynaptic increments, which are added to the synapse ``syn``; the output
    ``out`` turns the synapse's conductance into a current of ``post``.

    When ``syn`` and ``out`` are descriptions (``Expon.desc(n, tau=...)``,
    ``COBA.desc(E=...)``), projections onto the same ``post`` with identical descriptions
    share one synapse (as brainstate does): e.g. all excitatory projections onto a
    population integrate into a single conductance. Given as instances, they are this
    projection's own.

    Args:
        *modules: callables (or States) applied to the input before ``comm``.
        comm: the connectivity: a callable from presynaptic events to postsynaptic
            increments (``bst.event.FixedProb``, a ``Linear``, ...).
        syn: an align-post synapse or its description.
        out: a synaptic output (``COBA``, ``CUBA``, ``MgBlock``) or its description.
        post: the postsynaptic :class:`Dynamics`.
        label: an optional label of the current input on ``post`` (select it with
            ``post.sum_current_inputs(..., label=...)``); described synapses merge only
            with projections of the same label.
        name: an optional name (default: unique).

    Raises:
        TypeError: a wrong kind of ``comm``, ``syn``, ``out`` or ``post``.
    """

    def __init__(
        self,
        *modules: Any,
        comm: Callable[..., Any],
        syn: Any,
        out: Any,
        post: Dynamics,
        label: str | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name or _unique(type(self)))
        self.modules = _check_modules(modules)
        if not callable(comm):
            raise TypeError(f"comm must be callable (e.g. bst.event.FixedProb), got {comm!r}")
        if not isinstance(post, Dynamics):
            raise TypeError(f"post must be a Dynamics (a neuron group), got {post!r}")
        _check_sizes(self._label(), comm, syn, post)  # before anything is added to post
        if isinstance(syn, ParamDescriber):
            if not isinstance(out, ParamDescriber):
                raise TypeError(
                    "when syn is a description (Syn.desc(...)), out must be one too "
                    f"(e.g. COBA.desc(E=0.)), got {out!r}"
                )
            key = (syn.identifier, out.identifier)
            if label is not None:  # projections merge only with those of the same label
                key = (label, *key)
            if not post._has_before_update(key):
                syn_obj, out_obj = syn(), out()
                if not isinstance(syn_obj, AlignPost):
                    raise TypeError(
                        f"syn must be an align-post synapse (Expon, ...), got {syn_obj!r}"
                    )
                if not isinstance(out_obj, SynOut):
                    raise TypeError(f"out must be a synaptic output (COBA, ...), got {out_obj!r}")
                post.add_current_input(str(self.name), out_obj, label=label)
                post._add_before_update(key, _AlignPost(syn_obj, out_obj))
            merged = post._get_before_update(key)
            syn, out = merged.syn, merged.out
            self.merging = True
        else:
            if not isinstance(syn, AlignPost):
                raise TypeError(f"syn must be an align-post synapse (Expon, ...), got {syn!r}")
            if not isinstance(out, SynOut):
                raise TypeError(f"out must be a synaptic output (COBA, ...), got {out!r}")
            post.add_current_input(str(self.name), out, label=label)
            self.merging = False
        self.comm = comm
        self.syn: Any = syn
        self.out: Any = out
        self.post = post
        self.label = label

    @call_order(2)
    def init_state(self, *args: Any, **kwargs: Any) -> None:
        for m in self.modules:
            _register_prefetch(m)

    def update(self, *args: Any) -> None:
        (x,) = _run_modules(self.modules, args) if self.modules else args
        if callable(getattr(self.comm, "accumulate", None)):
            # computed where the synapse adds it (with its decay, in one kernel call)
            self.syn.add_delta_input(str(self.name), Increment(self.comm, x))
        else:
            self.syn.add_delta_input(str(self.name), self.comm(x))
        if not self.merging:
            self.out.bind_cond(self.syn())


class DeltaProj(Projection):
    """Presynaptic events added directly to the postsynaptic state (delta synapses).

    ``update(spikes)``: ``post.add_delta_input(name, comm(spikes))``, so the increment jumps
    the postsynaptic potential right after its integration step.

    Args:
        *modules: callables (or States) applied to the input before ``comm``.
        comm: the connectivity (callable).
        post: the postsynaptic :class:`Dynamics`.
        label: an optional input label.
        name: an optional name.
    """

    def __init__(
        self,
        *modules: Any,
        comm: Callable[..., Any],
        post: Dynamics,
        label: str | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name or _unique(type(self)))
        self.modules = _check_modules(modules)
        if not callable(comm):
            raise TypeError(f"comm must be callable, got {comm!r}")
        if not isinstance(post, Dynamics):
            raise TypeError(f"post must be a Dynamics, got {post!r}")
        self.comm = comm
        self.post = post
        self.label = label

    @call_order(2)
    def init_state(self, *args: Any, **kwargs: Any) -> None:
        for m in self.modules:
            _register_prefetch(m)

    def update(self, *args: Any) -> None:
        (x,) = _run_modules(self.modules, args) if self.modules else args
        self.post.add_delta_input(str(self.name), self.comm(x), label=self.label)


class CurrentProj(Projection):
    """A projection from a presynaptic variable through ``comm`` to a current.

    ``update(*x)`` applies the ``prefetch`` modules in turn (the last one typically reads a
    presynaptic variable: ``pre.prefetch('g')``, its delayed value
    ``pre.prefetch('g').delay.at(t)``), maps the result with ``comm`` and binds it to
    ``out``, which ``post`` adds to its input current. Without ``prefetch``, the input
    given to ``update`` goes to ``comm`` directly (as in brainstate 0.1).

    Args:
        *prefetch: modules applied to the input before ``comm``; the last one must be a
            ``pre.prefetch(...)`` reference (optionally ``.delay.at(t)``).
        comm: the connectivity (callable).
        out: a synaptic output.
        post: the postsynaptic :class:`Dynamics`.
        name: an optional name.

    Raises:
        TypeError: a wrong kind of ``prefetch``, ``out`` or ``post``.
    """

    def __init__(
        self,
        *prefetch: Any,
        comm: Callable[..., Any],
        out: SynOut,
        post: Dynamics,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name or _unique(type(self)))
        if prefetch and not isinstance(prefetch[-1], (Prefetch, PrefetchDelayAt)):
            raise TypeError(
                "the last prefetch module must be pre.prefetch(...) (optionally "
                f".delay.at(t)), got {prefetch[-1]!r}"
            )
        if not callable(comm):
            raise TypeError(f"comm must be callable, got {comm!r}")
        if not isinstance(out, SynOut):
            raise TypeError(f"out must be a synaptic output, got {out!r}")
        if not isinstance(post, Dynamics):
            raise TypeError(f"post must be a Dynamics, got {post!r}")
        self.prefetch = _check_modules(prefetch)
        self.comm = comm
        self.out = out
        self.post = post
        post.add_current_input(str(self.name), out)

    @call_order(2)
    def init_state(self, *args: Any, **kwargs: Any) -> None:
        for m in self.prefetch:
            _register_prefetch(m)

    def update(self, *args: Any) -> None:
        for m in self.prefetch:
            args = (m.value if isinstance(m, State) else m(*args),)
        self.out.bind_cond(self.comm(*args))
