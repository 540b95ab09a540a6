"""The public surface: homes of public objects, the error hierarchy."""

from __future__ import annotations

import inspect

import brainstate_core as bsc
import brainstate_graph as graph


def test_public_objects_report_their_public_home():
    for name in graph.__all__:
        obj = getattr(graph, name)
        if inspect.isclass(obj) or inspect.isfunction(obj):
            assert obj.__module__ == "brainstate_graph", name


def test_graph_error_is_a_brainstate_error():
    assert issubclass(graph.GraphError, bsc.BrainStateError)
    assert issubclass(graph.GraphError, ValueError)
    assert "exhaustive" in graph.GraphError.__doc__


def test_every_public_callable_has_an_example():
    for name in graph.__all__:
        obj = getattr(graph, name)
        if name != "GraphError":
            assert obj.__doc__ and "Examples:" in obj.__doc__, name
