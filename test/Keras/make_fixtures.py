#!/usr/bin/env python3
"""Builds the Keras fixtures of cnnc's importer tests with real Keras.

Run it in the benchmark virtual environment (keras 3 + tensorflow, and
tf_keras for the tf.keras 2 fixtures; CI never runs it, the results are
committed):

    bench/.venv/bin/python test/Keras/make_fixtures.py

For every model it writes to test/Keras/Inputs/:

  <name>.keras / .h5 / .json   the model as Keras saves it
  <name>.expected.json         what Keras computes with it:
      input_shape, input       a fixed NHWC batch (row-major floats)
      labels                   class indices of that batch
      forward                  "logits": cnnc's forward equals Keras's
                               predict; "softmax": the model ends in a
                               softmax that the importer moves into the
                               loss (docs/keras.md), so softmax(forward)
                               equals predict
      predict                  model.predict(input), row-major
      train (optional)         one model.train_on_batch(input, labels):
          learning_rate, loss  the compiled learning rate, the batch loss
          params               every weight after the step, by cnnc's
                               parameter name (nested models' names first,
                               then layer/weight: "block/conv2d/kernel")

Weights are set to non-trivial values before saving (non-zero biases,
moving statistics away from 0 and 1), so every term of every layer shows.
Models with dropout get no `train` entry: their masks are random (a copy
with rate 0 carries the step). Models with BatchNormalization train with
SGD: the normalization cancels some gradients down to float32 rounding
noise (1e-6 of the largest), which Adam and RMSprop divide by their own
size and so turn into steps of any size; SGD's step is linear in the
gradient. The adaptive optimizers are checked on the other models.
"""

import json
import os
import sys
import zipfile

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import keras  # noqa: E402
from keras import layers  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "Inputs")
BATCH = 4


def is_model(layer):
    """A nested model, of Keras 3 or of tf.keras 2 (tf_keras)."""
    return hasattr(layer, "layers") and hasattr(layer, "inputs")


def short_name(weight):
    """The variable's own name: Keras 3's "kernel", tf.keras 2's
    "block/conv2d/kernel:0" cut to "kernel"."""
    return weight.name.split("/")[-1].split(":")[0]


def to_numpy(value):
    return np.asarray(value.numpy() if hasattr(value, "numpy") else
                      keras.ops.convert_to_numpy(value))


def param_names(model, prefix=""):
    """cnnc's parameter names of `model`'s weights, in model.weights order."""
    names = {}
    for layer in model.layers:
        if is_model(layer):
            names.update(param_names(layer, prefix + layer.name + "/"))
            continue
        for weight in layer.weights:
            name = short_name(weight)
            # tf.keras 2's DepthwiseConv2D kernel is Keras 3's (and cnnc's)
            # "kernel".
            if (type(layer).__name__ == "DepthwiseConv2D"
                    and name == "depthwise_kernel"):
                name = "kernel"
            names[id(weight)] = prefix + layer.name + "/" + name
    return names


def randomize(model, rng):
    """Non-trivial values for every weight (kernels small, BN stats off 0/1)."""
    for weight in model.weights:
        shape = tuple(weight.shape)
        name = short_name(weight)
        if name in ("gamma", "moving_variance"):
            value = rng.uniform(0.5, 1.5, shape)
        elif len(shape) >= 2:
            fan = np.prod(shape[:-1]) + shape[-1]
            limit = np.sqrt(6.0 / fan)
            value = rng.uniform(-limit, limit, shape)
        else:
            value = rng.uniform(-0.5, 0.5, shape)
        weight.assign(value.astype("float32"))


def ends_in_softmax(model):
    last = model.layers[-1]
    while is_model(last):
        last = last.layers[-1]
    config = last.get_config()
    if isinstance(last, layers.Softmax):
        return True
    return config.get("activation") == "softmax"


def from_logits(model):
    loss = getattr(model, "loss", None)
    if loss is None:
        return None
    if isinstance(loss, str):
        return False
    return bool(getattr(loss, "from_logits", False))


