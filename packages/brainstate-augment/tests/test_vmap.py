"""vmap over States: declared axes, shared States, batched-write errors, RNG lanes, StateAxes,
nesting with jit/for_loop/vmap/grad, and bad input."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, strategies as st

import brainstate_augment as ba
import brainstate_compile as bc
import brainstate_core as bsc
import brainstate_graph as graph


@given(n=st.integers(1, 5), d=st.integers(1, 4), axis=st.sampled_from([0, 1]))
def test_declared_in_out_states_match_pure_vmap(n, d, axis):
    rng = np.random.default_rng(n * 10 + d)
    h0 = jnp.asarray(rng.normal(size=(n, d) if axis == 0 else (d, n)), jnp.float32)
    w0 = jnp.asarray(rng.normal(size=(d,)), jnp.float32)
    xs = jnp.asarray(rng.normal(size=(n,)), jnp.float32)
    h, w = bsc.State(h0), bsc.State(w0)

    def f(x):
        h.value = h.value * w.value + x
        return (h.value**2).sum()

    out = ba.vmap(f, in_states={axis: h}, out_states={axis: h})(xs)

    def ref(hv, x):
        new = hv * w0 + x
        return (new**2).sum(), new

    ref_out, ref_h = jax.vmap(ref, in_axes=(axis, 0), out_axes=(0, axis))(h0, xs)
    np.testing.assert_allclose(out, ref_out, rtol=1e-6)
    np.testing.assert_allclose(h.value, ref_h, rtol=1e-6)
    np.testing.assert_array_equal(w.value, w0)  # only read: unchanged, unbatched


def test_in_states_only_written_back_on_its_axis(assert_concrete):
    h = bsc.State(jnp.zeros((3, 2)))
    ba.vmap(lambda x: h.__setattr__("value", h.value + x), in_states={1: h})(jnp.arange(2.0))
    np.testing.assert_array_equal(h.value, jnp.tile(jnp.arange(2.0), (3, 1)))
    assert_concrete(h)


def test_out_states_only_broadcast_unbatched_write():
    s = bsc.State(jnp.zeros(2))
    c = bsc.State(jnp.ones(()))

    def f(x):
        s.value = s.value + 1.0  # the same in every lane, but declared batched
        c.value = c.value * 2.0  # undeclared, unbatched
        return x

    ba.vmap(f, out_states={0: s})(jnp.arange(4.0))
    assert s.value.shape == (4, 2) and np.all(s.value == 1.0)
    assert float(c.value) == 2.0


def test_declared_state_forms_flatted_dict_list_node():
    class Net(graph.Node):
        def __init__(self):
            self.a = bsc.HiddenState(jnp.zeros(3))
            self.b = bsc.HiddenState(jnp.zeros(3))

    for form in (
        lambda n: graph.states(n),
        lambda n: [n.a, n.b],
        lambda n: n,
        lambda n: {0: graph.states(n).to_nest()},
    ):
        net = Net()

        def f(x, net=net):
            net.a.value = net.a.value + x
            net.b.value = net.b.value - x

        ba.vmap(f, out_states=form(net))(jnp.arange(3.0))
        np.testing.assert_array_equal(net.a.value, jnp.tile(jnp.arange(3.0)[:, None], (1, 3)))
        np.testing.assert_array_equal(net.b.value, -net.a.value)


def test_reading_unbatched_states_and_python_scalar_state():
    w = bsc.State(jnp.arange(3.0))
    k = bsc.State(2.0)
    out = ba.vmap(lambda x: (w.value * x * k.value).sum())(jnp.arange(4.0))
    ref = jax.vmap(lambda x: (jnp.arange(3.0) * x * 2).sum())(jnp.arange(4.0))
    np.testing.assert_allclose(out, ref)


def test_undeclared_batched_write_raises_and_leaves_states(assert_concrete):
    acc = bsc.State(jnp.zeros(()), name="acc")
    other = bsc.State(jnp.ones(2), name="other")

    def f(x):
        other.value = other.value + 1.0
        acc.value = acc.value + x
        return x

    with pytest.raises(ba.BatchAxisError) as info:
        ba.vmap(f)(jnp.arange(3.0))
    msg = str(info.value)
    assert "State 'acc'" in msg and "out_states=" in msg and "1." in msg and "2." in msg
    assert float(acc.value) == 0.0
    np.testing.assert_array_equal(other.value, jnp.ones(2))
    assert_concrete(acc, other)


def test_unbatched_write_into_undeclared_state_is_written_back():
    count = bsc.State(jnp.zeros(()))
    mean = bsc.State(jnp.zeros(()))

    def f(x):
        count.value = count.value + 1.0
        mean.value = jax.lax.pmean(x, "i")
        return x * 2

    out = ba.vmap(f, axis_name="i")(jnp.arange(4.0))
    np.testing.assert_array_equal(out, jnp.arange(4.0) * 2)
    assert float(count.value) == 1.0 and float(mean.value) == 1.5


def test_random_lanes_differ_and_key_advances(assert_concrete):
    bsc.random.seed(0)
    before = np.asarray(bsc.random.get_key())
    xs = ba.vmap(lambda _: bsc.random.normal(size=2), axis_size=5)(jnp.zeros(5))
    after = np.asarray(bsc.random.get_key())
    assert xs.shape == (5, 2)
    assert len({tuple(np.asarray(r).tolist()) for r in xs}) == 5
    assert after.shape == (2,) and not np.array_equal(before, after)
    assert_concrete(bsc.random.DEFAULT)
    # reproducible: same seed, same lanes
    bsc.random.seed(0)
    np.testing.assert_array_equal(
        ba.vmap(lambda _: bsc.random.normal(size=2), axis_size=5)(jnp.zeros(5)), xs
    )
    # and the next call draws new numbers
    ys = ba.vmap(lambda _: bsc.random.normal(size=2), axis_size=5)(jnp.zeros(5))
    assert not np.allclose(xs, ys)


def test_own_random_state_gets_lanes_declared_one_keeps_semantics():
    rng = bsc.random.RandomState(1)
    xs = ba.vmap(lambda _: rng.random(), axis_size=4)(jnp.zeros(4))
    assert len(set(np.asarray(xs).tolist())) == 4
    # declared with batched keys: each lane uses its own given key
    keys = bsc.random.RandomState(2).split_key(3)
    rng.value = keys
    out = ba.vmap(lambda: rng.random(), in_states=rng, out_states=rng, axis_size=3)()
    assert rng.value.shape == (3, 2)
    ref = [bsc.random.RandomState(k).random() for k in keys]
    np.testing.assert_allclose(out, ref)


def test_state_axes_over_node():
    class Cell(graph.Node):
        def __init__(self):
            self.w = bsc.ParamState(jnp.arange(2.0))
            self.h = bsc.HiddenState(jnp.zeros((3, 2)))

    cell = Cell()

    def step(c, x):
        c.h.value = c.h.value + c.w.value * x
        return c.h.value.sum()

    axes = ba.StateAxes({bsc.ParamState: None, bsc.HiddenState: 0})
    out = ba.vmap(step, in_axes=(axes, 0))(cell, jnp.arange(3.0))
    ref = jax.vmap(lambda h, x: (h + jnp.arange(2.0) * x).sum())(jnp.zeros((3, 2)), jnp.arange(3.0))
    np.testing.assert_allclose(out, ref)
    np.testing.assert_allclose(cell.h.value, jnp.outer(jnp.arange(3.0), jnp.arange(2.0)))
    np.testing.assert_array_equal(cell.w.value, jnp.arange(2.0))

    # OfType filter and a Node with a plain int axis
    cell2 = Cell()
    cell2.w.value = jnp.ones((3, 2))
    ba.vmap(step, in_axes=(0, 0))(cell2, jnp.arange(3.0))
    np.testing.assert_allclose(cell2.h.value, jnp.outer(jnp.arange(3.0), jnp.ones(2)))
    axes2 = ba.StateAxes([(graph.OfType(bsc.HiddenState), 0), (..., None)])
    ba.vmap(step, in_axes=(axes2, 0))(cell, jnp.ones(3))
    assert cell.h.value.shape == (3, 2)


def test_state_axes_shared_param_batched_write_raises():
    class Cell(graph.Node):
        def __init__(self):
            self.w = bsc.ParamState(jnp.zeros(2), name="w")

    cell = Cell()

    def f(c, x):
        c.w.value = c.w.value + x

    with pytest.raises(ba.BatchAxisError, match="ParamState 'w'"):
        ba.vmap(f, in_axes=(ba.StateAxes({bsc.ParamState: None}), 0))(cell, jnp.arange(3.0))
    np.testing.assert_array_equal(cell.w.value, jnp.zeros(2))


def test_decorator_forms():
    s = bsc.State(jnp.zeros(3))

    @ba.vmap
    def double(x):
        return x * 2

    @ba.vmap(in_axes=(0, None), out_states=s)
    def g(x, y):
        s.value = s.value + x * y
        return x

    np.testing.assert_array_equal(double(jnp.arange(3.0)), jnp.arange(3.0) * 2)
    g(jnp.arange(3.0), 2.0)
    np.testing.assert_array_equal(s.value, jnp.tile(jnp.arange(3.0)[:, None] * 2, (1, 3)))


def test_vmap_inside_jit_and_for_loop_inside_vmap():
    h = bsc.State(jnp.zeros(4))
    f = ba.vmap(lambda x: h.__setattr__("value", h.value + x), in_states=h, out_states=h)

    @bc.jit
    def step(x):
        f(x)
        return h.value.sum()

    assert float(step(jnp.ones(4))) == 4.0 and float(step(jnp.ones(4))) == 8.0
    np.testing.assert_array_equal(h.value, jnp.full(4, 2.0))

    c = bsc.State(jnp.zeros(3))

    def body(x):
        def inner(i):
            c.value = c.value + x * i

        bc.for_loop(inner, jnp.arange(4.0))
        return c.value

    out = ba.vmap(body, in_states=c, out_states=c)(jnp.arange(3.0))
    np.testing.assert_array_equal(out, jnp.arange(3.0) * 6)
    np.testing.assert_array_equal(c.value, jnp.arange(3.0) * 6)


def test_vmap_inside_vmap_and_disable_jit():
    m = bsc.State(jnp.zeros((2, 3)))
    inner = ba.vmap(lambda x: m.__setattr__("value", m.value + x), in_states=m, out_states=m)
    outer = ba.vmap(lambda x: inner(x), in_axes=1, in_states={1: m}, out_states={1: m})
    xs = jnp.arange(6.0).reshape(2, 3)
    outer(xs)
    np.testing.assert_array_equal(m.value, xs)
    with jax.disable_jit():
        outer(xs)
    np.testing.assert_array_equal(m.value, 2 * xs)


def test_grad_of_vmap():
    w = bsc.ParamState(jnp.array([1.0, 2.0]))

    def loss(xs):
        return ba.vmap(lambda x: (w.value * x).sum())(xs).sum()

    xs = jnp.arange(6.0).reshape(3, 2)
    grads = ba.grad(loss, grad_states=w)(xs)
    g = grads[0] if isinstance(grads, (tuple, list)) else grads
    g = jax.tree.leaves(g)[0]
    np.testing.assert_allclose(g, xs.sum(0))


def test_conflicting_axes_and_bad_declarations():
    s = bsc.State(jnp.zeros((2, 2)), name="s")
    with pytest.raises(ba.BatchAxisError, match=r"State 's'.*two batch axes"):
        ba.vmap(lambda x: x, in_states={0: s}, out_states={1: s})
    with pytest.raises(ba.BatchAxisError, match=r"in_states.*ndarray"):
        ba.vmap(lambda x: x, in_states=[s, np.zeros(2)])
    with pytest.raises(ba.BatchAxisError, match=r"out_states.*str"):
        ba.vmap(lambda x: x, out_states={0: ["oops"]})
    for bad in (0, -2):
        with pytest.raises(ba.BatchAxisError, match="axis_size"):
            ba.vmap(lambda x: x, axis_size=bad)
    with pytest.raises(ba.BatchAxisError, match="StateAxes applies to graph Nodes"):
        ba.vmap(lambda x: x, in_axes=ba.StateAxes({bsc.State: 0}))(jnp.zeros(2))
    with pytest.raises(ValueError, match="in_axes has 2 entries but 1"):
        ba.vmap(lambda x: x, in_axes=(0, 0))(jnp.zeros(2))


def test_returning_a_state_is_an_error():
    s = bsc.State(jnp.zeros(2))
    with pytest.raises(bsc.StateTraceError, match="returned"):
        ba.vmap(lambda x: s)(jnp.zeros(2))


class _Layer(graph.Node):
    def __init__(self, d):
        self.w = bsc.ParamState(bsc.random.normal(size=(d, d)))
        self.h = bsc.HiddenState(jnp.zeros(d))


def test_a_node_built_inside_comes_out_with_the_lane_axis(assert_concrete):
    # brainstate 0.1 style: one Node per key, stacked on axis 0 (flax's "scan over layers")
    keys = bsc.random.split_key(4)

    def build(key):
        bsc.random.set_key(key)
        return _Layer(3), jnp.float32(2.0)

    layer, two = ba.restore_rngs(ba.vmap(build))(keys)
    assert isinstance(layer, _Layer)
    assert layer.w.value.shape == (4, 3, 3) and layer.h.value.shape == (4, 3)
    assert two.shape == (4,)
    assert_concrete(layer.w, layer.h)
    for i in range(4):  # lane i is the Node built alone from key i
        bsc.random.set_key(keys[i])
        np.testing.assert_allclose(layer.w.value[i], _Layer(3).w.value, rtol=1e-6)
    # the stacked Node runs under vmap like any batched Node
    out = ba.vmap(lambda n, x: x @ n.w.value)(layer, jnp.ones((4, 3)))
    np.testing.assert_allclose(out, layer.w.value.sum(axis=1), rtol=1e-6)


@pytest.mark.parametrize("compiled", [False, True])
def test_states_local_to_a_loop_inside_vmap_stay_local(compiled):
    kept = []

    def total(x):
        def body(i):
            local = bsc.State(jnp.zeros(()))  # made and dropped inside the loop body
            kept.append(local)
            local.value = local.value + x * i
            return local.value

        return bc.for_loop(body, jnp.arange(3)).sum()

    mapped = ba.vmap(total)
    out = (jax.jit(mapped) if compiled else mapped)(jnp.arange(4.0))
    np.testing.assert_allclose(out, np.arange(4.0) * 3.0)  # x * (0 + 1 + 2)
    assert kept


def test_vmap_with_random_inside_for_loop():
    bsc.random.seed(1)
    v = bsc.State(jnp.zeros(3))
    lanes = ba.vmap(lambda: v.value.sum() + bsc.random.rand(), axis_size=3)

    def step(i):
        v.value = v.value + lanes().mean()
        return lanes()

    ys = bc.for_loop(step, jnp.arange(4))
    assert ys.shape == (4, 3)
    flat = np.asarray(ys).ravel().tolist()
    assert len(set(flat)) == len(flat)  # lanes and steps all draw different numbers
    assert float(v.value[0]) > 0.0


def test_lane_counts_that_disagree_name_the_arguments_and_states():
    h = bsc.HiddenState(jnp.zeros((3, 2)), name="h")

    def step(x):
        h.value = h.value + x
        return h.value.sum()

    with pytest.raises(
        ba.BatchAxisError, match=r"argument 0 has 4 along axis 0; HiddenState 'h'.* has 3"
    ):
        ba.vmap(step, in_states=h, out_states=h)(jnp.ones((4, 2)))
    assert h.value.shape == (3, 2)
    scalar = bsc.HiddenState(jnp.zeros(()), name="scalar")
    with pytest.raises(ba.BatchAxisError, match=r"HiddenState 'scalar'.*shape \(\), which has no"):
        ba.vmap(lambda x: scalar.value + x, in_states=scalar)(jnp.ones(4))
    with pytest.raises(ba.BatchAxisError, match=r"argument 0 has 4.*argument 1 has 3"):
        ba.vmap(lambda x, y: x + y)(jnp.ones((4, 2)), jnp.ones((3, 2)))
    with pytest.raises(ValueError, match="from the function"):  # the function's own errors pass
        ba.vmap(lambda x: (_ for _ in ()).throw(ValueError("from the function")))(jnp.ones(3))


def test_an_output_marked_unbatched_that_differs_across_lanes_is_explained():
    with pytest.raises(ba.BatchAxisError, match=r"out_axes=None.*differs from lane to lane"):
        ba.vmap(lambda x: x * 2, out_axes=None)(jnp.ones(3))
