"""The reference CNN in PyTorch, TensorFlow/Keras and ONNX Runtime, measured
like bench/model_bench.c, with whichever of them is installed (bench/.venv,
bench/setup-frameworks.sh). The project's build and tests never need them.

Prints "<framework>_<figure>: value" lines, framework torch, keras or ort:
  batch1_p50_us, batch1_p90_us   28x28x1 inference latency, one thread
  batch256_images_per_s          28x28x1 inference throughput (median)
  train_batch32_images_per_s     28x28x1 training, batch 32, Adam, cross-
                                 entropy from logits (median of windows)
  cifar_train_batch32_images_per_s   the same on 32x32x3
Keras trains with model.fit over an in-memory data set (its fastest loop);
PyTorch with the usual eager loop. ORT measures inference only.
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


def print_inference(prefix, p50, p90, batch256_seconds):
    print(f"{prefix}_batch1_p50_us: {p50 * 1e6:.1f}")
    print(f"{prefix}_batch1_p90_us: {p90 * 1e6:.1f}")
    print(f"{prefix}_batch256_images_per_s: {256 / batch256_seconds:.0f}")


# --------------------------------------------------------------------------
# TensorFlow / Keras
# --------------------------------------------------------------------------

def keras_model(tf, shape):
    layers = tf.keras.layers
    model = tf.keras.Sequential([
        tf.keras.Input(shape),
        layers.Conv2D(32, 3, activation="relu"), layers.MaxPooling2D(2),
        layers.Conv2D(64, 3, activation="relu"), layers.MaxPooling2D(2),
        layers.Conv2D(64, 3, activation="relu"), layers.Flatten(),
        layers.Dense(64, activation="relu"), layers.Dense(10)])
    model.compile(optimizer=tf.keras.optimizers.Adam(1e-3),
                  loss=tf.keras.losses.SparseCategoricalCrossentropy(
                      from_logits=True))
    return model


def keras_fit_images_per_s(tf, np, shape, steps=150, repeats=3):
    model = keras_model(tf, shape)
    images = np.random.rand(32 * steps, *shape).astype("float32")
    labels = (np.arange(32 * steps) % 10).astype("int32")
    model.fit(images, labels, batch_size=32, epochs=1, verbose=0)  # warm-up
    runs = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        model.fit(images, labels, batch_size=32, epochs=1, verbose=0,
                  shuffle=False)
        runs.append(time.perf_counter() - t0)
    return 32 * steps / statistics.median(runs)


def bench_keras(threads, one_thread_latency):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import numpy as np
    import tensorflow as tf
    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(threads)
    model = keras_model(tf, (28, 28, 1))
    infer = tf.function(lambda x: model(x, training=False))
    one = np.random.rand(1, 28, 28, 1).astype("float32")
    many = np.random.rand(256, 28, 28, 1).astype("float32")
    # TensorFlow fixes its thread pools at start-up, so the batch-1 latency
    # is measured at the run's thread count; run.sh runs a separate
    # one-thread process when it needs that figure.
    p50, p90 = latency_percentiles(lambda: infer(one).numpy())
    batch256 = median_seconds(lambda: infer(many).numpy(), 15)
    print_inference("keras", p50, p90, batch256)
    print(f"keras_train_batch32_images_per_s: "
          f"{keras_fit_images_per_s(tf, np, (28, 28, 1)):.0f}")
    print(f"keras_cifar_train_batch32_images_per_s: "
          f"{keras_fit_images_per_s(tf, np, (32, 32, 3)):.0f}")


# --------------------------------------------------------------------------
# PyTorch
# --------------------------------------------------------------------------

def torch_model(channels=1, size=28):
    from torch import nn
    flat = 64 * ((((size - 2) // 2 - 2) // 2) - 2) ** 2
    return nn.Sequential(
        nn.Conv2d(channels, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(64, 64, 3), nn.ReLU(), nn.Flatten(),
        nn.Linear(flat, 64), nn.ReLU(), nn.Linear(64, 10))


def torch_train_images_per_s(torch, channels, size):
    from torch import nn
    model = torch_model(channels, size)
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    loss_fn = nn.CrossEntropyLoss()
    images = torch.rand(32, channels, size, size)
    labels = torch.arange(32) % 10

    def step():
        optimizer.zero_grad()
        loss = loss_fn(model(images), labels)
        loss.backward()
        optimizer.step()

    for _ in range(3):
        step()
    return 32 / median_seconds(step, 9, 10)


def bench_torch(threads, one_thread_latency):
    import torch
    model = torch_model()
    model.eval()
    with torch.no_grad():
        one = torch.rand(1, 1, 28, 28)
        torch.set_num_threads(1 if one_thread_latency else threads)
        p50, p90 = latency_percentiles(lambda: model(one))
        torch.set_num_threads(threads)
        batch = torch.rand(256, 1, 28, 28)
        batch256 = median_seconds(lambda: model(batch), 15)
    print_inference("torch", p50, p90, batch256)
    print(f"torch_train_batch32_images_per_s: "
          f"{torch_train_images_per_s(torch, 1, 28):.0f}")
    print(f"torch_cifar_train_batch32_images_per_s: "
          f"{torch_train_images_per_s(torch, 3, 32):.0f}")
    return model


# --------------------------------------------------------------------------
# ONNX Runtime (inference), from the PyTorch model
# --------------------------------------------------------------------------

def bench_ort(threads, one_thread_latency, model, workdir):
    import numpy as np
    import onnxruntime as ort
    import torch
    path = os.path.join(workdir, "reference_cnn.onnx")
    torch.onnx.export(model, torch.rand(1, 1, 28, 28), path,
                      input_names=["images"], output_names=["logits"],
                      dynamic_axes={"images": {0: "batch"}}, dynamo=False)

    def session(n):
        options = ort.SessionOptions()
        options.intra_op_num_threads = n
        options.inter_op_num_threads = 1
        return ort.InferenceSession(path, options,
                                    providers=["CPUExecutionProvider"])

    one = np.random.rand(1, 1, 28, 28).astype("float32")
    many = np.random.rand(256, 1, 28, 28).astype("float32")
    latency_session = session(1 if one_thread_latency else threads)
    p50, p90 = latency_percentiles(
        lambda: latency_session.run(None, {"images": one}))
    throughput_session = session(threads)
    batch256 = median_seconds(
        lambda: throughput_session.run(None, {"images": many}), 15)
    print_inference("ort", p50, p90, batch256)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--one-thread-latency", action="store_true",
                        help="measure batch-1 latency on one thread")
    parser.add_argument("--only", choices=["torch", "keras", "ort"])
    parser.add_argument("--workdir", default="/tmp")
    args = parser.parse_args()
    has = lambda name: importlib.util.find_spec(name) is not None
    want = lambda name: args.only in (None, name)
    torch_model_for_ort = None
    if has("torch") and (want("torch") or want("ort")):
        if want("torch"):
            torch_model_for_ort = bench_torch(args.threads,
                                              args.one_thread_latency)
        else:
            torch_model_for_ort = torch_model().eval()
    if has("onnxruntime") and has("onnx") and torch_model_for_ort is not None \
            and want("ort"):
        bench_ort(args.threads, args.one_thread_latency, torch_model_for_ort,
                  args.workdir)
    if has("tensorflow") and want("keras"):
        bench_keras(args.threads, args.one_thread_latency)


if __name__ == "__main__":
    main()
