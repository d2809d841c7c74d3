"""Weights files, get/set_weights and checkpoints of the Python API."""

from __future__ import annotations

import numpy as np
import pytest

import cnnc


def test_save_and_load_weights_round_trip(tiny_library, images, test_images,
                                          tmp_path):
    path = tmp_path / "tiny.weights"
    with cnnc.load(tiny_library, seed=1) as trained:
        trained.fit(*images, epochs=2, batch_size=16, verbose=0)
        trained.save_weights(path)
        expected = trained.predict(test_images[0])
    assert path.stat().st_size == 151 * 4
    with cnnc.load(tiny_library, seed=2) as fresh:
        assert not np.array_equal(fresh.predict(test_images[0]), expected)
        fresh.load_weights(path)
        assert np.array_equal(fresh.predict(test_images[0]), expected)


def test_mismatched_weights_file_changes_nothing(model, tmp_path):
    path = tmp_path / "short.weights"
    np.zeros(150, dtype=np.float32).tofile(path)
    before = model.get_weights()
    with pytest.raises(cnnc.CnncError, match="short.weights: "):
        model.load_weights(path)
    for kept, old in zip(model.get_weights(), before):
        assert np.array_equal(kept, old)
    with pytest.raises(cnnc.CnncError, match="cannot open"):
        model.load_weights(tmp_path / "missing.weights")


def test_get_and_set_weights(model):
    weights = model.get_weights()
    assert [w.shape for w in weights] == [(3, 3, 1, 4), (4,), (36, 3), (3,)]
    weights[3][:] = [1.0, 2.0, 3.0]
    model.set_weights(weights)
    assert np.array_equal(model.get_weights()[3], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"array 2 has shape \(3, 36\), "
                                         r"but 'dense/kernel' is \(36, 3\)"):
        model.set_weights(weights[:2] + [weights[2].T, weights[3]])
    with pytest.raises(ValueError, match="3 arrays for the 4 parameter"):
        model.set_weights(weights[:3])


def plateau():
    """Halves the rate every epoch but the first (nothing improves by 10)."""
    return cnnc.ReduceLROnPlateau(monitor="loss", patience=1, factor=0.5,
                                  min_delta=10.0)


def test_checkpoint_continues_a_run_exactly(tiny_library, images, tmp_path):
    x, y = images
    path = tmp_path / "run.ckpt"
    with cnnc.load(tiny_library, seed=4) as whole:
        expected = whole.fit(x, y, epochs=4, batch_size=16, verbose=0,
                             validation_split=0.25,
                             callbacks=[plateau()]).history
        final = whole.get_weights()
    with cnnc.load(tiny_library, seed=4) as first:
        first.fit(x, y, epochs=2, batch_size=16, verbose=0,
                  validation_split=0.25,
                  callbacks=[cnnc.ModelCheckpoint(path), plateau()])
    with cnnc.load(tiny_library, seed=99) as resumed:
        resumed.load_checkpoint(path)
        assert resumed.seed == 4 and resumed.epochs_done == 2
        assert resumed.iterations == 10
        # Fits that fail before a step leave the loaded run as it was.
        with pytest.raises(ValueError, match="initial_epoch"):
            resumed.fit(x, y, epochs=4, initial_epoch=1, verbose=0)
        with pytest.raises(cnnc.CnncError, match="no validation data"):
            resumed.fit(x, y, epochs=4, initial_epoch=2, verbose=0,
                        callbacks=[cnnc.EarlyStopping()])
        rest = resumed.fit(x, y, epochs=4, initial_epoch=2, batch_size=16,
                           verbose=0, validation_split=0.25,
                           callbacks=[plateau()]).history
        for got, want in zip(resumed.get_weights(), final):
            assert np.array_equal(got, want)
    assert rest["loss"] == expected["loss"][2:]
    assert rest["val_loss"] == expected["val_loss"][2:]
    assert rest["learning_rate"] == expected["learning_rate"][2:]


def test_save_checkpoint_and_class_names(tiny_library, images, tmp_path):
    path = tmp_path / "named.ckpt"
    with cnnc.load(tiny_library, class_names=["top", "middle", "bottom"]) \
            as model:
        model.fit(*images, epochs=1, batch_size=16, verbose=0)
        model.save_checkpoint(path)
    with cnnc.load(tiny_library) as loaded:
        loaded.load_checkpoint(path)
        assert loaded.class_names == ["top", "middle", "bottom"]
        assert loaded.epochs_done == 1


def test_checkpoint_of_another_model_is_refused(model, tmp_path):
    path = tmp_path / "bad.ckpt"
    path.write_bytes(b"CNNCCKPT" + bytes(300))
    with pytest.raises(cnnc.CnncError, match="bad.ckpt: "):
        model.load_checkpoint(path)
    assert model.epochs_done == 0
