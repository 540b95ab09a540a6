"""The grad family over States: grad, value_and_grad, vector_grad, jacrev, jacfwd, hessian.

All of them are :class:`GradientTransform` with a different JAX transform inside.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from brainstate_compile.extend import KnownStates
from brainstate_core import State

from .differentiate import differentiate, fun_name
from .errors import GradStateError
from .grad_states import GradTargets

__all__ = [
    "GradientTransform",
    "grad",
    "hessian",
    "jacfwd",
    "jacobian",
    "jacrev",
    "value_and_grad",
    "vector_grad",
]

GradStates = State | Sequence[Any] | dict[Any, Any] | Any


_RETURNS_DOC = """
    What the transformed function returns (``grads`` below):

    - ``grad_states`` only: gradients in the same container shape as ``grad_states`` (one
      State gives an array, a list a list, a dict or ``FlattedDict`` the same keys).
    - ``argnums`` only (the default is ``argnums=0`` when ``grad_states`` is None): the
      argument gradients (one for an int, a tuple for a sequence), as JAX.
    - both: ``(state_grads, arg_grads)``.

    Then ``return_value=True`` appends the function's value and ``has_aux=True`` its aux:
    ``grads``, ``(grads, value)``, ``(grads, aux)`` or ``(grads, value, aux)``.
