"""The public API of the brainstate metapackage matches its checked-in snapshot (API.txt)."""

import pathlib

import brainstate
from brainstate_core.extend import check_api_snapshot


def test_public_api_matches_snapshot():
    check_api_snapshot(brainstate, pathlib.Path(__file__).parents[1] / "API.txt")
