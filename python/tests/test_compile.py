"""cnnc.compile: optimizers and flags reach the driver; inference-only
libraries predict but do not train."""

from __future__ import annotations

from pathlib import Path

import pytest

import cnnc
from cnnc.compiler import driver_flags
from conftest import TINY


def test_driver_flags():
    assert driver_flags({"parallel": False, "nesterov": True,
                         "disable": ["fuse-epilogues", "vectorize"],
                         "mcpu": "znver4", "O": 2}) == [
        "--parallel=false", "--nesterov",
        "--disable=fuse-epilogues,vectorize", "--mcpu=znver4", "-O2"]
    assert cnnc.optimizers.SGD(momentum=0.9, nesterov=True).flags() == [
        "--optimizer=sgd", "--momentum=0.9", "--nesterov"]


def test_optimizer_object_sets_the_library_and_learning_rate(images):
    optimizer = cnnc.optimizers.RMSprop(learning_rate=0.002, momentum=0.5,
                                        centered=True)
    with cnnc.compile(TINY, optimizer=optimizer, parallel=False) as model:
        assert model.optimizer == "rmsprop" and model.learning_rate == 0.002
        history = model.fit(*images, epochs=1, batch_size=16, verbose=0)
        assert len(history.epoch) == 1


def test_inference_only_library(images):
    with cnnc.compile(TINY, optimizer="none", parallel=False) as model:
        assert not model.has_training and model.optimizer == ""
        assert model.predict(images[0]).shape == (96, 3)
        with pytest.raises(cnnc.CnncError, match="without training"):
            model.fit(*images, verbose=0)
        with pytest.raises(cnnc.CnncError, match="without training"):
            model.evaluate(*images, verbose=0)


KERAS = Path(__file__).resolve().parents[2] / "test" / "Keras" / "Inputs"


def test_driver_warnings_become_compile_warnings(tmp_path):
    # Keras's random preprocessing layers: the identity, one warning each.
    with pytest.warns(cnnc.CompileWarning) as caught:
        model = cnnc.compile(KERAS / "augmentation.keras",
                             output=tmp_path / "augmentation.so")
    model.close()
    messages = [str(w.message) for w in caught
                if issubclass(w.category, cnnc.CompileWarning)]
    assert len(messages) == 8
    assert messages[0].endswith("layer 'random_flip' (RandomFlip): the layer "
                                "augments the images at random in training "
                                "only and is imported as the identity, its "
                                "inference form: train with cnnc-train "
                                "--augment flip")
    assert "augmentation.keras" in messages[0]