"""


def _vector_grad_transform(
    f: Callable[..., Any], argnums: tuple[int, ...], has_aux: bool = True
) -> Callable[..., Any]:
    # A vector-Jacobian product with a cotangent of ones: the gradient of sum(f).
    def g(*primals: Any) -> Any:
        def at(*diff: Any) -> Any:
            full = list(primals)
            for i, v in zip(argnums, diff):
                full[i] = v
            return f(*full)

        y, vjp_fun, aux = jax.vjp(at, *(primals[i] for i in argnums), has_aux=True)
        return vjp_fun(jax.tree.map(jnp.ones_like, y)), aux

    return g


def _unit_aware(name: str) -> Callable[..., Any]:
    try:
        import brainunit  # pyright: ignore[reportMissingImports]
    except ImportError:
        raise ImportError(
            f"unit_aware=True needs brainunit: `pip install brainunit` (asked by {name})"
        ) from None
    return getattr(brainunit.autograd, name)


class GradientTransform:
    """A JAX differentiation transform applied to a function over States.

    The engine behind :func:`grad`, :func:`vector_grad`, :func:`jacrev`, :func:`jacfwd` and
    :func:`hessian`. Calling it traces ``target`` with the values of ``grad_states`` (and the
    arguments at ``argnums``) as differentiable inputs, applies ``transform``, writes back
    every State the function wrote, and returns the gradients in the shape of
    ``grad_states``. States the function only reads get no gradient.

    Args:
        target: the function to differentiate.
        transform: a JAX-style transform called as
            ``transform(f, argnums=tuple, has_aux=True, **transform_params)`` (e.g.
            ``jax.grad``, ``jax.jacrev``).
        grad_states: a State or a pytree of States (list, dict, ``FlattedDict``, ...).
        argnums: positional arguments to differentiate (default: none when
            ``grad_states`` is given, else 0).
        return_value: also return the function's value.
        has_aux: the function returns ``(output, aux)``.
        transform_params: extra keyword arguments for ``transform``.
        check_states: a State of ``grad_states`` that the function never reads gets a zero
            gradient and, by default (``None``), an :class:`UnusedGradStateWarning`;
            ``True`` makes it a :class:`GradStateError` (brainstate 0.1's default),
            ``False`` silences it.

    Raises:
        GradStateError: a non-State in ``grad_states``, a State listed twice, an
            ``argnums`` out of range, or (with ``check_states=True``) a State the function
            never reads (at call time).

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> import brainstate_augment as ba, brainstate_core as bsc
        >>> w = bsc.ParamState(jnp.array([1.0, 2.0]))
        >>> g = ba.GradientTransform(lambda x: jnp.sum(w.value * x), jax.grad, grad_states=w)
        >>> g(jnp.array([3.0, 4.0])).tolist()
        [3.0, 4.0]
    """

    def __init__(
        self,
        target: Callable[..., Any],
        transform: Callable[..., Any],
        grad_states: GradStates | None = None,
        argnums: int | Sequence[int] | None = None,
        return_value: bool = False,
        has_aux: bool = False,
        transform_params: dict[str, Any] | None = None,
        check_states: bool | None = None,
    ) -> None:
        if not callable(target):
            raise TypeError(f"the function to differentiate must be callable, got {target!r}")
        self.target = target
        self.transform = transform
        self.targets = GradTargets(grad_states, argnums)
        self.return_value = return_value
        self.has_aux = has_aux
        self.check_states = check_states
        self.transform_params = dict(transform_params or {})
        second_order = self.transform_params.pop("_second_order", False)
        self._second_order = bool(second_order) or transform is jax.hessian
        # A Jacobian's result has the structure of the output, each leaf one derivative
        # per differentiated slot (a gradient's output is one leaf).
        per_output = self.transform_params.pop("_per_output", False)
        self._per_output = bool(per_output) or transform in (jax.jacrev, jax.jacfwd)
        self._known = KnownStates()
        self._where = f"{getattr(transform, '__name__', 'transform')} of {fun_name(target)}"
        functools.update_wrapper(self, target, updated=())

    @property
    def grad_states(self) -> list[State]:
        """The States whose gradients are taken, in the order of ``grad_states``."""
        return list(self.targets.states)

    def _apply(self, pure: Callable[..., Any], primals: tuple[Any, ...]) -> Any:
        diff = (
            tuple(range(len(primals))) if self.targets.has_states else tuple(range(1, len(primals)))
        )
        if not diff:
            raise ValueError(
                f"{self._where}: nothing to differentiate — give grad_states or argnums"
            )
        transformed = self.transform(pure, argnums=diff, has_aux=True, **self.transform_params)
        return transformed(*primals)

    def _arrange(self, result: Any, value: Any) -> Any:
        if self._per_output:
            out_tree = jax.tree.structure(value)
            if not jax.tree_util.treedef_is_leaf(out_tree):
                per_leaf = out_tree.flatten_up_to(result)
                return out_tree.unflatten([self._arrange_slots(r) for r in per_leaf])
        return self._arrange_slots(result)

    def _arrange_slots(self, result: Any) -> Any:
        """The derivatives of one output (``result[i]``: slot ``i``) as ``grad_states`` and
        ``argnums`` ask."""
        t = self.targets
        if not self._second_order:
            if t.has_states:
                return t.combine(result[0], result[1:])
            return t.combine(None, result)
        # hessian: result[i] is the gradient for slot i (slot 0: the list of State values),
        # each of its leaves a tuple over slots j holding the derivative in slot j's shape
        if not t.has_states:
            if t.single_arg:
                return result[0][0]
            return tuple(tuple(row) for row in result)
        box, n = t.state_container, len(t.argnums)
        h_ss = box([box(row_k[0]) for row_k in result[0]])
        if not n:
            return h_ss
        h_sa = t.arg_part([box([row_k[1 + j] for row_k in result[0]]) for j in range(n)])
        h_as = t.arg_part([box(result[1 + i][0]) for i in range(n)])
        h_aa = t.arg_part([t.arg_part([result[1 + i][1 + j] for j in range(n)]) for i in range(n)])
        return (h_ss, h_sa), (h_as, h_aa)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        try:
            outcome = differentiate(
                self.target,
                self.targets,
                args,
                kwargs,
                self._apply,
                has_aux=self.has_aux,
                known=self._known,
                where=self._where,
                check_states=self.check_states,
            )
        except TypeError as e:
            named = self._non_float_inputs(e, args)
            if named is None:
                raise
            raise TypeError(named) from e
        grads = self._arrange(outcome.result, outcome.value)
        if self.return_value and self.has_aux:
            return grads, outcome.value, outcome.aux
        if self.return_value:
            return grads, outcome.value
        if self.has_aux:
            return grads, outcome.aux
        return grads

    def _non_float_inputs(self, err: TypeError, args: tuple) -> str | None:
        """JAX refused integer or boolean inputs: the message naming which State or argument."""
        if "requires real" not in str(err):
            return None
        named = [(s.describe(), s.value) for s in self.targets.states]
        try:
            positions = self.targets.resolve_argnums(len(args))
        except GradStateError:
            positions = ()
        named += [(f"argument {i}", args[i]) for i in positions]
        bad = [
            f"{name} ({np.dtype(leaf.dtype).name})"
            for name, value in named
            for leaf in jax.tree.leaves(value)
            if hasattr(leaf, "dtype") and not jnp.issubdtype(leaf.dtype, jnp.inexact)
        ]
        if not bad:
            return None
        return (
            f"{self._where}: only floating-point (or complex) values can be differentiated, "
            f"but {', '.join(dict.fromkeys(bad))} is not. Leave it out of grad_states/argnums "
            f"(cast it to a float first if it should be differentiated). ({err})"
        )

    def __repr__(self) -> str:
        return f"GradientTransform({self._where}, grad_states={len(self.targets.states)})"


def _decorator_or_transform(
    fun: Callable[..., Any] | None, make: Callable[[Callable[..., Any]], Any]
) -> Any:
    return make if fun is None else make(fun)


def _the_function(
    fun: Callable[..., Any] | None, func: Callable[..., Any] | None, where: str
) -> Callable[..., Any] | None:
    """The function, given as ``fun`` or by brainstate 0.1's keyword ``func``."""
    if func is None:
        return fun
    if fun is not None:
        raise TypeError(
            f"{where}() got the function twice: fun={fun!r} and func={func!r} (func is "
            "brainstate 0.1's name for fun); pass one of them."
        )
    return func


def _gradient_transform(
    fun: Callable[..., Any] | None,
    transform: Callable[..., Any],
    grad_states: Any,
    argnums: int | Sequence[int] | None,
    return_value: bool,
    has_aux: bool,
    params: dict[str, Any] | None,
    check_states: bool | None = None,
) -> Any:
    """``GradientTransform`` of ``fun``, or a decorator making one when ``fun`` is None."""

    def make(f: Callable[..., Any]) -> GradientTransform:
        return GradientTransform(
            f, transform, grad_states, argnums, return_value, has_aux, params, check_states
        )

    return _decorator_or_transform(fun, make)


def grad(
    fun: Callable[..., Any] | None = None,
    grad_states: GradStates | None = None,
    argnums: int | Sequence[int] | None = None,
    has_aux: bool = False,
    return_value: bool = False,
    holomorphic: bool = False,
    allow_int: bool = False,
    unit_aware: bool = False,
    *,
    check_states: bool | None = None,
) -> Any:
    """Gradient of a scalar function with respect to States and/or arguments.

    Usable as ``grad(f, grad_states)`` or as a decorator ``@grad(grad_states=...)``.
    Every State the function writes (a hidden state of a simulation, a counter) is written
    back after the call; the written set is found anew on every trace.
    %(returns)s
    Args:
        fun: a function returning a scalar (or ``(scalar, aux)`` with ``has_aux``).
        grad_states: a State or a pytree of States to differentiate with respect to.
        argnums: positional argument(s) to differentiate with respect to.
        has_aux: ``fun`` returns ``(output, aux)``; aux is returned, not differentiated.
        return_value: also return the function's value.
        holomorphic: as ``jax.grad``.
        allow_int: as ``jax.grad``.
        unit_aware: use brainunit's unit-aware gradient (needs brainunit installed).
        check_states: a State of ``grad_states`` the function never reads: ``None`` (the
            default) warns with :class:`UnusedGradStateWarning`, ``True`` raises
            :class:`GradStateError` (brainstate 0.1's default), ``False`` is silent; its
            gradient is zero.

    Returns:
        The gradient function (or a decorator when ``fun`` is omitted).

    Raises:
        GradStateError: a non-State in ``grad_states``, a State listed twice, or
            ``argnums`` out of range. A State in ``grad_states`` that the function never
            reads gets a zero gradient and an :class:`UnusedGradStateWarning` (see
            ``check_states``).

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_augment as ba, brainstate_core as bsc
        >>> w = bsc.ParamState(jnp.array([1.0, -2.0]))
        >>> loss = lambda x: jnp.sum((w.value * x) ** 2)
        >>> ba.grad(loss, [w])(jnp.array([1.0, 1.0]))[0].tolist()
        [2.0, -4.0]
        >>> grads, value = ba.grad(loss, {"w": w}, return_value=True)(jnp.ones(2))
        >>> grads["w"].tolist(), float(value)
        ([2.0, -4.0], 5.0)
    """
    params = {"holomorphic": holomorphic, "allow_int": allow_int}
    transform = _unit_aware("grad") if unit_aware else jax.grad

    return _gradient_transform(
        fun, transform, grad_states, argnums, return_value, has_aux, params, check_states
    )


def value_and_grad(
    fun: Callable[..., Any] | None = None,
    grad_states: GradStates | None = None,
    argnums: int | Sequence[int] | None = None,
    has_aux: bool = False,
    holomorphic: bool = False,
    allow_int: bool = False,
    unit_aware: bool = False,
    *,
    check_states: bool | None = None,
) -> Any:
    """Value and gradient, in JAX's order: ``(value, grads)`` or ``((value, aux), grads)``.

    Same arguments and ``grads`` shapes as :func:`grad`.

    Args:
        fun: a function returning a scalar (or ``(scalar, aux)`` with ``has_aux``).
        grad_states: a State or a pytree of States to differentiate with respect to.
        argnums: positional argument(s) to differentiate with respect to.
        has_aux: ``fun`` returns ``(output, aux)``.
        holomorphic: as ``jax.value_and_grad``.
        allow_int: as ``jax.value_and_grad``.
        unit_aware: use brainunit's unit-aware gradient (needs brainunit installed).
        check_states: a State of ``grad_states`` the function never reads: ``None`` (the
            default) warns with :class:`UnusedGradStateWarning`, ``True`` raises
            :class:`GradStateError` (brainstate 0.1's default), ``False`` is silent; its
            gradient is zero.

    Returns:
        The function computing value and gradients (or a decorator when ``fun`` is omitted).

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_augment as ba, brainstate_core as bsc
        >>> w = bsc.ParamState(jnp.array(3.0))
        >>> value, g = ba.value_and_grad(lambda: w.value**2, w)()
        >>> float(value), float(g)
        (9.0, 6.0)
    """
    inner = grad(
        None,
        grad_states,
        argnums,
        has_aux,
        True,
        holomorphic,
        allow_int,
        unit_aware,
        check_states=check_states,
    )

    def make(f: Callable[..., Any]) -> Callable[..., Any]:
        g = inner(f)

        @functools.wraps(f)
        def value_and_grad_fun(*args: Any, **kwargs: Any) -> Any:
            if has_aux:
                grads, value, aux = g(*args, **kwargs)
                return (value, aux), grads
            grads, value = g(*args, **kwargs)
            return value, grads

        return value_and_grad_fun

    return _decorator_or_transform(fun, make)


def vector_grad(
    fun: Callable[..., Any] | None = None,
    grad_states: GradStates | None = None,
    argnums: int | Sequence[int] | None = None,
    return_value: bool = False,
    has_aux: bool = False,
    unit_aware: bool = False,
    *,
    func: Callable[..., Any] | None = None,
    check_states: bool | None = None,
) -> Any:
    """Gradient of a vector-valued function, taken with a cotangent of ones.

    For an elementwise function this is the elementwise derivative; in general it is the
    gradient of ``sum(fun(...))``. Same return conventions as :func:`grad`.
    %(returns)s
    Args:
        fun: the function.
        grad_states: a State or a pytree of States to differentiate with respect to.
        argnums: positional argument(s) to differentiate with respect to.
        return_value: also return the function's value.
        has_aux: ``fun`` returns ``(output, aux)``.
        unit_aware: use brainunit's unit-aware vector gradient (needs brainunit installed).
        func: brainstate 0.1's name for ``fun`` (give one of them).
        check_states: a State of ``grad_states`` the function never reads: ``None`` (the
            default) warns with :class:`UnusedGradStateWarning`, ``True`` raises
            :class:`GradStateError` (brainstate 0.1's default), ``False`` is silent; its
            gradient is zero.

    Returns:
        The gradient function (or a decorator when ``fun`` is omitted).

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_augment as ba
        >>> ba.vector_grad(lambda x: x**2)(jnp.array([1.0, 2.0, 3.0])).tolist()
        [2.0, 4.0, 6.0]
    """
    fun = _the_function(fun, func, "vector_grad")
    transform: Callable[..., Any] = _vector_grad_transform
    if unit_aware:
        transform = functools.partial(_unit_aware("vector_grad"), unit_aware=True)
    return _gradient_transform(
        fun, transform, grad_states, argnums, return_value, has_aux, None, check_states
    )


def jacrev(
    fun: Callable[..., Any] | None = None,
    grad_states: GradStates | None = None,
    argnums: int | Sequence[int] | None = None,
    has_aux: bool = False,
    return_value: bool = False,
    holomorphic: bool = False,
    allow_int: bool = False,
    unit_aware: bool = False,
    *,
    check_states: bool | None = None,
) -> Any:
    """Jacobian by reverse mode, with respect to States and/or arguments.

    Same arguments and return conventions as :func:`grad`; each gradient is a Jacobian
    (output shape followed by the input's shape). For a pytree output (a tuple, a dict) the
    result has the output's structure, each leaf holding that output's Jacobians arranged
    as for an array output (as ``jax.jacrev``).
    %(returns)s
    Args:
        fun: the function.
        grad_states: a State or a pytree of States.
        argnums: positional argument(s).
        has_aux: ``fun`` returns ``(output, aux)``.
        return_value: also return the function's value.
        holomorphic: as ``jax.jacrev``.
        allow_int: as ``jax.jacrev``.
        unit_aware: use brainunit's unit-aware Jacobian (needs brainunit installed).
        check_states: a State of ``grad_states`` the function never reads: ``None`` (the
            default) warns with :class:`UnusedGradStateWarning`, ``True`` raises
            :class:`GradStateError` (brainstate 0.1's default), ``False`` is silent; its
            gradient is zero.

    Returns:
        The Jacobian function (or a decorator when ``fun`` is omitted).

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_augment as ba, brainstate_core as bsc
        >>> w = bsc.ParamState(jnp.array([1.0, 2.0]))
        >>> ba.jacrev(lambda x: w.value * x, w)(3.0).tolist()
        [[3.0, 0.0], [0.0, 3.0]]
    """
    params = {"holomorphic": holomorphic, "allow_int": allow_int, "_per_output": True}
    transform = _unit_aware("jacrev") if unit_aware else jax.jacrev

    return _gradient_transform(
        fun, transform, grad_states, argnums, return_value, has_aux, params, check_states
    )


jacobian = jacrev


def jacfwd(
    fun: Callable[..., Any] | None = None,
    grad_states: GradStates | None = None,
    argnums: int | Sequence[int] | None = None,
    has_aux: bool = False,
    return_value: bool = False,
    holomorphic: bool = False,
    unit_aware: bool = False,
    *,
    func: Callable[..., Any] | None = None,
    check_states: bool | None = None,
) -> Any:
    """Jacobian by forward mode, with respect to States and/or arguments.

    Same arguments and return conventions as :func:`jacrev`.
    %(returns)s
    Args:
        fun: the function.
        grad_states: a State or a pytree of States.
        argnums: positional argument(s).
        has_aux: ``fun`` returns ``(output, aux)``.
        return_value: also return the function's value.
        holomorphic: as ``jax.jacfwd``.
        unit_aware: use brainunit's unit-aware Jacobian (needs brainunit installed).
        func: brainstate 0.1's name for ``fun`` (give one of them).
        check_states: a State of ``grad_states`` the function never reads: ``None`` (the
            default) warns with :class:`UnusedGradStateWarning`, ``True`` raises
            :class:`GradStateError` (brainstate 0.1's default), ``False`` is silent; its
            gradient is zero.

    Returns:
        The Jacobian function (or a decorator when ``fun`` is omitted).

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_augment as ba
        >>> ba.jacfwd(lambda x: x**2)(jnp.array([1.0, 2.0])).tolist()
        [[2.0, 0.0], [0.0, 4.0]]
    """
    fun = _the_function(fun, func, "jacfwd")
    params = {"holomorphic": holomorphic, "_per_output": True}
    transform = _unit_aware("jacfwd") if unit_aware else jax.jacfwd

    return _gradient_transform(
        fun, transform, grad_states, argnums, return_value, has_aux, params, check_states
    )


def hessian(
    fun: Callable[..., Any] | None = None,
    grad_states: GradStates | None = None,
    argnums: int | Sequence[int] | None = None,
    return_value: bool = False,
    holomorphic: bool = False,
    has_aux: bool = False,
    unit_aware: bool = False,
    *,
    func: Callable[..., Any] | None = None,
    check_states: bool | None = None,
) -> Any:
    """Hessian of a scalar function with respect to States and/or arguments.

    With ``grad_states`` only, ``H[a][b]`` (keys of ``grad_states``) is the block of second
    derivatives with respect to States ``a`` and ``b``. With ``argnums`` only, as
    ``jax.hessian``. With both: ``((H_states, H_states_args), (H_args_states, H_args))``.
    ``return_value``/``has_aux`` append as in :func:`grad`.

    Args:
        fun: a scalar function.
        grad_states: a State or a pytree of States.
        argnums: positional argument(s).
        return_value: also return the function's value.
        holomorphic: as ``jax.hessian``.
        has_aux: ``fun`` returns ``(output, aux)``.
        unit_aware: use brainunit's unit-aware Hessian (needs brainunit installed).
        func: brainstate 0.1's name for ``fun`` (give one of them).
        check_states: a State of ``grad_states`` the function never reads: ``None`` (the
            default) warns with :class:`UnusedGradStateWarning`, ``True`` raises
            :class:`GradStateError` (brainstate 0.1's default), ``False`` is silent; its
            gradient is zero.

    Returns:
        The Hessian function (or a decorator when ``fun`` is omitted).

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_augment as ba, brainstate_core as bsc
        >>> w = bsc.ParamState(jnp.array([1.0, 2.0]))
        >>> ba.hessian(lambda: jnp.sum(w.value**3), w)().tolist()
        [[6.0, 0.0], [0.0, 12.0]]
    """
    fun = _the_function(fun, func, "hessian")
    params = {"holomorphic": holomorphic, "_second_order": True}
    transform = _unit_aware("hessian") if unit_aware else jax.hessian

    return _gradient_transform(
        fun, transform, grad_states, argnums, return_value, has_aux, params, check_states
    )


for _f in (grad, vector_grad, jacrev, jacfwd):
    if _f.__doc__:
        _f.__doc__ = _f.__doc__.replace("%(returns)s", _RETURNS_DOC)
