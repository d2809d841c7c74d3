"""The Python fit is cnnc-train's: the same data (written as .npz), seed and
options give bit-identical histories and checkpoints, and each continues
the other's checkpoints."""

from __future__ import annotations

import subprocess

import numpy as np

import cnnc
from cnnc import _paths


def cnnc_train(*args) -> str:
    tool = _paths.find_train_tool()
    result = subprocess.run([str(tool), *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout


def read_csv(path):
    lines = path.read_text().splitlines()
    keys = lines[0].split(",")[1:]
    rows = [[float(v) for v in line.split(",")[1:]] for line in lines[1:]]
    return {key: [row[i] for row in rows] for i, key in enumerate(keys)}


FLAGS = ["--epochs", 3, "--batch", 16, "--lr", 0.01, "--seed", 11,
         "--validation-split", 0.25, "--reduce-lr-on-plateau",
         "monitor=loss,patience=1,factor=0.5,min_delta=0.05"]


def python_fit(library, x, y, checkpoint, epochs=3):
    model = cnnc.load(library, seed=11, learning_rate=0.01)
    history = model.fit(x, y, epochs=epochs, batch_size=16, verbose=0,
                        validation_split=0.25, callbacks=[
                            cnnc.ModelCheckpoint(checkpoint),
                            cnnc.ReduceLROnPlateau(monitor="loss",
                                                   patience=1, factor=0.5,
                                                   min_delta=0.05)])
    return model, history


def test_same_losses_and_checkpoint_as_cnnc_train(tiny_library, images,
                                                  tmp_path):
    x, y = images
    np.savez(tmp_path / "data.npz", x_train=x, y_train=y)
    cnnc_train(tiny_library, "--data", "npz", "--data-file",
               tmp_path / "data.npz", *FLAGS, "--history",
               tmp_path / "c.csv", "--checkpoint", tmp_path / "c.ckpt")
    model, history = python_fit(tiny_library, x, y, tmp_path / "py.ckpt")
    expected = read_csv(tmp_path / "c.csv")
    assert list(expected) == list(history.history)
    for key, values in history.history.items():  # the CSV has 9 digits
        np.testing.assert_allclose(values, expected[key], rtol=1e-8)
    assert history.history["learning_rate"][-1] < 0.01
    assert (tmp_path / "py.ckpt").read_bytes() == \
        (tmp_path / "c.ckpt").read_bytes()
    model.close()


def test_each_resumes_the_others_checkpoint(tiny_library, images, tmp_path):
    x, y = images
    np.savez(tmp_path / "data.npz", x_train=x, y_train=y)
    data = ["--data", "npz", "--data-file", tmp_path / "data.npz"]
    cnnc_train(tiny_library, *data, *FLAGS, "--checkpoint",
               tmp_path / "full.ckpt")
    # Python for one epoch, cnnc-train continues.
    python_fit(tiny_library, x, y, tmp_path / "a.ckpt", epochs=1)[0].close()
    cnnc_train(tiny_library, *data, *FLAGS[:6], *FLAGS[8:], "--resume",
               tmp_path / "a.ckpt", "--checkpoint", tmp_path / "a.ckpt")
    assert (tmp_path / "a.ckpt").read_bytes() == \
        (tmp_path / "full.ckpt").read_bytes()
    # cnnc-train for two epochs, Python continues.
    cnnc_train(tiny_library, *data, *FLAGS[2:], "--epochs", 2,
               "--checkpoint", tmp_path / "b.ckpt")
    with cnnc.load(tiny_library, learning_rate=0.01) as model:
        model.load_checkpoint(tmp_path / "b.ckpt")
        model.fit(x, y, epochs=3, initial_epoch=2, batch_size=16, verbose=0,
                  validation_split=0.25, callbacks=[
                      cnnc.ModelCheckpoint(tmp_path / "b.ckpt"),
                      cnnc.ReduceLROnPlateau(monitor="loss", patience=1,
                                             factor=0.5, min_delta=0.05)])
    assert (tmp_path / "b.ckpt").read_bytes() == \
        (tmp_path / "full.ckpt").read_bytes()


def test_weights_file_is_cnnc_trains(tiny_library, images, tmp_path):
    x, y = images
    np.savez(tmp_path / "data.npz", x_train=x, y_train=y)
    cnnc_train(tiny_library, "--data", "npz", "--data-file",
               tmp_path / "data.npz", "--epochs", 1, "--batch", 16,
               "--save-weights", tmp_path / "c.weights")
    with cnnc.load(tiny_library) as model:
        model.fit(x, y, epochs=1, batch_size=16, verbose=0)
        model.save_weights(tmp_path / "py.weights")
    assert (tmp_path / "py.weights").read_bytes() == \
        (tmp_path / "c.weights").read_bytes()
