"""Compiled code follows States replaced or added on graph Nodes, however deep they sit."""

import jax.numpy as jnp

import brainstate as bst


def test_jit_follows_states_replaced_inside_nested_plain_containers():
    class Net(bst.graph.Node):
        def __init__(self):
            self.init_state()

        def init_state(self):
            self.groups = {"exc": [bst.State(jnp.zeros(2))]}

    net = Net()

    @bst.compile.jit
    def advance(x):
        for s in net.groups["exc"]:
            s.value += x

    advance(1.0)
    old = net.groups["exc"][0]
    net.init_state()
    advance(2.0)
    assert net.groups["exc"][0].value.tolist() == [2.0, 2.0]
    assert old.value.tolist() == [1.0, 1.0]


def test_jit_follows_layers_appended_to_a_graph_list():
    layers = bst.graph.List([bst.graph.Dict(w=bst.State(jnp.zeros(1)))])

    @bst.compile.jit
    def bump():
        for layer in layers:
            layer["w"].value += 1

    bump()
    layers.append(bst.graph.Dict(w=bst.State(jnp.zeros(1))))
    bump()
    assert [float(layer["w"].value[0]) for layer in layers] == [2.0, 1.0]
