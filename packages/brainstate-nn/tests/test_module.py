"""The Module system: sizes, names, repr, states/nodes, Sequential inference and errors,
init/reset_all_states order with call_order, assign_state_values."""

from typing import ClassVar

import brainunit as u
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import brainstate_core as bsc
import brainstate_graph as bg
import brainstate_nn as nn


class Scale(nn.Module):
    def __init__(self, n, name=None):
        super().__init__(name=name)
        self.in_size = self.out_size = n
        self.k = bsc.ParamState(jnp.full(n, 2.0))
        self.h = None

    def update(self, x):
        return x * self.k.value

    def init_state(self, batch_size=None):
        shape = self.out_size if batch_size is None else (batch_size, *self.out_size)
        self.h = bsc.HiddenState(jnp.zeros(shape))

    def reset_state(self, batch_size=None):
        self.h.value = jnp.zeros_like(self.h.value)


# -- sizes, names ----------------------------------------------------------------------------
def test_sizes_are_tuples():
    m = Scale(3)
    assert m.in_size == (3,) and m.out_size == (3,)
    m.in_size = [2, 3]
    assert m.in_size == (2, 3)
    m.out_size = None
    assert m.out_size is None
    with pytest.raises(nn.ShapeError, match=r"Scale\.in_size"):
        m.in_size = "abc"
    with pytest.raises(nn.ShapeError, match="negative"):
        m.out_size = (-1,)


def test_name_is_read_only_and_checked():
    m = Scale(2, name="s")
    assert m.name == "s"
    with pytest.raises(AttributeError, match="read-only"):
        m.name = "t"
    with pytest.raises(TypeError, match="name must be a str"):
        Scale(2, name=3)
    assert nn.Module().name is None


def test_update_and_call():
    assert Scale(2)(jnp.ones(2)).tolist() == [2.0, 2.0]
    assert (jnp.ones(2) >> Scale(2)).tolist() == [2.0, 2.0]
    with pytest.raises(NotImplementedError, match="must implement update"):
        nn.Module()(1)


def test_repr_shows_sizes_and_name():
    text = repr(Scale(2, name="s"))
    assert text.startswith(
        "Scale(\n  name='s',\n  in_size=(2,),\n  out_size=(2,),\n  k=ParamState("
    )
    assert "in_size" not in repr(nn.ReLU())


def test_states_and_nodes():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = Scale(2)
            self.layers = [nn.Linear(2, 2), nn.Linear(2, 1)]

    net = Net()
    keys = list(net.states().keys())
    assert keys == [("a", "k"), ("layers", 0, "weight"), ("layers", 1, "weight")]
    assert net.states() == bg.states(net)
    params, others = net.states(bsc.ParamState, ...)
    assert len(params) == 3 and len(others) == 0
    assert set(net.nodes().keys()) == {(), ("a",), ("layers", 0), ("layers", 1)}
    assert len(net.states(allowed_hierarchy=(0, 0))) == 0  # the Net itself holds no State
    assert len(net.states(allowed_hierarchy=(1, 1))) == 3


# -- desc / Sequential -----------------------------------------------------------------------
def test_desc_builds_later():
    d = nn.Linear.desc(out_size=3, name="fc")
    layer = d(in_size=4)
    assert isinstance(layer, nn.Linear) and layer.in_size == (4,) and layer.name == "fc"


def test_sequential_infers_sizes():
    model = nn.Sequential(
        nn.Linear(4, 8),
        jax.nn.relu,
        nn.ReLU(),
        nn.Linear.desc(out_size=5),
        nn.Linear.desc(out_size=2),
    )
    assert [getattr(layer, "in_size", None) for layer in model] == [(4,), None, None, (8,), (5,)]
    assert (model.in_size, model.out_size) == ((4,), (2,))
    assert model(jnp.ones((3, 4))).shape == (3, 2)
    assert len(model) == 5
    assert isinstance(model[0], nn.Linear)
    assert isinstance(model[3:], nn.Sequential) and model[3:].out_size == (2,)
    assert isinstance(model[[0, 3]], nn.Sequential)
    with pytest.raises(TypeError, match="Sequential indices"):
        model["a"]


def test_sequential_states_are_keyed_by_position():
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear.desc(out_size=1))
    assert list(model.states().keys()) == [("layers", 0, "weight"), ("layers", 2, "weight")]


def test_sequential_size_mismatch():
    with pytest.raises(
        nn.ShapeError, match=r"layer 1 \(Linear\('b'\)\) expects inputs of size \(4,\), but"
    ):
        nn.Sequential(nn.Linear(2, 3), nn.Linear(4, 1, name="b"))


