"""The modern examples (examples/modern_cnn_28x28.mlir: Conv-BN-ReLU blocks,
MaxPool, Dropout, GAP, Dense; examples/mobilenet_28x28.mlir: depthwise-
separable blocks with BN and ReLU6) in PyTorch eager (channels_last, cnnc's
layout) and Keras 3 (model.fit), training at batch 32 with Adam, measured
like bench/frameworks.py: images/s from the median of windows of steps.

  python bench/modern_frameworks.py THREADS
"""

import os
import statistics
import sys
import time

MOBILENET_BLOCKS = [(64, 1), (128, 2), (128, 1), (256, 2)]


def median_seconds(run, repeats, per_window=1):
    run()
    windows = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(per_window):
            run()
        windows.append((time.perf_counter() - t0) / per_window)
    return statistics.median(windows)


def torch_models():
    from torch import nn

    def conv_bn(cin, cout, k=3, stride=1, groups=1, act=nn.ReLU):
        return [nn.Conv2d(cin, cout, k, stride=stride, padding=k // 2,
                          groups=groups, bias=False),
                nn.BatchNorm2d(cout, eps=1e-3, momentum=0.01), act()]

    modern = nn.Sequential(
        *conv_bn(1, 32), nn.MaxPool2d(2), nn.Dropout(0.25),
        *conv_bn(32, 64), *conv_bn(64, 64), nn.MaxPool2d(2), nn.Dropout(0.25),
        *conv_bn(64, 128), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        nn.Dropout(0.3), nn.Linear(128, 10))
    layers = conv_bn(1, 32, act=nn.ReLU6)
    channels = 32
    for filters, stride in MOBILENET_BLOCKS:
        layers += conv_bn(channels, channels, stride=stride, groups=channels,
                          act=nn.ReLU6)
        layers += conv_bn(channels, filters, k=1, act=nn.ReLU6)
        channels = filters
    mobilenet = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                              nn.Dropout(0.2), nn.Linear(channels, 10))
    return {"modern": modern, "mobilenet": mobilenet}


def bench_torch(threads):
    import torch
    torch.set_num_threads(threads)
    for name, model in torch_models().items():
        model = model.to(memory_format=torch.channels_last)
        model.train()
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
        loss_fn = torch.nn.CrossEntropyLoss()
        images = torch.rand(32, 1, 28, 28).to(memory_format=torch.channels_last)
        labels = torch.arange(32) % 10

        def step():
            optimizer.zero_grad()
            loss_fn(model(images), labels).backward()
            optimizer.step()

        for _ in range(3):
            step()
        print(f"torch_{name}_train_batch32_images_per_s: "
              f"{32 / median_seconds(step, 7, 5):.0f}")


def keras_models(keras):
    from keras import layers

    def conv_bn(x, filters, k=3, act="relu"):
        x = layers.Conv2D(filters, k, padding="same", use_bias=False)(x)
        return layers.Activation(act)(layers.BatchNormalization()(x))

    inputs = keras.Input((28, 28, 1))
    x = layers.Dropout(0.25)(layers.MaxPooling2D()(conv_bn(inputs, 32)))
    x = conv_bn(conv_bn(x, 64), 64)
    x = layers.Dropout(0.25)(layers.MaxPooling2D()(x))
    x = layers.GlobalAveragePooling2D()(conv_bn(x, 128))
    modern = keras.Model(inputs, layers.Dense(10)(layers.Dropout(0.3)(x)))

    x = conv_bn(inputs, 32, act="relu6")
    for filters, stride in MOBILENET_BLOCKS:
        x = layers.DepthwiseConv2D(3, strides=stride, padding="same",
                                   use_bias=False)(x)
        x = layers.Activation("relu6")(layers.BatchNormalization()(x))
        x = conv_bn(x, filters, k=1, act="relu6")
    x = layers.Dropout(0.2)(layers.GlobalAveragePooling2D()(x))
    mobilenet = keras.Model(inputs, layers.Dense(10)(x))
    return {"modern": modern, "mobilenet": mobilenet}


def bench_keras(threads):
    import numpy as np
    import tensorflow as tf
    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    import keras
    for name, model in keras_models(keras).items():
        model.compile(optimizer=keras.optimizers.Adam(1e-3),
                      loss=keras.losses.SparseCategoricalCrossentropy(
                          from_logits=True))
        steps = 60
        x = np.random.rand(32 * steps, 28, 28, 1).astype("float32")
        y = (np.arange(32 * steps) % 10).astype("int32")
        model.fit(x[:64], y[:64], batch_size=32, epochs=1, verbose=0)
        seconds = median_seconds(
            lambda: model.fit(x, y, batch_size=32, epochs=1, verbose=0), 3)
        print(f"keras_{name}_train_batch32_images_per_s: "
              f"{32 * steps / seconds:.0f}")


def main():
    threads = int(sys.argv[1]) if len(sys.argv) > 1 else os.cpu_count()
    bench_torch(threads)
    bench_keras(threads)


if __name__ == "__main__":
    main()
