#!/usr/bin/env python3
"""The seed's Fashion-MNIST workflow with cnnc instead of Keras.

Loads the arrays (Debian's dataset-fashion-mnist), compiles the reference
CNN (examples/fashion_mnist_cnn.mlir), fits it with the test set as
validation data, evaluates it, and - when matplotlib is installed - plots
the history and the confusion matrix into --out. Run from a clone:

    bash scripts/setup.sh                      # builds cnnc (once)
    python3 examples/python/fashion_mnist.py   # 4 epochs: 1-2 min, 2 cores
    python3 examples/python/fashion_mnist.py --epochs 1 --subset 5000
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "python"))  # the package, without installing

import cnnc  # noqa: E402


def plot(history: cnnc.History, confusion: np.ndarray, names, out: Path):
    """history.png (accuracy and loss per epoch) and confusion.png; nothing
    when matplotlib is missing."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no plots")
        return
    out.mkdir(parents=True, exist_ok=True)
    epochs = [e + 1 for e in history.epoch]
    figure, axes = plt.subplots(1, 2, figsize=(10, 4))
    for axis, key in zip(axes, ("accuracy", "loss")):
        axis.plot(epochs, history.history[key], label=key)
        axis.plot(epochs, history.history[f"val_{key}"], label=f"val_{key}")
        axis.set_xlabel("Epoch")
        axis.set_ylabel(key)
        axis.legend()
    figure.tight_layout()
    figure.savefig(out / "history.png")
    figure, axis = plt.subplots(figsize=(8, 7))
    image = axis.imshow(confusion, cmap="Blues")
    axis.set_xticks(range(len(names)), names, rotation=45, ha="right")
    axis.set_yticks(range(len(names)), names)
    axis.set_xlabel("Predicted")
    axis.set_ylabel("True")
    for (row, column), count in np.ndenumerate(confusion):
        axis.text(column, row, count, ha="center", va="center", fontsize=7,
                  color="white" if count > confusion.max() / 2 else "black")
    figure.colorbar(image)
    figure.tight_layout()
    figure.savefig(out / "confusion.png")
    print(f"plots: {out / 'history.png'}, {out / 'confusion.png'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--subset", type=int, default=None,
                        help="train on the first N images (default: all)")
    parser.add_argument("--out", type=Path, default=ROOT / "out" / "python")
    args = parser.parse_args()

    fashion_mnist = cnnc.datasets.fashion_mnist
    (train_images, train_labels), (test_images, test_labels) = \
        fashion_mnist.load_data()
    train_images = train_images[:args.subset]
    train_labels = train_labels[:args.subset]
    # Keras's seed divides by 255.0; cnnc does that for uint8 images (in
    # float32, as cnnc-train's --rescale default).
    model = cnnc.compile(ROOT / "examples" / "fashion_mnist_cnn.mlir",
                         optimizer="adam",
                         loss="sparse_categorical_crossentropy",
                         metrics=["accuracy"],
                         class_names=fashion_mnist.CLASS_NAMES)
    model.summary()
    history = model.fit(train_images, train_labels, epochs=args.epochs,
                        batch_size=32,
                        validation_data=(test_images, test_labels))
    test_loss, test_acc = model.evaluate(test_images, test_labels,
                                         verbose=0)
    print(f"\nTest loss: {test_loss:.4f} - test accuracy: {test_acc:.4f}")

    probabilities = softmax(model.predict(test_images[:5]))
    for i, row in enumerate(probabilities):
        print(f"test image {i}: {fashion_mnist.CLASS_NAMES[row.argmax()]} "
              f"({row.max():.0%}), label "
              f"{fashion_mnist.CLASS_NAMES[test_labels[i]]}")
    confusion = model.confusion_matrix(test_images, test_labels)
    print("confusion matrix (rows: true class, columns: predicted):")
    print(confusion)
    plot(history, confusion, fashion_mnist.CLASS_NAMES, args.out)


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


if __name__ == "__main__":
    main()
