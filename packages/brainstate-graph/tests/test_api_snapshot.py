"""The public API of brainstate_graph matches its checked-in snapshot (API.txt)."""

import pathlib

import brainstate_graph
from brainstate_core.extend import check_api_snapshot


def test_public_api_matches_snapshot():
    check_api_snapshot(brainstate_graph, pathlib.Path(__file__).parents[1] / "API.txt")
