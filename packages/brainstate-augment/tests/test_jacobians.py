"""vector_grad, jacrev/jacfwd, hessian, vjp and jvp over States, against pure JAX."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import brainstate_augment as ba
import brainstate_core as bsc


def _close(a, b, tol=1e-5):
    jax.tree.map(lambda u, v: np.testing.assert_allclose(u, v, rtol=tol, atol=tol), a, b)


W0 = jnp.array([[0.5, -1.0], [2.0, 0.3], [-0.7, 1.1]])
X0 = jnp.array([0.2, -0.4, 1.5])


def pure(w, x):
    return jnp.sin(x @ w) * jnp.sum(w)


def stateful():
    w = bsc.ParamState(W0)
    counter = bsc.State(jnp.array(0))

    def f(x):
        counter.value = counter.value + 1
        return pure(w.value, x)

    return w, counter, f


@pytest.mark.parametrize(
    "ours, theirs",
    [(ba.jacrev, jax.jacrev), (ba.jacfwd, jax.jacfwd), (ba.jacobian, jax.jacrev)],
)
def test_jacobians_match_jax(ours, theirs):
    w, counter, f = stateful()
    _close(ours(f, w)(X0), theirs(pure)(W0, X0))
    _close(ours(f, argnums=0)(X0), theirs(pure, argnums=1)(W0, X0))
    (jw, jx), value = ours(f, [w], argnums=0, return_value=True)(X0)
    _close(jw[0], theirs(pure)(W0, X0))
    _close(jx, theirs(pure, argnums=1)(W0, X0))
    _close(value, pure(W0, X0))
    assert int(counter.value) == 3


def pure_tree(w, x):
    y = pure(w, x)
    return {"y": y, "pair": (jnp.sum(w**2), x * 3.0)}


@pytest.mark.parametrize("ours, theirs", [(ba.jacrev, jax.jacrev), (ba.jacfwd, jax.jacfwd)])
def test_jacobians_of_pytree_outputs_have_the_output_structure_as_jax(ours, theirs):
    w = bsc.ParamState(W0)

    def f(x):
        return pure_tree(w.value, x)

    # by State: the output's structure, each leaf the Jacobian w.r.t. the State
    _close(ours(f, w)(X0), theirs(pure_tree)(W0, X0))
    # by argument
    _close(ours(f, argnums=0)(X0), theirs(pure_tree, argnums=1)(W0, X0))
    # both: each output leaf holds (state Jacobians, argument Jacobian)
    both = ours(f, [w], argnums=0)(X0)
    ref = theirs(pure_tree, argnums=(0, 1))(W0, X0)
    assert jax.tree.structure(both, is_leaf=lambda v: isinstance(v, tuple)) == jax.tree.structure(
        ref, is_leaf=lambda v: isinstance(v, tuple)
    )
    flat_both = jax.tree.structure(pure_tree(W0, X0)).flatten_up_to(both)
    flat_ref = jax.tree.structure(pure_tree(W0, X0)).flatten_up_to(ref)
    for (jw, jx), (rw, rx) in zip(flat_both, flat_ref):
        _close(jw[0], rw)
        _close(jx, rx)
    # a one-element tuple output stays a tuple
    single = ours(lambda x: (f(x)["y"],), argnums=0)(X0)
    assert isinstance(single, tuple) and len(single) == 1
    _close(single[0], theirs(pure, argnums=1)(W0, X0))


def test_vector_grad_is_gradient_of_the_sum():
    w, counter, f = stateful()
    _close(ba.vector_grad(f, w)(X0), jax.grad(lambda w, x: jnp.sum(pure(w, x)))(W0, X0))
    g, value, aux = ba.vector_grad(
        lambda x: (f(x), x * 2), w, argnums=0, return_value=True, has_aux=True
    )(X0)
    _close(g[1], jax.grad(lambda x: jnp.sum(pure(W0, x)))(X0))
    _close(value, pure(W0, X0))
    _close(aux, X0 * 2)
    assert int(counter.value) == 2


@settings(max_examples=10, deadline=None)
@given(st.lists(st.floats(-3.0, 3.0), min_size=1, max_size=5))
def test_vector_grad_elementwise(xs):
    x = jnp.asarray(xs)
    _close(ba.vector_grad(lambda v: jnp.sin(v) * v)(x), jnp.cos(x) * x + jnp.sin(x))


def test_hessian_over_states_and_arguments():
    a = bsc.ParamState(jnp.array([1.0, 2.0]))
    b = bsc.ParamState(jnp.array(0.5))

    def f(x):
        return jnp.sum(a.value**3) * b.value + jnp.sum(x**2) * b.value**2

    def ref(av, bv, x):
        return jnp.sum(av**3) * bv + jnp.sum(x**2) * bv**2

    x = jnp.array([1.0, -1.0])
    H = jax.hessian(ref, argnums=(0, 1, 2))(a.value, b.value, x)
    h = ba.hessian(f, {"a": a, "b": b})(x)
    _close(h["a"]["a"], H[0][0])
    _close(h["a"]["b"], H[0][1])
    _close(h["b"]["b"], H[1][1])
    _close(ba.hessian(f, argnums=0)(x), H[2][2])
    (h_ss, h_sa), (h_as, h_aa) = ba.hessian(f, [a], argnums=0)(x)
    _close(h_ss[0][0], H[0][0])
    _close(h_sa[0], H[0][2])
    _close(h_as[0], H[2][0])
    _close(h_aa, H[2][2])


def test_vjp_matches_jax_and_writes_back():
    w, counter, f = stateful()
    y, back = ba.vjp(f, X0, grad_states=w)
    y_ref, back_ref = jax.vjp(pure, W0, X0)
    _close(y, y_ref)
    ct = jnp.array([1.0, -2.0])
    sw, (sx,) = back(ct)
    rw, rx = back_ref(ct)
    _close(sw, rw)
    _close(sx, rx)
    assert int(counter.value) == 1
    y, back, aux = ba.vjp(lambda x: (f(x), 7), X0, has_aux=True)
    assert aux == 7 and len(back(ct)) == 1


def test_jvp_matches_jax():
    w, counter, f = stateful()
    tw, tx = jnp.ones_like(W0) * 0.1, jnp.array([1.0, 0.0, -1.0])
    y, dy = ba.jvp(f, (X0,), (tx,), grad_states=w, state_tangents=tw)
    y_ref, dy_ref = jax.jvp(pure, (W0, X0), (tw, tx))
    _close(y, y_ref)
    _close(dy, dy_ref)
    y, dy = ba.jvp(f, (X0,), (tx,))
    _close(dy, jax.jvp(lambda x: pure(W0, x), (X0,), (tx,))[1])
    assert int(counter.value) == 2


def test_jvp_bad_input():
    w, _, f = stateful()
    with pytest.raises(ba.GradStateError, match="primals has 1 entries but tangents has 2"):
        ba.jvp(f, (X0,), (X0, X0))
    with pytest.raises(ba.GradStateError, match="without state_tangents"):
        ba.jvp(f, (X0,), (X0,), grad_states=w)
    with pytest.raises(ba.GradStateError, match="structure of grad_states"):
        ba.jvp(f, (X0,), (X0,), grad_states=[w], state_tangents=[W0, W0])


def test_repeated_vjp_of_one_function_traces_it_once():
    w = bsc.ParamState(jnp.array(2.0))
    traces = []

    def f(x):
        traces.append(1)
        return w.value * x

    ba.vjp(f, 1.0, grad_states=w)
    first = len(traces)  # discovering the States traces more than once
    ba.vjp(f, 3.0, grad_states=w)
    assert len(traces) == first + 1