def test_sequential_description_without_known_size():
    with pytest.raises(nn.ShapeError, match="needs the output size"):
        nn.Sequential(nn.ReLU(), nn.Linear.desc(out_size=2))


def test_sequential_bad_layers():
    with pytest.raises(TypeError, match="first layer"):
        nn.Sequential(nn.Linear.desc(out_size=2))
    with pytest.raises(TypeError, match="must be a Module"):
        nn.Sequential(nn.Linear(2, 2), 3)


def test_sequential_wrong_input_names_the_layer():
    model = nn.Sequential(nn.Linear(2, 3, name="first"), nn.ReLU())
    with pytest.raises(nn.ShapeError, match=r"Linear\('first'\).*got shape \(5, 3\)"):
        model(jnp.ones((5, 3)))


# -- init_all_states / reset_all_states / call_order -----------------------------------------
class Recorder(nn.Module):
    log: ClassVar[list] = []

    def __init__(self, tag):
        super().__init__()
        self.tag = tag

    def init_state(self, *args, **kwargs):
        Recorder.log.append(("init", self.tag, args, kwargs))

    def reset_state(self, *args, **kwargs):
        Recorder.log.append(("reset", self.tag, args, kwargs))


class Late(Recorder):
    @nn.call_order(2)
    def init_state(self, *args, **kwargs):
        Recorder.log.append(("init", self.tag, args, kwargs))

    @nn.call_order(1)
    def reset_state(self, *args, **kwargs):
        Recorder.log.append(("reset", self.tag, args, kwargs))


class Later(Recorder):
    @nn.call_order(5)
    def init_state(self, *args, **kwargs):
        Recorder.log.append(("init", self.tag, args, kwargs))


def _net():
    net = nn.Module()
    net.c = Later("c")
    net.b = Late("b")
    net.a = Recorder("a")
    net.d = Recorder("d")
    return net


def test_init_all_states_order_and_arguments():
    Recorder.log = []
    net = _net()
    assert nn.init_all_states(net, batch_size=4) is net
    tags = [t for _, t, _, _ in Recorder.log]
    assert tags == ["a", "d", "b", "c"]  # unmarked in graph order, then by level
    assert all(kw == {"batch_size": 4} for *_, kw in Recorder.log)


def test_reset_all_states_order():
    Recorder.log = []
    nn.reset_all_states(_net(), 7)
    # Later's reset_state is unmarked (inherited): graph (insertion) order, then level 1 (b)
    assert [t for _, t, _, _ in Recorder.log] == ["c", "a", "d", "b"]
    assert all(args == (7,) for _, _, args, _ in Recorder.log)


def test_init_all_states_exclude():
    Recorder.log = []
    nn.init_all_states(_net(), exclude=Late)
    assert [t for _, t, _, _ in Recorder.log] == ["a", "d", "c"]


def _calls():
    return [(kind, tag, args, kw) for kind, tag, args, kw in Recorder.log]


@pytest.mark.parametrize(
    "call",
    [
        lambda net: nn.reset_all_states(net, 3, flag=True, exclude=Later),  # this package
        lambda net: nn.reset_all_states(  # brainstate 0.1's keywords
            net, reset_args=(3,), reset_kwargs={"flag": True}, node_to_exclude=Later
        ),
        lambda net: nn.reset_all_states(net, (3,), {"flag": True}, Later),  # 0.1 positional
        lambda net: nn.reset_all_states(
            net, reset_args=3, reset_kwargs={"flag": True}, exclude=Later
        ),
    ],
)
def test_reset_all_states_takes_brainstate_0_1_s_arguments(call):
    Recorder.log = []
    call(_net())
    assert [(t, a, k) for _, t, a, k in _calls()] == [
        ("a", (3,), {"flag": True}),
        ("d", (3,), {"flag": True}),
        ("b", (3,), {"flag": True}),
    ]


def test_brainstate_0_1_s_arguments_mixed_with_these_are_refused():
    with pytest.raises(TypeError, match="not both"):
        nn.reset_all_states(_net(), 3, reset_kwargs={"flag": True})
    with pytest.raises(TypeError, match="node_to_exclude"):
        nn.init_all_states(_net(), exclude=Late, node_to_exclude=Late)