def save(model, name, ext, train=True, seed=0):
    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    randomize(model, rng)
    path = os.path.join(OUT, name + ext)
    if ext == ".json":
        with open(path, "w") as f:
            f.write(model.to_json())
    else:
        model.save(path)
    shape = (BATCH,) + tuple(model.input_shape[1:])
    x = rng.uniform(-1.0, 1.0, shape).astype("float32")
    classes = model.output_shape[-1]
    labels = rng.integers(0, classes, BATCH).astype("int32")
    softmax = ends_in_softmax(model) and from_logits(model) is not True
    expected = {
        "model": name + ext,
        "input_shape": list(shape),
        "input": x.ravel().tolist(),
        "labels": labels.tolist(),
        "forward": "softmax" if softmax else "logits",
        "predict": model.predict(x, verbose=0).ravel().tolist(),
    }
    if train:
        names = param_names(model)
        loss_name = type(model.loss).__name__ if not isinstance(
            model.loss, str) else model.loss
        y = labels
        if "Sparse" not in loss_name and "sparse" not in loss_name:
            y = keras.utils.to_categorical(labels, classes)
        lr = float(to_numpy(model.optimizer.learning_rate))
        loss = model.train_on_batch(x, y)
        expected["train"] = {
            "learning_rate": lr,
            "loss": float(np.asarray(loss).ravel()[0]),
            "params": {names[id(w)]: to_numpy(w).ravel()
                       .tolist() for w in model.weights},
        }
    with open(os.path.join(OUT, name + ".expected.json"), "w") as f:
        json.dump(expected, f, separators=(",", ":"))
    size = os.path.getsize(path)
    print(f"{name}{ext}: {size} bytes, {model.count_params()} parameters")


