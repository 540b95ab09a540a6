"""Tests of ``brainstate_core.mixin``: computing modes and deferred construction."""

import copy
import pickle

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from brainstate_core import mixin
from brainstate_core.mixin import (
    Batching,
    JointMode,
    Mixin,
    Mode,
    ParamDesc,
    ParamDescriber,
    Training,
)


def test_public_names():
    assert set(mixin.__all__) == {
        "Mode",
        "Training",
        "Batching",
        "JointMode",
        "Mixin",
        "ParamDesc",
        "ParamDescriber",
        "AlignPost",
        "BindCondData",
    }
    for name in mixin.__all__:
        assert getattr(mixin, name) is not None


# -- Mode ------------------------------------------------------------------------------


def test_has_follows_subclassing():
    assert Mode().has(Mode)
    assert not Mode().has(Training)
    assert Training().has(Mode)
    assert Training().has(Training)
    assert not Training().has(Batching)
    assert Batching(2).has(Batching)


def test_is_a_is_an_exact_type_match():
    assert Training().is_a(Training)
    assert not Training().is_a(Mode)
    assert Mode().is_a(Mode)
    assert Batching().is_a((Batching,))
    assert not Batching().is_a((Batching, Training))


@pytest.mark.parametrize("bad", [Training(), int, "Training", None])
def test_has_and_is_a_reject_non_mode_classes(bad):
    with pytest.raises(TypeError, match="expects a Mode class"):
        Training().has(bad)
    with pytest.raises(TypeError, match="expects a Mode class"):
        Training().is_a(bad)


def test_equality_by_type_and_parameters():
    assert Mode() == Mode()
    assert Training() == Training()
    assert Training() != Mode()
    assert Mode() != Training()
    assert Batching(4) == Batching(batch_size=4, batch_axis=0)
    assert Batching(4) != Batching(8)
    assert Batching(4) != Batching(4, batch_axis=1)
    assert Mode() != "Mode"
    assert hash(Batching(4)) == hash(Batching(4))
    assert len({Training(), Training(), Batching(2), Batching(2), Batching(3)}) == 3


def test_repr():
    assert repr(Mode()) == "Mode()"
    assert repr(Training()) == "Training()"
    assert repr(Batching(4)) == "Batching(batch_size=4, batch_axis=0)"


def test_batching_defaults_and_validation():
    mode = Batching()
    assert (mode.batch_size, mode.batch_axis) == (1, 0)
    assert Batching(np.int64(3), -1) == Batching(3, -1)
    assert type(Batching(np.int64(3)).batch_size) is int
    with pytest.raises(ValueError, match="positive integer"):
        Batching(0)
    with pytest.raises(TypeError, match="batch_size"):
        Batching(2.5)
    with pytest.raises(TypeError, match="bool"):
        Batching(True)
    with pytest.raises(TypeError, match="batch_axis"):
        Batching(2, batch_axis="0")


def test_user_defined_mode_gets_equality_and_repr():
    class Inference(Mode):
        def __init__(self, temperature=1.0):
            self.temperature = temperature

    assert Inference(0.5) == Inference(0.5)
    assert Inference(0.5) != Inference(1.0)
    assert repr(Inference(0.5)) == "Inference(temperature=0.5)"
    assert Inference().has(Mode)


def test_modes_are_valid_static_jit_arguments():
    traces = []

    def f(mode, x):
        traces.append(mode)
        return x * mode.batch_size

    jf = jax.jit(f, static_argnums=0)
    assert float(jf(Batching(2), jnp.ones(()))) == 2.0
    assert float(jf(Batching(2), jnp.ones(()))) == 2.0  # equal mode: cached trace
    assert float(jf(Batching(3), jnp.ones(()))) == 3.0
    assert traces == [Batching(2), Batching(3)]


# -- JointMode -------------------------------------------------------------------------


def test_joint_mode_has_and_forwards_attributes():
    mode = JointMode(Batching(4, batch_axis=1), Training())
    assert mode.has(Batching)
    assert mode.has(Training)
    assert mode.has(Mode)
    assert mode.has(JointMode)
    assert mode.batch_size == 4
    assert mode.batch_axis == 1
    assert mode.modes == (Batching(4, batch_axis=1), Training())
    assert mode.types == (Batching, Training)
    assert list(mode) == [Batching(4, batch_axis=1), Training()]
    assert len(mode) == 2
    assert not JointMode(Training()).has(Batching)


def test_joint_mode_missing_attribute():
    mode = JointMode(Batching(4), Training())
    with pytest.raises(AttributeError, match="learning_rate") as info:
        _ = mode.learning_rate
    assert "Batching, Training" in str(info.value)
    assert not hasattr(mode, "learning_rate")