def test_init_all_states_node_to_exclude_and_call_all_functions():
    Recorder.log = []
    nn.init_all_states(_net(), 5, node_to_exclude=Late)
    assert [(t, a) for _, t, a, _ in _calls()] == [("a", (5,)), ("d", (5,)), ("c", (5,))]
    Recorder.log = []
    net = nn.call_all_functions(_net(), "reset_state", (1, 2), {"k": 0}, node_to_exclude=Late)
    assert isinstance(net, nn.Module)
    assert [(t, a, k) for _, t, a, k in _calls()] == [
        ("c", (1, 2), {"k": 0}),
        ("a", (1, 2), {"k": 0}),
        ("d", (1, 2), {"k": 0}),
    ]
    with pytest.raises(AttributeError, match="no method 'missing'"):
        nn.call_all_functions(_net(), "missing")
    assert nn.call_all_functions(_net(), "missing", fun_if_not_exist="pass") is not None
    with pytest.raises(ValueError, match="fun_if_not_exist"):
        nn.call_all_functions(_net(), "missing", fun_if_not_exist="skip")


def test_vmap_init_all_states_batches_every_new_state():
    lif = nn.LIF(3, V_initializer=nn.init.Normal(-60.0, 5.0, unit=u.mV))
    assert nn.vmap_init_all_states(lif, axis_size=4, state_tag="ens") is lif
    assert lif.V.value.shape == (4, 3) and lif.V.tag == "ens"
    v = np.asarray(lif.V.value.to_decimal(u.mV))
    assert not np.allclose(v[0], v[1])  # each lane drew its own initial potentials


def test_call_order_bounds():
    with pytest.raises(ValueError, match="call_order level"):
        nn.call_order(10)
    with pytest.raises(ValueError):
        nn.call_order(-1)
    assert nn.call_order(50, check_order_boundary=False)(lambda: None).call_order == 50


def test_init_all_states_creates_batched_hidden_states():
    net = nn.Sequential(Scale(3), Scale(3))
    nn.init_all_states(net, batch_size=2)
    assert net.layers[0].h.value.shape == (2, 3)
    net.layers[0].h.value = jnp.ones((2, 3))
    nn.reset_all_states(net, batch_size=2)
    assert float(net.layers[0].h.value.sum()) == 0.0
    assert len(net.states(bsc.HiddenState)) == 2


# -- assign_state_values ---------------------------------------------------------------------
def test_assign_state_values():
    net = nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 1))
    new = {("layers", 0, "weight"): {"weight": np.ones((2, 3)), "bias": np.zeros(3)}}
    extra = {("nope",): 1.0}
    unexpected, missing = nn.assign_state_values(net, new, extra)
    assert unexpected == [("nope",)]
    assert missing == [("layers", 1, "weight")]
    w = net.layers[0].weight.value["weight"]
    assert isinstance(w, jax.Array) and w.tolist() == [[1.0] * 3] * 2


def test_assign_state_values_round_trip():
    a = nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 1))
    b = nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 1))
    values = {k: s.value for k, s in a.states().items()}
    assert nn.assign_state_values(b, values) == ([], [])
    x = jnp.ones((4, 2))
    np.testing.assert_allclose(a(x), b(x))


def test_running_a_model_before_its_states_exist_says_to_initialise_it():
    with bsc.environ.context(dt=0.1 * u.ms):
        neuron = nn.LIF(3)
        with pytest.raises(AttributeError, match=r"LIF has no attribute 'V'.*init_all_states"):
            neuron(1.0 * u.mA)
        assert not hasattr(neuron, "V") and getattr(neuron, "V", None) is None
        nn.init_all_states(neuron)
        assert neuron(1.0 * u.mA).shape == (3,)


def test_slices_of_a_sequential_may_start_with_a_function():
    model = nn.Sequential(nn.Linear(4, 8), jax.nn.relu, nn.Linear.desc(out_size=2))
    tail = model[1:]
    assert (tail.in_size, tail.out_size, len(tail)) == ((8,), (2,), 2)
    x = jnp.linspace(-1.0, 1.0, 24).reshape(3, 8)
    np.testing.assert_allclose(tail(x), model.layers[2](jax.nn.relu(x)), rtol=1e-6)
    assert model[[1, 2]].out_size == (2,)
    with pytest.raises(IndexError, match="holds no layer"):
        model[5:]


def test_sequential_append_builds_descriptions_with_the_current_size():
    model = nn.Sequential(nn.Linear(4, 8))
    model.append(jax.nn.relu)
    model.append(nn.Linear.desc(out_size=2))
    assert len(model) == 3 and model.out_size == (2,)
    assert model(jnp.ones((5, 4))).shape == (5, 2)
    with pytest.raises(nn.ShapeError, match="size"):
        model.append(nn.Linear(3, 1))
