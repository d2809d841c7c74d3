"""Bad input gives one Python exception with the runtime's (or the
driver's) one-line message, never a crash."""

from __future__ import annotations

import numpy as np
import pytest

import cnnc


@pytest.fixture
def data(images):
    return images


def test_wrong_image_shape(model, data):
    x, y = data
    rgb = np.repeat(x[..., None], 3, axis=3)
    with pytest.raises(cnnc.DataError, match=r"^training data: images are "
                       r"8x8x3 but .*tiny\.so expects 8x8x1$"):
        model.fit(rgb, y, verbose=0)
    with pytest.raises(ValueError, match="images are 9x8x1"):
        model.predict(np.zeros((2, 9, 8), np.float32))
    with pytest.raises(cnnc.DataError, match=r"shape \(n, height, width\) "
                       r"or \(n, height, width, channels\), not \(64,\)"):
        model.predict(np.zeros(64, np.float32))


def test_wrong_dtypes(model, data):
    x, y = data
    with pytest.raises(TypeError, match="x: images must be uint8, float32 "
                                        "or float64 arrays, not int64"):
        model.fit(x.astype(np.int64), y, verbose=0)
    with pytest.raises(TypeError, match="y: labels must be integer class "
                                        "indices, not float32"):
        model.fit(x, y.astype(np.float32), verbose=0)


def test_labels_out_of_range(model, data):
    x, y = data
    bad = y.astype(np.int64)
    bad[5] = 3
    with pytest.raises(cnnc.DataError, match=r"training data: label 3 of "
                       r"image 5 is not one of the 3 classes of "):
        model.fit(x, bad, verbose=0)
    bad[5] = -1
    with pytest.raises(cnnc.DataError, match="label -1 of image 5"):
        model.evaluate(x, bad, verbose=0)
    bad[5] = 2**32 + 1  # would wrap to 1 in int32
    with pytest.raises(cnnc.DataError, match="label 4294967297 is not a"):
        model.fit(x, bad, verbose=0)
    assert model.iterations == 0


def test_label_shapes_and_counts(model, data):
    x, y = data
    with pytest.raises(cnnc.DataError, match="95 labels for 96 images"):
        model.fit(x, y[:-1], verbose=0)
    one_hot = np.eye(3, dtype=np.int64)[y]
    with pytest.raises(cnnc.DataError, match=r"one-hot labels\? use "
                                             r"y.argmax\(axis=1\)"):
        model.fit(x, one_hot, verbose=0)
    history = model.fit(x, y.reshape(-1, 1), epochs=1, verbose=0)
    assert len(history.epoch) == 1


def test_validation_arguments(model, data):
    x, y = data
    with pytest.raises(ValueError, match=r"validation_split must be in "
                                         r"\(0, 1\), not 1.5"):
        model.fit(x, y, validation_split=1.5, verbose=0)
    with pytest.raises(ValueError, match="validation_data or "
                                         "validation_split, not both"):
        model.fit(x, y, validation_split=0.2, validation_data=(x, y),
                  verbose=0)
    with pytest.raises(cnnc.DataError, match="validation_data\\[1\\]: 2 "
                                             "labels for 96 images"):
        model.fit(x, y, validation_data=(x, y[:2]), verbose=0)
    with pytest.raises(ValueError, match=r"validation_data must be a tuple"):
        model.fit(x, y, validation_data=(x,), verbose=0)


def test_bad_fit_arguments(model, data):
    x, y = data
    with pytest.raises(ValueError, match="batch_size must be a positive "
                                         "integer, not 0"):
        model.fit(x, y, batch_size=0, verbose=0)
    with pytest.raises(ValueError, match="epochs must be a non-negative"):
        model.fit(x, y, epochs=-1, verbose=0)
    with pytest.raises(ValueError, match="verbose must be"):
        model.fit(x, y, verbose=3)
    with pytest.raises(TypeError, match="is not a cnnc.callbacks.Callback"):
        model.fit(x, y, verbose=0, callbacks=[print])
    model.learning_rate = float("nan")
    with pytest.raises(ValueError, match="learning_rate must be a finite"):
        model.fit(x, y, verbose=0)
    with pytest.raises(cnnc.DataError, match="evaluate: no images"):
        model.evaluate(x[:0], y[:0], verbose=0)


def test_compile_errors(tmp_path):
    source = tmp_path / "broken.mlir"
    source.write_text("module @broken {\n  func.func @forward(%x: "
                      "tensor<?x8x8x1xf32>) -> tensor<?x3xf32> {\n"
                      "    %y = cnn.dense %x : tensor<?x8x8x1xf32>\n"
                      "    return %y : tensor<?x3xf32>\n  }\n}\n")
    with pytest.raises(cnnc.CompileError, match=r"broken\.mlir:3:") as info:
        cnnc.compile(source)
    assert "error" in str(info.value) and "\n" not in str(info.value)
    assert info.value.diagnostics.count("\n") >= 1
    with pytest.raises(FileNotFoundError, match="no such model file"):
        cnnc.compile(tmp_path / "missing.mlir")
    with pytest.raises(ValueError, match="optimizer must be one of"):
        cnnc.compile(source, optimizer="adagrad")
    with pytest.raises(ValueError, match="loss must be one of"):
        cnnc.compile(source, loss="hinge")
    with pytest.raises(ValueError, match=r"metrics: .*\['auc'\]"):
        cnnc.compile(source, metrics=["accuracy", "auc"])


def test_driver_flags_are_checked_by_the_driver():
    from conftest import TINY
    with pytest.raises(cnnc.CompileError, match="rho"):
        cnnc.compile(TINY, optimizer="adam", rho=0.5)


def test_bad_seed(tiny_library):
    with pytest.raises(ValueError, match="seed must be an integer"):
        cnnc.load(tiny_library, seed=-1)
    with pytest.raises(ValueError, match="seed must be an integer"):
        cnnc.load(tiny_library, seed=1.5)


def test_not_a_library(tmp_path):
    path = tmp_path / "fake.so"
    path.write_bytes(b"not an ELF file")
    with pytest.raises(cnnc.CnncError, match="fake.so"):
        cnnc.load(path)


def test_closed_model(tiny_library, data):
    model = cnnc.load(tiny_library)
    model.close()
    model.close()
    with pytest.raises(cnnc.CnncError, match="the model was closed"):
        model.predict(data[0])
    with pytest.raises(cnnc.CnncError, match="the model was closed"):
        model.fit(*data, verbose=0)