def test_joint_mode_is_a():
    mode = JointMode(Training(), Batching())
    assert mode.is_a(JointMode)
    assert not mode.is_a(Training)
    assert mode.is_a((Batching, Training))
    assert mode.is_a((Training, Batching))
    assert not mode.is_a((Training,))
    assert not mode.is_a((Training, Batching, Mode))


def test_joint_mode_equality_ignores_order():
    a = JointMode(Training(), Batching(2))
    b = JointMode(Batching(2), Training())
    assert a == b
    assert hash(a) == hash(b)
    assert a != JointMode(Batching(3), Training())
    assert a != Training()
    assert Training() != a
    assert a != JointMode(Training())


def test_joint_mode_flattens_nested():
    mode = JointMode(JointMode(Training()), Batching(5))
    assert mode.modes == (Training(), Batching(5))
    assert repr(mode) == "JointMode(Training(), Batching(batch_size=5, batch_axis=0))"


def test_joint_mode_rejects_bad_arguments():
    with pytest.raises(TypeError, match=r"argument 1 is 'train'"):
        JointMode(Training(), "train")
    with pytest.raises(TypeError, match=r"Did you mean `Training\(\)`"):
        JointMode(Training)
    with pytest.raises(TypeError, match="at least one mode"):
        JointMode()
    with pytest.raises(TypeError, match="two modes of type Batching"):
        JointMode(Batching(2), Training(), Batching(3))


def test_joint_mode_copy_and_pickle():
    mode = JointMode(Batching(4), Training())
    assert copy.copy(mode) == mode
    assert copy.deepcopy(mode) == mode
    restored = pickle.loads(pickle.dumps(mode))
    assert restored == mode
    assert restored.batch_size == 4


# -- ParamDesc -------------------------------------------------------------------------


class Linear(ParamDesc):
    def __init__(self, in_size, out_size, bias=True, name=None):
        self.in_size = in_size
        self.out_size = out_size
        self.bias = bias
        self.name = name


def test_param_desc_builds_later():
    recipe = Linear.desc(out_size=4, bias=False)
    assert isinstance(recipe, ParamDescriber)
    layer = recipe(3)
    assert isinstance(layer, Linear)
    assert (layer.in_size, layer.out_size, layer.bias) == (3, 4, False)
    other = recipe(5, name="second")
    assert other is not layer
    assert (other.in_size, other.name) == (5, "second")
    assert recipe.init(7).in_size == 7


def test_param_desc_positional_arguments_come_first():
    layer = Linear.desc(2)(6)
    assert (layer.in_size, layer.out_size) == (2, 6)


def test_param_desc_on_a_subclass_builds_the_subclass():
    class Dense(Linear):
        pass

    recipe = Dense.desc(1, 2)
    assert recipe.cls is Dense
    assert type(recipe()) is Dense
    assert issubclass(Dense, Mixin)


def test_param_describer_rejects_a_keyword_given_twice():
    recipe = Linear.desc(out_size=4)
    with pytest.raises(TypeError, match="out_size"):
        recipe(3, out_size=5)


def test_param_describer_needs_a_callable():
    with pytest.raises(TypeError, match="class"):
        ParamDescriber(42, 1)


def test_param_describer_works_with_any_callable():
    recipe = ParamDescriber(dict, a=1)
    assert recipe(b=2) == {"a": 1, "b": 2}


def test_param_describer_repr_and_identifier():
    recipe = Linear.desc(3, out_size=4)
    assert repr(recipe) == "ParamDescriber(Linear, 3, out_size=4)"
    assert recipe.identifier == Linear.desc(3, out_size=4).identifier
    assert recipe.identifier != Linear.desc(3, out_size=5).identifier
    assert hash(recipe.identifier) == hash(Linear.desc(3, out_size=4).identifier)
    assert recipe.args == (3,)
    assert recipe.kwargs == {"out_size": 4}


def test_align_post_and_bind_cond_data_mixins():
    from brainstate_core.mixin import AlignPost, BindCondData, Mixin

    assert issubclass(AlignPost, Mixin) and issubclass(BindCondData, Mixin)

    class Out(BindCondData):
        pass

    out = Out()
    assert out._conductance is None
    out.bind_cond(3.0)
    assert out._conductance == 3.0
    out.unbind_cond()
    assert out._conductance is None
    with pytest.raises(NotImplementedError, match="add_delta_input"):
        type("Syn", (AlignPost,), {})().align_post_input_add(1.0)
