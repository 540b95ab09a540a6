"""Every ``brainstate.<x>`` shim is exactly the public API of the distribution behind it."""

import importlib
import sys
import types

import pytest

import brainstate as bst

SHIMS = {
    "environ": "brainstate_core.environ",
    "random": "brainstate_core.random",
    "mixin": "brainstate_core.mixin",
    "typing": "brainstate_core.typing",
    "errors": "brainstate_core.errors",
    "graph": "brainstate_graph",
    "compile": "brainstate_compile",
    "augment": "brainstate_augment",
    "event": "brainstate_event",
    "nn": "brainstate_nn",
    "functional": "brainstate_nn.functional",
    "init": "brainstate_nn.init",
    "optim": "brainstate_nn.optim",
    "surrogate": "brainstate_nn.surrogate",
}


@pytest.mark.parametrize("shim_name, target_name", sorted(SHIMS.items()))
def test_shim_reexports_exactly_the_public_api(shim_name, target_name):
    shim = importlib.import_module(f"brainstate.{shim_name}")
    target = importlib.import_module(target_name)
    assert getattr(bst, shim_name) is shim
    assert list(shim.__all__) == list(target.__all__)
    for name in target.__all__:
        assert not name.startswith("_"), f"{target_name}.__all__ exports private name {name!r}"
        assert getattr(shim, name) is getattr(target, name), f"bst.{shim_name}.{name}"
    public_in_shim = {n for n in vars(shim) if not n.startswith("_")}
    assert public_in_shim == set(target.__all__), (
        f"bst.{shim_name} holds public names outside {target_name}.__all__: "
        f"{sorted(public_in_shim - set(target.__all__))}"
    )


@pytest.mark.parametrize("shim_name, target_name", sorted(SHIMS.items()))
def test_public_objects_report_their_distribution(shim_name, target_name):
    target = importlib.import_module(target_name)
    distribution = target_name.split(".")[0]
    for name in target.__all__:
        obj = getattr(target, name)
        if isinstance(obj, (type, types.FunctionType)):
            module = obj.__module__
            if not module.startswith("brainstate"):
                continue  # re-exported from jax/numpy (e.g. typing aliases)
            assert "._src" not in module, f"{target_name}.{name}.__module__ == {module!r}"
            assert module.split(".")[0] in (distribution, "brainstate_core"), (
                f"{target_name}.{name}.__module__ == {module!r}"
            )


def test_shims_are_modules_of_their_own():
    # no sys.modules aliasing: brainstate.graph is a real module re-exporting brainstate_graph
    for shim_name, target_name in SHIMS.items():
        assert sys.modules[f"brainstate.{shim_name}"] is not sys.modules[target_name]


def test_top_level_is_core():
    import brainstate_core

    for name in bst.__all__:
        if name in SHIMS or name == "transform":
            continue
        assert getattr(bst, name) is getattr(brainstate_core, name)
    assert bst.State is brainstate_core.State
    assert not hasattr(bst, "extend")


def test_version_is_lockstep():
    import brainstate_core

    assert bst.__version__ == brainstate_core.__version__


def test_top_level_covers_every_public_core_name():
    import brainstate_core

    expected = {n for n in brainstate_core.__all__ if n != "extend"}
    assert expected <= set(bst.__all__)


def test_transform_is_brainstate_0_1_s_home_of_compile_and_augment():
    import brainstate_augment
    import brainstate_compile

    names = set(bst.transform.__all__)
    assert names == set(brainstate_compile.__all__) | set(brainstate_augment.__all__)
    for name in names:
        source = brainstate_compile if name in brainstate_compile.__all__ else brainstate_augment
        assert getattr(bst.transform, name) is getattr(source, name), name
    assert bst.transform.for_loop is bst.compile.for_loop and bst.transform.grad is bst.augment.grad