def sequential_basic():
    model = keras.Sequential([
        keras.Input((10, 10, 3)),
        layers.Conv2D(4, 3, activation="relu"),
        layers.MaxPooling2D(2),
        layers.Conv2D(6, (2, 2), padding="same", activation="tanh"),
        layers.AveragePooling2D(2, strides=1, padding="same"),
        layers.Flatten(),
        layers.Dense(8, activation="sigmoid"),
        layers.Dense(5, activation="softmax"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(0.01),
                  loss=keras.losses.SparseCategoricalCrossentropy())
    save(model, "sequential_basic", ".keras")


def conv_arguments():
    frozen = layers.Conv2D(5, (3, 2), strides=2, padding="same",
                           use_bias=False, name="frozen_conv")
    frozen.trainable = False
    model = keras.Sequential([
        keras.Input((11, 11, 2)),
        layers.ZeroPadding2D(((1, 2), (0, 1))),
        frozen,
        layers.Conv2D(4, 3, dilation_rate=2, activation="relu",
                      padding="same"),
        layers.MaxPooling2D(pool_size=(2, 3), strides=(1, 2), padding="same"),
        layers.ZeroPadding2D(1),
        layers.AveragePooling2D((3, 2), strides=(2, 1)),
        layers.GlobalMaxPooling2D(),
        layers.Dense(3, use_bias=False),
    ], name="conv_arguments")
    model.compile(
        optimizer=keras.optimizers.SGD(0.05, momentum=0.9, nesterov=True),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    save(model, "conv_arguments", ".keras", seed=1)


def functional_residual(ext=".keras", name="functional_residual"):
    x = keras.Input((8, 8, 4), name="image")
    y = layers.Conv2D(4, 3, padding="same", activation="relu")(x)
    y = layers.Conv2D(4, 3, padding="same")(y)
    z = layers.Add()([x, y])
    z = layers.Activation("relu")(z)
    w = layers.Conv2D(2, 1, name="projection")(x)
    c = layers.Concatenate()([z, w])
    g = layers.GlobalAveragePooling2D()(c)
    out = layers.Dense(3)(g)
    model = keras.Model(x, out, name="residual")
    model.compile(
        optimizer=keras.optimizers.RMSprop(0.01, rho=0.8, momentum=0.5,
                                           centered=True),
        loss=keras.losses.CategoricalCrossentropy(from_logits=True))
    save(model, name, ext, seed=2)


def nested(ext=".keras", name="nested"):
    block = keras.Sequential([
        layers.Conv2D(4, 3, padding="same", activation="relu"),
        layers.Conv2D(4, 3, padding="same"),
    ], name="block")
    x = keras.Input((6, 6, 4))
    y = block(x)
    z = layers.Add()([x, y, x])
    head = keras.Sequential([
        layers.GlobalAveragePooling2D(keepdims=True),
        layers.Flatten(),
        layers.Dense(3, activation="softmax"),
    ], name="head")
    model = keras.Model(x, head(z), name="nested")
    model.compile(optimizer=keras.optimizers.AdamW(0.01, weight_decay=0.05),
                  loss="sparse_categorical_crossentropy")
    save(model, name, ext, seed=3)


def batch_norm():
    model = keras.Sequential([
        keras.Input((8, 8, 3)),
        layers.Conv2D(4, 3, use_bias=False),
        layers.BatchNormalization(momentum=0.9, epsilon=1e-2),
        layers.ReLU(),
        layers.Conv2D(4, 3, use_bias=False),
        layers.BatchNormalization(center=False, scale=False),
        layers.Flatten(),
        # Not a bare Dense: a bias right before BatchNormalization has no
        # gradient (the batch mean removes it), and Adam would turn the
        # rounding noise of that zero into a step.
        layers.Dense(6, activation="tanh"),
        layers.BatchNormalization(axis=-1, center=False),
        layers.Dense(3),
    ])
    model.compile(optimizer=keras.optimizers.SGD(0.05),
                  loss=keras.losses.MeanSquaredError())
    save(model, "batch_norm", ".keras", seed=4)


def depthwise():
    model = keras.Sequential([
        keras.Input((9, 9, 3)),
        layers.DepthwiseConv2D(3, depth_multiplier=2, padding="same",
                               activation="relu"),
        layers.DepthwiseConv2D((2, 2), strides=2, use_bias=False),
        layers.SeparableConv2D(5, 3, padding="same", activation="relu",
                               depth_multiplier=2),
        layers.SeparableConv2D(4, 2, dilation_rate=2, use_bias=False),
        layers.GlobalAveragePooling2D(),
        layers.Dense(3),
    ])
    model.compile(optimizer=keras.optimizers.SGD(0.1),
                  loss=keras.losses.SparseCategoricalCrossentropy(
                      from_logits=True))
    save(model, "depthwise", ".keras", seed=5)


def activations():
    model = keras.Sequential([
        keras.Input((6, 6, 2)),
        layers.Conv2D(4, 3, activation="elu"),
        layers.ReLU(max_value=6.0),
        layers.Conv2D(4, 1, activation="selu"),
        layers.LeakyReLU(negative_slope=0.1),
        layers.ELU(alpha=0.5),
        layers.Activation("swish"),
        layers.Conv2D(4, 1, activation="gelu"),
        layers.Activation("softplus"),
        layers.Activation("hard_sigmoid"),
        layers.Flatten(),
        layers.Dense(6, activation="relu6"),
        layers.Activation("hard_silu"),
        layers.Dense(4, activation="leaky_relu"),
        layers.Dense(3),
        layers.Softmax(),
    ])
    model.compile(optimizer=keras.optimizers.Adam(0.01),
                  loss=keras.losses.SparseCategoricalCrossentropy())
    save(model, "activations", ".keras", seed=6)


def dropout_rescaling():
    model = keras.Sequential([
        keras.Input((8, 8, 3)),
        layers.Rescaling(0.5, offset=-1.0),
        layers.Conv2D(4, 3, activation="relu"),
        layers.Dropout(0.25),
        layers.Flatten(),
        layers.Dense(8, activation="relu"),
        layers.Dropout(0.5, seed=7),
        layers.Dense(3),
    ])
    model.compile(optimizer="adam",
                  loss=keras.losses.SparseCategoricalCrossentropy(
                      from_logits=True))
    save(model, "dropout_rescaling", ".keras", train=False, seed=7)


def rescaling():
    """Rescaling in front and between layers, so its gradient counts."""
    model = keras.Sequential([
        keras.Input((7, 7, 2)),
        layers.Rescaling(1.0 / 255),
        layers.Conv2D(3, 3, activation="relu"),
        layers.Rescaling(2.0, offset=0.5),
        layers.Flatten(),
        layers.Dense(4),
    ])
    model.compile(optimizer=keras.optimizers.Adam(0.01),
                  loss=keras.losses.SparseCategoricalCrossentropy(
                      from_logits=True))
    save(model, "rescaling", ".keras", seed=10)


def cifar_style(rate=0.25, name="cifar_style"):
    """Conv-BN-ReLU-MaxPool-Dropout-GAP-Dense, the CIFAR-10 pattern.

    Keras's train_on_batch draws dropout masks from TensorFlow's generator,
    which cnnc's (Philox, docs/training.md) does not reproduce: the model
    with dropout gets forward only, and a copy with rate=0 (same weights,
    the same layers otherwise) carries the training step.
    """
    model = keras.Sequential([
        keras.Input((8, 8, 3)),
        layers.Conv2D(4, 3, padding="same", use_bias=False),
        layers.BatchNormalization(),
        layers.ReLU(),
        layers.Conv2D(4, 3, padding="same", use_bias=False),
        layers.BatchNormalization(momentum=0.9, epsilon=1e-5),
        layers.Activation("relu"),
        layers.MaxPooling2D(2),
        layers.Dropout(rate, seed=3),
        layers.Conv2D(6, 3, padding="same", activation="relu"),
        layers.BatchNormalization(scale=False),
        layers.GlobalAveragePooling2D(),
        layers.Dropout(rate),
        layers.Dense(3, activation="softmax"),
    ], name=name)
    model.compile(optimizer=keras.optimizers.SGD(0.1, momentum=0.9),
                  loss=keras.losses.SparseCategoricalCrossentropy())
    save(model, name, ".keras", train=rate == 0.0, seed=11)


def cifar_style_train():
    cifar_style(0.0, "cifar_style_train")


def mobilenet_style():
    """MobileNet blocks: strided conv, depthwise and pointwise convolutions
    without bias, each followed by BatchNormalization and ReLU6 (as
    keras.applications.MobileNet writes them), a padded strided depthwise
    convolution with depth_multiplier 2, a SeparableConv2D, and a 1x1
    convolution as the classifier."""
    model = keras.Sequential([
        keras.Input((10, 10, 3)),
        layers.Rescaling(1.0 / 127.5, offset=-1.0),
        layers.Conv2D(4, 3, strides=2, padding="same", use_bias=False),
        layers.BatchNormalization(),
        layers.ReLU(6.0),
        layers.DepthwiseConv2D(3, padding="same", use_bias=False),
        layers.BatchNormalization(momentum=0.9),
        layers.ReLU(max_value=6.0),
        layers.Conv2D(6, 1, use_bias=False),
        layers.BatchNormalization(epsilon=1e-2),
        layers.Activation("relu6"),
        layers.ZeroPadding2D(((0, 1), (0, 1))),
        layers.DepthwiseConv2D(3, strides=2, depth_multiplier=2,
                               use_bias=False),
        layers.BatchNormalization(center=False),
        layers.ReLU(6.0),
        layers.SeparableConv2D(5, 3, padding="same", activation="relu6"),
        layers.GlobalAveragePooling2D(keepdims=True),
        layers.Conv2D(3, 1),
        layers.Flatten(),
    ], name="mobilenet_style")
    model.compile(
        optimizer=keras.optimizers.SGD(0.05, momentum=0.5),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    save(model, "mobilenet_style", ".keras", seed=12)


def functional_blocks():
    """A Functional model: a padded stem with BatchNormalization, a
    residual block (Add), an Inception-like block (Concatenate of a 1x1
    convolution, a depthwise convolution and a pooling branch), global
    average and maximum pooling joined by Concatenate, BatchNormalization
    of a rank-2 tensor and a dense head."""
    x = keras.Input((7, 7, 3))
    y = layers.ZeroPadding2D(1)(x)
    y = layers.Conv2D(4, 3, use_bias=False)(y)
    y = layers.BatchNormalization()(y)
    y = layers.ReLU()(y)
    r = layers.Conv2D(4, 3, padding="same", use_bias=False)(y)
    r = layers.BatchNormalization()(r)
    r = layers.Activation("relu")(r)
    r = layers.Conv2D(4, 3, padding="same")(r)
    y = layers.Add()([y, r])
    y = layers.ReLU()(y)
    a = layers.Conv2D(2, 1, activation="relu")(y)
    b = layers.DepthwiseConv2D(3, padding="same", activation="tanh")(y)
    c = layers.MaxPooling2D(3, strides=1, padding="same")(y)
    y = layers.Concatenate()([a, b, c])
    g = layers.Concatenate()([layers.GlobalAveragePooling2D()(y),
                              layers.GlobalMaxPooling2D()(y)])
    g = layers.BatchNormalization(momentum=0.8)(g)
    out = layers.Dense(3)(g)
    model = keras.Model(x, out, name="functional_blocks")
    model.compile(
        optimizer=keras.optimizers.SGD(0.1),
        loss=keras.losses.CategoricalCrossentropy(from_logits=True))
    save(model, "functional_blocks", ".keras", seed=13)


def frozen_batch_norm():
    """A frozen BatchNormalization between trainable convolutions: Keras
    uses the batch statistics only `if training and self.trainable`, so
    the frozen layer normalizes with its moving statistics in training too
    and the gradient flows through them. The nested block is called with
    training=False, which Keras 3's fit replaces by training=True
    (keras/src/models/functional.py, operation_fn): its
    BatchNormalization trains as usual."""
    frozen = layers.BatchNormalization(momentum=0.9, name="frozen_bn")
    frozen.trainable = False
    block = keras.Sequential([
        layers.Conv2D(4, 3, padding="same", use_bias=False),
        layers.BatchNormalization(epsilon=1e-2),
        layers.ReLU(),
    ], name="block")
    x = keras.Input((8, 8, 3))
    y = layers.Conv2D(4, 3)(x)
    y = frozen(y)
    y = layers.ReLU()(y)
    y = block(y, training=False)
    y = layers.GlobalAveragePooling2D()(y)
    out = layers.Dense(3)(y)
    model = keras.Model(x, out, name="frozen_batch_norm")
    model.compile(
        optimizer=keras.optimizers.SGD(0.1),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    save(model, "frozen_batch_norm", ".keras", seed=14)


def fine_tuning():
    """The transfer-learning recipe of Keras's guide: a (pretrained) base
    frozen with base.trainable = False and called with training=False,
    and a new head trained with Adam."""
    base = keras.Sequential([
        keras.Input((8, 8, 3)),
        layers.Conv2D(4, 3, strides=2, padding="same", use_bias=False),
        layers.BatchNormalization(),
        layers.ReLU(6.0),
        layers.DepthwiseConv2D(3, padding="same", use_bias=False),
        layers.BatchNormalization(),
        layers.ReLU(6.0),
    ], name="base")
    base.trainable = False
    x = keras.Input((8, 8, 3))
    y = base(x, training=False)
    y = layers.GlobalAveragePooling2D()(y)
    out = layers.Dense(3)(y)
    model = keras.Model(x, out, name="fine_tuning")
    model.compile(
        optimizer=keras.optimizers.Adam(0.01),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    save(model, "fine_tuning", ".keras", seed=15)


def augmentation():
    """The random preprocessing and noise layers of Keras's image
    classification tutorial inside the model: the identity in predict (no
    `train` entry: Keras's step is random)."""
    model = keras.Sequential([
        keras.Input((8, 8, 3)),
        layers.RandomFlip("horizontal"),
        layers.RandomTranslation(0.1, 0.1),
        layers.RandomRotation(0.1),
        layers.RandomZoom(0.2),
        layers.RandomContrast(0.2),
        layers.RandomBrightness(0.1),
        layers.Rescaling(1.0 / 255),
        layers.Conv2D(4, 3, activation="relu"),
        layers.GaussianNoise(0.1),
        layers.Flatten(),
        layers.GaussianDropout(0.2),
        layers.Dense(3),
    ], name="augmentation")
    model.compile(optimizer="adam",
                  loss=keras.losses.SparseCategoricalCrossentropy(
                      from_logits=True))
    save(model, "augmentation", ".keras", train=False, seed=20)


def fine_tuning_fashion():
    """Fine-tuning at Fashion-MNIST's shape (test/cnnc-train/weights.test):
    a frozen base (Conv2D, BatchNormalization, ReLU, MaxPooling2D) and a
    new Dense head; cnnc-train --weights must leave the base's weights and
    moving statistics bit for bit as saved."""
    base = keras.Sequential([
        keras.Input((28, 28, 1)),
        layers.Conv2D(8, 3, use_bias=False),
        layers.BatchNormalization(),
        layers.ReLU(),
        layers.MaxPooling2D(2),
    ], name="base")
    base.trainable = False
    x = keras.Input((28, 28, 1))
    y = layers.GlobalAveragePooling2D()(base(x, training=False))
    out = layers.Dense(10)(y)
    model = keras.Model(x, out, name="fine_tuning_fashion")
    model.compile(
        optimizer=keras.optimizers.Adam(0.01),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    save(model, "fine_tuning_fashion", ".keras", seed=19)


def tf_keras_training_call():
    """tf.keras 2 (the tf_keras package), saved as HDF5: unlike Keras 3 it
    honours a call's training=False in fit, so the nested block's
    BatchNormalization normalizes with its moving statistics (which stay)
    while its gamma and beta train, and its Dropout passes its input
    through; a frozen BatchNormalization runs in inference mode."""
    import tf_keras
    tl = tf_keras.layers
    tf_keras.backend.clear_session()
    frozen = tl.BatchNormalization(momentum=0.9, name="frozen_bn")
    frozen.trainable = False
    block = tf_keras.Sequential([
        tl.Conv2D(4, 3, padding="same", use_bias=False),
        tl.BatchNormalization(epsilon=1e-2),
        tl.ReLU(),
        tl.Dropout(0.5),
    ], name="block")
    x = tf_keras.Input((8, 8, 3))
    y = tl.Conv2D(4, 3)(x)
    y = tl.ReLU()(frozen(y))
    y = block(y, training=False)
    y = tl.GlobalAveragePooling2D()(y)
    out = tl.Dense(3)(y)
    model = tf_keras.Model(x, out, name="tf_keras_training_call")
    model.compile(
        optimizer=tf_keras.optimizers.SGD(0.1),
        loss=tf_keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    save(model, "tf_keras_training_call", ".h5", seed=16)


def tf_keras_mobilenet():
    """MobileNet-style blocks written with tf.keras 2 and saved as HDF5,
    the format most older models come in: weights under tf.keras's names
    ("batch_normalization/gamma:0"), Rescaling, depthwise and separable
    convolutions, ReLU(6), BatchNormalization and a Dropout of rate 0 (a
    random one would make the step incomparable)."""
    import tf_keras
    tl = tf_keras.layers
    tf_keras.backend.clear_session()
    model = tf_keras.Sequential([
        tf_keras.Input((10, 10, 3)),
        tl.Rescaling(1.0 / 127.5, offset=-1.0),
        tl.Conv2D(4, 3, strides=2, padding="same", use_bias=False),
        tl.BatchNormalization(),
        tl.ReLU(6.0),
        tl.DepthwiseConv2D(3, padding="same", use_bias=False,
                           depth_multiplier=2),
        tl.BatchNormalization(momentum=0.9),
        tl.ReLU(max_value=6.0),
        tl.SeparableConv2D(5, 3, padding="same", activation="relu"),
        tl.MaxPooling2D(2),
        tl.Dropout(0.0),
        tl.Flatten(),
        tl.Dense(3, activation="softmax"),
    ], name="tf_keras_mobilenet")
    model.compile(optimizer=tf_keras.optimizers.SGD(0.05, momentum=0.5),
                  loss="sparse_categorical_crossentropy")
    save(model, "tf_keras_mobilenet", ".h5", seed=17)


def tf_keras_functional():
    """A tf.keras 2 Functional model in tf.keras's own .keras format: a
    residual Add, Concatenate, global poolings, LeakyReLU and Adam."""
    import tf_keras
    tl = tf_keras.layers
    tf_keras.backend.clear_session()
    x = tf_keras.Input((6, 6, 2))
    y = tl.Conv2D(4, 3, padding="same", activation="relu")(x)
    z = tl.Conv2D(4, 3, padding="same")(y)
    z = tl.LeakyReLU(0.1)(tl.Add()([y, z]))
    c = tl.Concatenate()([tl.GlobalAveragePooling2D()(z),
                          tl.GlobalMaxPooling2D()(z)])
    out = tl.Dense(3)(tl.Dense(6, activation="tanh")(c))
    model = tf_keras.Model(x, out, name="tf_keras_functional")
    model.compile(
        optimizer=tf_keras.optimizers.Adam(0.01),
        loss=tf_keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    save(model, "tf_keras_functional", ".keras", seed=18)


def legacy_sequential():
    model = keras.Sequential([
        keras.Input((8, 8, 1)),
        layers.Conv2D(3, 3, activation="relu"),
        layers.MaxPooling2D(2),
        layers.Flatten(),
        layers.Dense(4, activation="softmax"),
    ], name="legacy")
    model.compile(optimizer=keras.optimizers.Adam(0.01),
                  loss="sparse_categorical_crossentropy")
    save(model, "legacy_sequential", ".h5", seed=8)


def architecture_json():
    model = keras.Sequential([
        keras.Input((12, 12, 1)),
        layers.Conv2D(8, 3, activation="relu",
                      kernel_initializer="he_normal"),
        layers.MaxPooling2D(2),
        layers.Flatten(),
        layers.Dense(10, kernel_initializer="lecun_uniform",
                     bias_initializer="ones"),
    ], name="architecture")
    save(model, "architecture", ".json", train=False, seed=9)


def seed_model():
    """The project's seed model, exactly as its Keras code writes it."""
    model = keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(32, (3, 3), activation="relu"),
        layers.MaxPooling2D((2, 2)),
        layers.Conv2D(64, (3, 3), activation="relu"),
        layers.MaxPooling2D((2, 2)),
        layers.Conv2D(64, (3, 3), activation="relu"),
        layers.Flatten(),
        layers.Dense(64, activation="relu"),
        layers.Dense(10),
    ])
    model.compile(
        optimizer="adam",
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"])
    # The archive Keras writes stores model.weights.h5 uncompressed: with
    # the 93,322 initial weights it is 380 KB. cnnc-train initializes the
    # parameters itself (the same initializers), so the weights are set to
    # zeros and the archive is rewritten with deflate (the members are
    # Keras's bytes; Keras and cnnc read either compression): about 10 KB.
    # The architecture alone also goes to seed.json (model.to_json()).
    for weight in model.weights:
        weight.assign(np.zeros(weight.shape, "float32"))
    path = os.path.join(OUT, "seed.keras")
    model.save(path)
    with zipfile.ZipFile(path) as z:
        members = [(info, z.read(info)) for info in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in members:
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    print(f"seed.keras: {os.path.getsize(path)} bytes")
    path = os.path.join(OUT, "seed.json")
    config = json.loads(model.to_json())
    with open(path, "w") as f:
        json.dump(config, f, indent=1)
    print(f"seed.json: {os.path.getsize(path)} bytes")


def rewrite_member(source, target, member, edit):
    """Copies the archive `source` to `target` with `member` edited."""
    with zipfile.ZipFile(os.path.join(OUT, source)) as z:
        members = [(info, z.read(info)) for info in z.infolist()]
    with zipfile.ZipFile(os.path.join(OUT, target), "w") as z:
        for info, data in members:
            z.writestr(info, edit(data) if info.filename == member else data)


def write_json(name, config):
    with open(os.path.join(OUT, name), "w") as f:
        json.dump(config, f, indent=1)


def bad_inputs():
    """Inputs of the importer's error tests (test/Keras/errors.test).

    Architectures come from real Keras (model.to_json()); the damaged
    archives are real fixtures with one member edited.
    """
    # A weight of the wrong shape: the config says 4 filters, the saved
    # kernel has 3.
    rewrite_member("rescaling.keras", "bad_weight_shape.keras", "config.json",
                   lambda data: data.replace(b'"filters": 3', b'"filters": 4'))
    # A damaged HDF5 file inside an intact zip.
    rewrite_member("rescaling.keras", "bad_hdf5.keras", "model.weights.h5",
                   lambda data: data[:len(data) // 3])

    def arch(name, stack):
        """model.to_json() of keras.Input((8, 8, 3)) then stack() (called
        after clear_session, so layer names do not depend on what ran
        before)."""
        keras.backend.clear_session()
        model = keras.Sequential([keras.Input((8, 8, 3))] + stack(),
                                 name=name)
        return json.loads(model.to_json())

    def head():
        return [layers.Flatten(), layers.Dense(2)]

    write_json("bad_unknown_layer.json",
               arch("unknown", lambda: [layers.Conv2DTranspose(4, 3)] + head()))
    write_json("bad_channels_first.json",
               arch("channels_first", lambda: [
                   layers.Conv2D(4, 3, data_format="channels_first")] + head()))
    write_json("bad_dtype.json",
               arch("half", lambda: [layers.Conv2D(4, 3, dtype="float16")] +
                    head()))
    write_json("bad_activation.json",
               arch("mish", lambda: [layers.Conv2D(4, 3, activation="mish")] +
                    head()))

    # tf.keras 2 honours training=True: training behaviour in predict too.
    import tf_keras
    tl = tf_keras.layers
    tf_keras.backend.clear_session()
    x = tf_keras.Input((8, 8, 3))
    y = tl.Dropout(0.5)(tl.Conv2D(4, 3)(x), training=True)
    model = tf_keras.Model(x, tl.Dense(2)(tl.Flatten()(y)),
                           name="training_call")
    write_json("bad_training_call.json", json.loads(model.to_json()))
    write_json("bad_rescaling.json",
               arch("per_channel",
                    lambda: [layers.Rescaling([0.5, 0.25, 2.0])] + head()))
    # Bad JSON types: a string where Keras writes an integer, a list of
    # the wrong length.
    config = arch("types", lambda: [layers.Conv2D(4, 3)] + head())
    config["config"]["layers"][1]["config"]["filters"] = "four"
    write_json("bad_json_type.json", config)
    config = arch("strides", lambda: [layers.Conv2D(4, 3)] + head())
    config["config"]["layers"][1]["config"]["strides"] = [1, 1, 1]
    write_json("bad_json_list.json", config)
    print("bad_*: written")


def main():
    os.makedirs(OUT, exist_ok=True)
    builders = [sequential_basic, conv_arguments, functional_residual,
                nested, batch_norm, depthwise, activations, dropout_rescaling,
                rescaling, cifar_style, cifar_style_train, mobilenet_style,
                functional_blocks, frozen_batch_norm, fine_tuning,
                augmentation, fine_tuning_fashion, tf_keras_training_call,
                tf_keras_mobilenet,
                tf_keras_functional,
                legacy_sequential, architecture_json,
                seed_model]
    only = set(sys.argv[1:])
    for build in builders:
        if not only or build.__name__ in only:
            # Fresh automatic names (conv2d, conv2d_1, ...) for every model.
            keras.backend.clear_session()
            build()
    if not only or "legacy_nested" in only:
        keras.backend.clear_session()
        nested(".h5", "legacy_nested")
    # Last: it edits fixtures written above.
    if not only or "bad_inputs" in only:
        bad_inputs()


if __name__ == "__main__":
    main()
