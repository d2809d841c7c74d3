"""fit, evaluate and predict on small arrays; History; repeated fits."""

from __future__ import annotations

import math

import numpy as np
import pytest

import cnnc
from cnnc.data import images_array
from conftest import TINY


def test_fit_learns_and_returns_keras_history(model, images):
    x, y = images
    model.learning_rate = 0.01
    history = model.fit(x, y, epochs=5, batch_size=16, verbose=0)
    assert isinstance(history, cnnc.History)
    assert list(history.history) == ["loss", "accuracy"]
    assert history.epoch == [0, 1, 2, 3, 4]
    assert history.params == {"verbose": 0, "epochs": 5, "steps": 6}
    losses = history.history["loss"]
    assert all(isinstance(v, float) for v in losses)
    assert losses[-1] < losses[0] * 0.5
    assert history.history["accuracy"][-1] > 0.9
    assert model.history is history
    assert model.iterations == 30 and model.epochs_done == 5


def test_validation_keys_and_split(model, images):
    x, y = images
    history = model.fit(x, y, epochs=2, batch_size=16, verbose=0,
                        validation_split=0.25)
    assert list(history.history) == ["loss", "accuracy", "val_loss",
                                     "val_accuracy"]
    assert history.params["steps"] == 5  # 72 training images
    assert all(0 <= a <= 1 for a in history.history["val_accuracy"])


def test_validation_data_is_evaluate(model, images, test_images):
    x, y = images
    xt, yt = test_images
    history = model.fit(x, y, epochs=1, batch_size=16, verbose=0,
                        validation_data=(xt, yt))
    loss, accuracy = model.evaluate(xt, yt, batch_size=16, verbose=0)
    assert history.history["val_loss"] == [pytest.approx(loss, rel=1e-12)]
    assert history.history["val_accuracy"] == [accuracy]


def test_evaluate_and_predict_agree(model, images, test_images):
    model.fit(*images, epochs=3, batch_size=16, verbose=0)
    xt, yt = test_images
    logits = model.predict(xt, batch_size=7)
    assert logits.shape == (48, 3) and logits.dtype == np.float32
    accuracy = float(np.mean(logits.argmax(axis=1) == yt))
    result = model.evaluate(xt, yt, verbose=0, return_dict=True)
    assert result["accuracy"] == pytest.approx(accuracy)
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_softmax = shifted - np.log(np.exp(shifted).sum(axis=1,
                                                       keepdims=True))
    expected = -np.mean(log_softmax[np.arange(48), yt])
    assert result["loss"] == pytest.approx(expected, rel=1e-5)
    confusion = model.confusion_matrix(xt, yt)
    assert confusion.sum() == 48 and np.trace(confusion) == \
        round(accuracy * 48)


def test_predict_batches_do_not_matter(model, test_images):
    xt, _ = test_images
    assert np.array_equal(model.predict(xt, batch_size=48),
                          model.predict(xt, batch_size=5))
    assert model.predict(xt[:0]).shape == (0, 3)


def test_uint8_is_float_divided_by_255(tiny_library, images):
    x, y = images
    results = []
    for images_in in (x, x.astype(np.float32) / np.float32(255)):
        with cnnc.load(tiny_library, seed=3) as model:
            results.append(model.fit(images_in, y, epochs=2, batch_size=16,
                                     verbose=0).history)
    assert results[0] == results[1]


def test_rescale(tiny_library, images):
    x, _ = images
    with cnnc.load(tiny_library, rescale=(1 / 127.5, -1.0)) as model:
        scaled = model.predict(x)
        model.rescale = None
        plain = model.predict(((x.astype(np.float64) / 127.5) - 1.0)
                              .astype(np.float32))
    assert np.array_equal(scaled, plain)


def test_float32_images_are_not_copied(images):
    x = images[0].astype(np.float32)[..., None]
    assert np.shares_memory(images_array(x), x)
    assert np.shares_memory(images_array(x[:, :, :, 0]), x)
    assert not np.shares_memory(images_array(x[::2]), x)


def test_fits_continue_the_run(tiny_library, images):
    x, y = images
    with cnnc.load(tiny_library, seed=5) as once:
        whole = once.fit(x, y, epochs=4, batch_size=16, verbose=0).history
    with cnnc.load(tiny_library, seed=5) as twice:
        first = twice.fit(x, y, epochs=2, batch_size=16, verbose=0).history
        second = twice.fit(x, y, epochs=2, batch_size=16, verbose=0)
        assert second.epoch == [0, 1]
        assert twice.epochs_done == 4
    assert first["loss"] + second.history["loss"] == whole["loss"]


def test_initial_epoch_means_total_epochs(model, images):
    x, y = images
    model.fit(x, y, epochs=1, batch_size=16, verbose=0)
    history = model.fit(x, y, epochs=3, initial_epoch=1, batch_size=16,
                        verbose=0)
    assert history.epoch == [1, 2] and model.epochs_done == 3
    with pytest.raises(ValueError, match="initial_epoch=0, but the model "
                                         "has completed 3 epochs"):
        model.fit(x, y, epochs=4, initial_epoch=0, verbose=0)


def test_seed_changes_the_shuffle_not_the_parameters(tiny_library, images):
    x, y = images
    runs = {}
    for seed in (1, 2):
        with cnnc.load(tiny_library, seed=1) as model:
            before = model.get_weights()
            runs[seed] = model.fit(x, y, epochs=1, batch_size=16, verbose=0,
                                   seed=seed).history["loss"]
            assert model.seed == seed
        assert all(np.array_equal(a, b) for a, b in
                   zip(before, cnnc.load(tiny_library, seed=1).get_weights()))
    assert runs[1] != runs[2]


def test_steps_per_epoch(model, images):
    history = model.fit(*images, epochs=2, batch_size=16, verbose=0,
                        steps_per_epoch=2)
    assert history.params["steps"] == 2 and model.iterations == 4


def test_verbose_prints_keras_lines(model, images, capsys):
    model.fit(*images, epochs=2, batch_size=16, verbose=2,
              validation_split=0.25)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Epoch 1/2"
    assert lines[1].startswith("5/5 - ") and " - loss: " in lines[1]
    assert "val_accuracy: " in lines[1]
    assert lines[2] == "Epoch 2/2"


def test_threads_setting(model):
    model.threads = 1
    assert model.threads == 1
    with pytest.raises(cnnc.CnncError):
        model.threads = 0


def test_summary(tiny_library, capsys):
    model = cnnc.compile(TINY, parallel=False)
    model.summary()
    out = capsys.readouterr().out
    assert 'Model: "tiny"' in out and "Total params: 151" in out
    with cnnc.load(tiny_library) as loaded:
        loaded.summary()
    assert "dense/kernel" in capsys.readouterr().out
    assert math.isclose(model.learning_rate, 0.001)
    model.close()
