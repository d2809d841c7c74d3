"""Ctrl-C stops after the current batch, writes the checkpoint, raises
KeyboardInterrupt; the next fit continues the epoch exactly."""

from __future__ import annotations

import os
import signal

import numpy as np
import pytest

import cnnc


@pytest.fixture
def interactive_sigint():
    """Ctrl-C as in a terminal (lit runs tests with SIGINT ignored)."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def test_ctrl_c_stops_after_the_batch(tiny_library, images, tmp_path,
                                      interactive_sigint):
    x, y = images
    with cnnc.load(tiny_library, seed=8) as whole:
        expected = whole.fit(x, y, epochs=2, batch_size=16, verbose=0).history
        final = whole.get_weights()

    def interrupt(batch, logs):
        if batch == 2 and model.epochs_done == 1:
            os.kill(os.getpid(), signal.SIGINT)

    path = tmp_path / "run.ckpt"
    model = cnnc.load(tiny_library, seed=8)
    with pytest.raises(KeyboardInterrupt, match="Interrupted at epoch 2, "
                                                "batch [34]: saved "):
        model.fit(x, y, epochs=2, batch_size=16, verbose=0, callbacks=[
            cnnc.ModelCheckpoint(path),
            cnnc.LambdaCallback(on_train_batch_end=interrupt)])
    stopped_at = model.iterations
    assert stopped_at in (9, 10) and model.history.epoch == [0]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler

    # The next fit finishes the epoch; so does cnnc-train's --resume (the
    # checkpoint is mid-epoch).
    rest = model.fit(x, y, epochs=1, batch_size=16, verbose=0)
    assert rest.history["loss"] == expected["loss"][1:]
    for got, want in zip(model.get_weights(), final):
        assert np.array_equal(got, want)
    with cnnc.load(tiny_library) as resumed:
        resumed.load_checkpoint(path)
        assert resumed.iterations == stopped_at
        resumed.fit(x, y, epochs=2, initial_epoch=1, batch_size=16,
                    verbose=0)
        for got, want in zip(resumed.get_weights(), final):
            assert np.array_equal(got, want)
    model.close()
