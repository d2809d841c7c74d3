"""The reference CNN in PyTorch and TensorFlow/Keras, measured like
bench/model_bench.c, with whichever of the two is installed.

Prints "<framework>_<figure>: value" lines (framework torch or keras):
batch-1 inference latency p50/p90 (us), batch-256 inference images/s (median
of runs) and batch-32 training images/s with Adam and cross-entropy from
logits (median of timed windows).
"""

import argparse
import importlib.util
import os
import statistics
import time


def latency_percentiles(run_one):
    for _ in range(100):
        run_one()
    latencies = []
    deadline = time.perf_counter() + 2.0
    while len(latencies) < 2000 and (len(latencies) < 50 or
                                     time.perf_counter() < deadline):
        t0 = time.perf_counter()
        run_one()
        latencies.append(time.perf_counter() - t0)
    latencies.sort()
    return latencies[len(latencies) // 2], latencies[int(len(latencies) * 0.9)]


def median_seconds(run, repeats, per_window=1):
    run()
    windows = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(per_window):
            run()
        windows.append((time.perf_counter() - t0) / per_window)
    return statistics.median(windows)


def report(prefix, p50, p90, batch256_seconds, train_step_seconds):
    print(f"{prefix}_batch1_p50_us: {p50 * 1e6:.1f}")
    print(f"{prefix}_batch1_p90_us: {p90 * 1e6:.1f}")
    print(f"{prefix}_batch256_images_per_s: {256 / batch256_seconds:.0f}")
    print(f"{prefix}_train_batch32_images_per_s: {32 / train_step_seconds:.0f}")


def bench_keras(threads):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import numpy as np
    import tensorflow as tf
    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(threads)
    layers = tf.keras.layers
    model = tf.keras.Sequential([
        tf.keras.Input((28, 28, 1)),
        layers.Conv2D(32, 3, activation="relu"), layers.MaxPooling2D(2),
        layers.Conv2D(64, 3, activation="relu"), layers.MaxPooling2D(2),
        layers.Conv2D(64, 3, activation="relu"), layers.Flatten(),
        layers.Dense(64, activation="relu"), layers.Dense(10)])
    model.compile(optimizer=tf.keras.optimizers.Adam(1e-3),
                  loss=tf.keras.losses.SparseCategoricalCrossentropy(
                      from_logits=True))
    infer = tf.function(lambda x: model(x, training=False))
    one = np.random.rand(1, 28, 28, 1).astype("float32")
    many = np.random.rand(256, 28, 28, 1).astype("float32")
    p50, p90 = latency_percentiles(lambda: infer(one).numpy())
    batch256 = median_seconds(lambda: infer(many).numpy(), 15)
    images = np.random.rand(32, 28, 28, 1).astype("float32")
    labels = np.arange(32) % 10
    train = median_seconds(lambda: model.train_on_batch(images, labels), 9, 5)
    report("keras", p50, p90, batch256, train)


def reference_cnn(channels=1, size=28):
    from torch import nn
    flat = 64 * ((((size - 2) // 2 - 2) // 2) - 2) ** 2
    return nn.Sequential(
        nn.Conv2d(channels, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(64, 64, 3), nn.ReLU(), nn.Flatten(),
        nn.Linear(flat, 64), nn.ReLU(), nn.Linear(64, 10))


def bench_torch(threads):
    import torch
    from torch import nn
    torch.set_num_threads(threads)
    model = reference_cnn()

    model.eval()
    with torch.no_grad():
        one = torch.rand(1, 1, 28, 28)
        for _ in range(100):
            model(one)
        latencies = []
        deadline = time.perf_counter() + 2.0
        while len(latencies) < 2000 and (len(latencies) < 50 or
                                         time.perf_counter() < deadline):
            t0 = time.perf_counter()
            model(one)
            latencies.append(time.perf_counter() - t0)
        latencies.sort()
        print(f"torch_batch1_p50_us: {latencies[len(latencies) // 2] * 1e6:.1f}")
        print(f"torch_batch1_p90_us: {latencies[int(len(latencies) * 0.9)] * 1e6:.1f}")
        batch = torch.rand(256, 1, 28, 28)
        model(batch)
        runs = []
        for _ in range(15):
            t0 = time.perf_counter()
            model(batch)
            runs.append(time.perf_counter() - t0)
        print(f"torch_batch256_images_per_s: {256 / statistics.median(runs):.0f}")

    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    loss_fn = nn.CrossEntropyLoss()
    images = torch.rand(32, 1, 28, 28)
    labels = torch.arange(32) % 10

    def step():
        optimizer.zero_grad()
        loss = loss_fn(model(images), labels)
        loss.backward()
        optimizer.step()

    for _ in range(3):
        step()
    windows = []
    for _ in range(9):
        t0 = time.perf_counter()
        for _ in range(5):
            step()
        windows.append((time.perf_counter() - t0) / 5)
    print(f"torch_train_batch32_images_per_s: {32 / statistics.median(windows):.0f}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    if importlib.util.find_spec("torch"):
        bench_torch(args.threads)
    if importlib.util.find_spec("tensorflow"):
        bench_keras(args.threads)


if __name__ == "__main__":
    main()
