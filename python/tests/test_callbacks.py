"""EarlyStopping, ReduceLROnPlateau, schedules, ModelCheckpoint and Python
callbacks."""

from __future__ import annotations

import numpy as np
import pytest

import cnnc


def test_early_stopping_stops(model, images, capsys):
    # No epoch improves val_loss by 10: it stops after the second (never
    # after the first), with patience 0.
    stop = cnnc.EarlyStopping(min_delta=10.0, verbose=1)
    history = model.fit(*images, epochs=10, batch_size=16, verbose=0,
                        validation_split=0.25, callbacks=[stop])
    assert history.epoch == [0, 1] and stop.stopped_epoch == 1
    assert "Epoch 2: early stopping" in capsys.readouterr().out
    # A new fit starts the callback afresh, as Keras's on_train_begin.
    again = model.fit(*images, epochs=3, batch_size=16, verbose=0,
                      validation_split=0.25,
                      callbacks=[cnnc.EarlyStopping(patience=5)])
    assert again.epoch == [0, 1, 2]


def test_early_stopping_restores_best_weights(model, images):
    model.learning_rate = 0.05
    snapshots = []
    keep = cnnc.LambdaCallback(
        on_epoch_end=lambda epoch, logs: snapshots.append(
            (logs["loss"], model.get_weights())))
    stop = cnnc.EarlyStopping(monitor="loss", patience=1, min_delta=10.0,
                              restore_best_weights=True)
    model.fit(*images, epochs=10, batch_size=16, verbose=0,
              callbacks=[keep, stop])
    assert len(snapshots) == 2
    # The best epoch is the first (nothing improves by 10 after it).
    for restored, best in zip(model.get_weights(), snapshots[0][1]):
        assert np.array_equal(restored, best)


def test_reduce_lr_on_plateau_lowers_the_rate(model, images, capsys):
    plateau = cnnc.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=1,
                                     min_delta=10.0, verbose=1)
    history = model.fit(*images, epochs=3, batch_size=16, verbose=0,
                        callbacks=[plateau])
    assert history.history["learning_rate"] == pytest.approx(
        [1e-3, 1e-3, 5e-4])
    assert "Epoch 2: ReduceLROnPlateau reducing learning rate to 0.0005." \
        in capsys.readouterr().out
    # The reduction lasts, as Keras's change of the optimizer's rate.
    later = model.fit(*images, epochs=1, batch_size=16, verbose=0,
                      callbacks=[cnnc.ReduceLROnPlateau(monitor="loss")])
    assert later.history["learning_rate"] == pytest.approx([2.5e-4])


def test_schedules(model, images):
    model.learning_rate = cnnc.schedules.CosineDecay(0.01, alpha=0.1)
    history = model.fit(*images, epochs=4, batch_size=16, verbose=0)
    rates = history.history["learning_rate"]
    assert rates[0] < 0.01 and rates == sorted(rates, reverse=True)
    assert rates[-1] == pytest.approx(0.01 * (0.1 + 0.9 * 0.5 * (
        1 + np.cos(np.pi * 23 / 24))), rel=1e-6)
    model.learning_rate = cnnc.schedules.ExponentialDecay(
        0.01, decay_epochs=1, decay_rate=0.5, staircase=True)
    history = model.fit(*images, epochs=6, initial_epoch=4, batch_size=16,
                        verbose=0)
    # Steps 24..35 of the run: floor(step / 6) halvings.
    assert history.history["learning_rate"] == pytest.approx(
        [0.01 * 0.5**4, 0.01 * 0.5**5])


def test_python_callbacks_see_keras_logs(model, images):
    events = []

    class Recorder(cnnc.Callback):
        def on_train_begin(self, logs=None):
            events.append(("train_begin",))

        def on_epoch_begin(self, epoch, logs=None):
            events.append(("epoch_begin", epoch))

        def on_train_batch_end(self, batch, logs=None):
            events.append(("batch", batch, sorted(logs)))

        def on_epoch_end(self, epoch, logs=None):
            events.append(("epoch_end", epoch, sorted(logs)))

        def on_train_end(self, logs=None):
            events.append(("train_end",))

    recorder = Recorder()
    model.fit(*images, epochs=2, batch_size=48, verbose=0,
              validation_split=0.5, callbacks=[recorder])
    assert recorder.model is model
    assert events == [
        ("train_begin",), ("epoch_begin", 0), ("batch", 0, ["accuracy",
                                                           "loss"]),
        ("epoch_end", 0, ["accuracy", "loss", "val_accuracy", "val_loss"]),
        ("epoch_begin", 1), ("batch", 0, ["accuracy", "loss"]),
        ("epoch_end", 1, ["accuracy", "loss", "val_accuracy", "val_loss"]),
        ("train_end",)]


def test_stop_training_from_a_callback(model, images):
    def stop(epoch, logs):
        model.stop_training = epoch == 1

    history = model.fit(*images, epochs=5, batch_size=16, verbose=0,
                        callbacks=[cnnc.LambdaCallback(on_epoch_end=stop)])
    assert history.epoch == [0, 1]


def test_exception_in_a_callback_propagates(model, images):
    def fail(batch, logs):
        raise ZeroDivisionError("from the callback")

    with pytest.raises(ZeroDivisionError, match="from the callback"):
        model.fit(*images, epochs=2, batch_size=16, verbose=0,
                  callbacks=[cnnc.LambdaCallback(on_train_batch_end=fail)])
    assert model.iterations == 1


def test_model_checkpoint_best_only(model, images, tmp_path, capsys):
    path = tmp_path / "best.ckpt"
    best = cnnc.ModelCheckpoint(path, monitor="loss", save_best_only=True,
                                verbose=1)
    model.fit(*images, epochs=2, batch_size=16, verbose=0, callbacks=[best])
    assert path.stat().st_size > 0
    assert "Epoch 1: loss improved from nan to " in capsys.readouterr().out


@pytest.mark.parametrize("make, message", [
    (lambda: cnnc.EarlyStopping(monitor="val_acc"), "monitor must be one of"),
    (lambda: cnnc.EarlyStopping(monitor="loss", mode="max"), "mode='max'"),
    (lambda: cnnc.EarlyStopping(patience=-1), "patience must not be neg"),
    (lambda: cnnc.ReduceLROnPlateau(factor=1.0), r"factor must be in \(0, "),
    (lambda: cnnc.schedules.CosineDecay(1e-3, alpha=2), "alpha must be in"),
    (lambda: cnnc.schedules.ExponentialDecay(1e-3, 0, 0.5), "decay_epochs"),
])
def test_bad_callback_arguments(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_callback_needs_validation_data(model, images):
    with pytest.raises(cnnc.CnncError, match="monitors val_loss, but there "
                                             "is no validation data"):
        model.fit(*images, epochs=2, verbose=0,
                  callbacks=[cnnc.EarlyStopping()])


def test_two_early_stoppings_are_refused(model, images):
    with pytest.raises(ValueError, match="more than one EarlyStopping"):
        model.fit(*images, epochs=1, verbose=0, callbacks=[
            cnnc.EarlyStopping(monitor="loss"),
            cnnc.EarlyStopping(monitor="loss")])
