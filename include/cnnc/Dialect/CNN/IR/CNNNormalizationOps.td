//===- CNNNormalizationOps.td - batch normalization, dropout -*- tablegen -*-===//
//
// BatchNormalization and Dropout: the layers whose training behaviour
// differs from their inference behaviour (LayerOpInterface's
// hasTrainingBehavior), their training forms, gradients and the moving
// average of model state, plus the per-channel folding of inference batch
// normalization into the layer before it. Included from CNNOps.td.
//
//===----------------------------------------------------------------------===//

#ifndef CNNC_DIALECT_CNN_IR_CNNNORMALIZATIONOPS_TD
#define CNNC_DIALECT_CNN_IR_CNNNORMALIZATIONOPS_TD

/// The type of a per-channel tensor of `$_self` (a tensor whose last
/// dimension is the channel): `tensor<Cxf32>`. Any other type maps to
/// itself, so that the op verifier reports the bad operand instead.
defvar CNN_ChannelTypeOf = [{
  [](::mlir::Type type) -> ::mlir::Type {
    auto tensor = ::llvm::dyn_cast<::mlir::RankedTensorType>(type);
    if (!tensor || tensor.getRank() == 0)
      return type;
    return ::mlir::RankedTensorType::get({tensor.getShape().back()},
                                         tensor.getElementType());
  }($_self)
}];

/// `operand`'s type is the per-channel type of `source`.
class CNN_PerChannelOf<string source, string operand>
    : OptionalTypesMatchWith<operand # " has one element per channel of "
                             # source, source, operand, CNN_ChannelTypeOf>;

/// `operand` has the type of `source`.
class CNN_SameTypeAs<string source, string operand>
    : OptionalTypesMatchWith<operand # " has the type of " # source, source,
                             operand, "$_self">;

//===----------------------------------------------------------------------===//
// cnn.batch_norm
//===----------------------------------------------------------------------===//

def CNN_BatchNormOp : CNN_LayerOp<"batch_norm",
    [Pure, InferTypeOpAdaptor, AttrSizedOperandSegments,
     CNN_PerChannelOf<"input", "moving_mean">,
     CNN_PerChannelOf<"input", "moving_variance">,
     CNN_PerChannelOf<"input", "gamma">, CNN_PerChannelOf<"input", "beta">],
    ["hasTrainingBehavior", "buildTrainingForm"]> {
  let summary = "batch normalization over the last axis (Keras BatchNormalization)";
  let description = [{
    Keras 3 `BatchNormalization(axis=-1)` on an NHWC `[N, H, W, C]` or a
    `[N, C]` batch. `gamma` (Keras `scale=True`) and `beta` (`center=True`)
    are optional; `moving_mean` and `moving_variance` are model state, so
    in a model function they must be `cnn.param ... trainable = false`.
    Defaults as Keras: `epsilon = 1e-3`, `momentum = 0.99`.

    Inference (`forward`, `evaluate`; Keras `training=False`) normalizes
    with the moving statistics, as `ops.batch_normalization` does:

        inv = gamma / sqrt(moving_variance + epsilon)
        y   = x * inv + (beta - moving_mean * inv)

    Training (`train_step`; Keras `training=True`) is the training form
    `cnn.batch_norm_train`: it normalizes with the statistics of the batch,
    `mean` and `variance = mean((x - mean)^2)` over every axis but the last
    (`ops.moments`: the *biased* variance), and the step then updates the
    state with `cnn.moving_average`:

        moving_mean     = moving_mean * momentum + mean * (1 - momentum)
        moving_variance = moving_variance * momentum + variance * (1 - momentum)

    (keras/src/layers/normalization/batch_normalization.py, `call`;
    keras/src/backend/numpy/nn.py, `moments` and `batch_normalization`).
    No gradient flows into the moving statistics. `cnn-fold-batch-norm`
    folds the inference form into a preceding conv2d or dense.

    `inference_mode` keeps the inference form in training too: the layer
    normalizes with the moving statistics and leaves them unchanged, and
    its gradient treats them as constants (`cnn.batch_norm_grad
    fixed_statistics`). This is Keras's frozen layer (`trainable=False`,
    the layer's or an enclosing model's: keras/src/layers/normalization/
    batch_normalization.py, `call`, `if training and self.trainable`) and
    a layer called with `training=False`, the fine-tuning pattern of a
    frozen base model. `gamma` and `beta` still get gradients; make them
    `trainable = false` for a frozen layer.

    Example:

    ```mlir
    %gamma = cnn.param "bn/gamma" init = ones : tensor<32xf32>
    %beta = cnn.param "bn/beta" : tensor<32xf32>
    %mean = cnn.param "bn/moving_mean" trainable = false : tensor<32xf32>
    %var = cnn.param "bn/moving_variance" init = ones trainable = false
        : tensor<32xf32>
    %y = cnn.batch_norm %x, %mean, %var gamma = %gamma beta = %beta
        : tensor<?x26x26x32xf32>
    %z = cnn.batch_norm %d, %m2, %v2 epsilon = 1.000000e-05
        momentum = 9.000000e-01 : tensor<?x64xf32>
    %f = cnn.batch_norm %x, %mean, %var gamma = %gamma beta = %beta
        inference_mode : tensor<?x26x26x32xf32>
    ```
  }];
  let arguments = (ins
    CNN_Tensor:$input,
    CNN_Tensor1D:$moving_mean,
    CNN_Tensor1D:$moving_variance,
    Optional<CNN_Tensor1D>:$gamma,
    Optional<CNN_Tensor1D>:$beta,
    DefaultValuedAttr<F64Attr, "1e-3">:$epsilon,
    DefaultValuedAttr<F64Attr, "0.99">:$momentum,
    UnitAttr:$inference_mode);
  let results = (outs CNN_Tensor:$output);
  let assemblyFormat = [{
    $input `,` $moving_mean `,` $moving_variance
    (`gamma` `=` $gamma^)? (`beta` `=` $beta^)?
    (`epsilon` `=` $epsilon^)? (`momentum` `=` $momentum^)?
    (`inference_mode` $inference_mode^)? attr-dict `:` type($input)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// cnn.batch_norm_train, cnn.batch_norm_grad, cnn.moving_average
//===----------------------------------------------------------------------===//

def CNN_BatchNormTrainOp : CNN_Op<"batch_norm_train",
    [Pure, AttrSizedOperandSegments, AllTypesMatch<["input", "output"]>,
     CNN_PerChannelOf<"input", "gamma">, CNN_PerChannelOf<"input", "beta">,
     CNN_PerChannelOf<"input", "batch_mean">,
     CNN_PerChannelOf<"input", "batch_variance">,
     DeclareOpInterfaceMethods<CNN_DifferentiableOpInterface>]> {
  let summary = "training form of batch normalization: batch statistics";
  let description = [{
    What `cnn.batch_norm` computes in training mode: per channel `c`, over
    the `M = N * H * W` (or `N`) values of the batch,
    `batch_mean = sum(x) / M`, `batch_variance = sum((x - batch_mean)^2) / M`
    (biased, two passes) and
    `y = (x - batch_mean) / sqrt(batch_variance + epsilon) * gamma + beta`.
    An empty batch has mean and variance 0. Its gradient with respect to
    `x`, `gamma` and `beta` is `cnn.batch_norm_grad`; the statistics
    results feed only the state update and get no gradient.

    ```mlir
    %y, %mean, %var = cnn.batch_norm_train %x gamma = %g beta = %b
        epsilon = 1.000000e-03 : tensor<?x26x26x32xf32>
    ```
  }];
  let arguments = (ins CNN_Tensor:$input, Optional<CNN_Tensor1D>:$gamma,
                       Optional<CNN_Tensor1D>:$beta, F64Attr:$epsilon);
  let results = (outs CNN_Tensor:$output, CNN_Tensor1D:$batch_mean,
                      CNN_Tensor1D:$batch_variance);
  let assemblyFormat = [{
    $input (`gamma` `=` $gamma^)? (`beta` `=` $beta^)? `epsilon` `=` $epsilon
    attr-dict `:` type($input)
  }];
  let hasVerifier = 1;
}

def CNN_BatchNormGradOp : CNN_Op<"batch_norm_grad",
    [Pure, AllTypesMatch<["output_grad", "input", "input_grad"]>,
     CNN_PerChannelOf<"input", "batch_mean">,
     CNN_PerChannelOf<"input", "batch_variance">,
     CNN_PerChannelOf<"input", "gamma">,
     CNN_PerChannelOf<"input", "gamma_grad">,
     CNN_PerChannelOf<"input", "beta_grad">]> {
  let summary = "gradient of batch normalization";
  let description = [{
    With `xhat = (x - batch_mean) * r`, `r = 1 / sqrt(batch_variance +
    epsilon)` and `M` values per channel, the gradients of the training
    form `cnn.batch_norm_train` (the statistics depend on `x`):

        beta_grad  = sum(dy)
        gamma_grad = sum(dy * xhat)
        input_grad = gamma * r / M * (M * dy - beta_grad - xhat * gamma_grad)

    With `fixed_statistics`, the statistics are constants (the moving
    statistics of `cnn.batch_norm inference_mode`): `beta_grad` and
    `gamma_grad` are the same, and `input_grad = gamma * r * dy`.

    Sums run over every axis but the last; `gamma` absent means 1.

    ```mlir
    %dx, %dgamma, %dbeta = cnn.batch_norm_grad %dy, %x, %mean, %var
        gamma = %g epsilon = 1.000000e-03 : tensor<?x26x26x32xf32>
    %fx, %fgamma, %fbeta = cnn.batch_norm_grad %dy, %x, %moving_mean,
        %moving_var epsilon = 1.000000e-03 fixed_statistics
        : tensor<?x26x26x32xf32>
    ```
  }];
  let arguments = (ins CNN_Tensor:$output_grad, CNN_Tensor:$input,
                       CNN_Tensor1D:$batch_mean, CNN_Tensor1D:$batch_variance,
                       Optional<CNN_Tensor1D>:$gamma, F64Attr:$epsilon,
                       UnitAttr:$fixed_statistics);
  let results = (outs CNN_Tensor:$input_grad, CNN_Tensor1D:$gamma_grad,
                      CNN_Tensor1D:$beta_grad);
  let assemblyFormat = [{
    $output_grad `,` $input `,` $batch_mean `,` $batch_variance
    (`gamma` `=` $gamma^)? `epsilon` `=` $epsilon
    (`fixed_statistics` $fixed_statistics^)? attr-dict `:` type($input)
  }];
  let hasVerifier = 1;
}

def CNN_MovingAverageOp : CNN_Op<"moving_average",
    [Pure, AllTypesMatch<["moving", "batch_statistic", "result"]>]> {
  let summary = "moving * momentum + batch_statistic * (1 - momentum)";
  let description = [{
    The update of a BatchNormalization moving statistic (Keras:
    `moving * momentum + statistic * (1.0 - momentum)`, with `momentum` and
    `1 - momentum` rounded to f32 from the double attribute as Keras's
    Python floats are).

    ```mlir
    %new = cnn.moving_average %mean, %batch_mean momentum = 9.900000e-01
        : tensor<32xf32>
    ```
  }];
  let arguments = (ins CNN_Tensor1D:$moving, CNN_Tensor1D:$batch_statistic,
                       F64Attr:$momentum);
  let results = (outs CNN_Tensor1D:$result);
  let assemblyFormat = [{
    $moving `,` $batch_statistic `momentum` `=` $momentum attr-dict
    `:` type($moving)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// cnn.fold_batch_norm
//===----------------------------------------------------------------------===//

def CNN_FoldBatchNormOp : CNN_Op<"fold_batch_norm",
    [Pure, AttrSizedOperandSegments,
     AllTypesMatch<["kernel", "folded_kernel"]>,
     CNN_SameTypeAs<"moving_mean", "moving_variance">,
     CNN_SameTypeAs<"moving_mean", "bias">,
     CNN_SameTypeAs<"moving_mean", "gamma">,
     CNN_SameTypeAs<"moving_mean", "beta">,
     CNN_SameTypeAs<"moving_mean", "folded_bias">]> {
  let summary = "kernel and bias of a layer with inference batch norm folded in";
  let description = [{
    For `batch_norm(layer(x, kernel, bias))` in inference mode, with
    `scale = gamma / sqrt(moving_variance + epsilon)` per output channel:

        folded_kernel = kernel * scale          (per output channel)
        folded_bias   = (bias - moving_mean) * scale + beta

    so that `layer(x, folded_kernel, folded_bias)` computes the same
    (`bias`, `gamma`, `beta` absent mean 0, 1, 0). The output channel of a
    kernel element is its row-major index over the trailing kernel
    dimensions whose extents multiply to the channel count: the last
    dimension of an HWCF filter or a `[in, units]` dense kernel, the last
    two (`c * M + m`) of a depthwise `[KH, KW, C, M]` filter. Created by
    `cnn-fold-batch-norm`; a few per-channel operations per call.

    ```mlir
    %k2, %b2 = cnn.fold_batch_norm %k, %mean, %var bias = %b gamma = %g
        beta = %beta epsilon = 1.000000e-03
        : tensor<3x3x1x32xf32>, tensor<32xf32>
    ```
  }];
  let arguments = (ins CNN_Tensor:$kernel, CNN_Tensor1D:$moving_mean,
                       CNN_Tensor1D:$moving_variance,
                       Optional<CNN_Tensor1D>:$bias,
                       Optional<CNN_Tensor1D>:$gamma,
                       Optional<CNN_Tensor1D>:$beta, F64Attr:$epsilon);
  let results = (outs CNN_Tensor:$folded_kernel, CNN_Tensor1D:$folded_bias);
  let assemblyFormat = [{
    $kernel `,` $moving_mean `,` $moving_variance (`bias` `=` $bias^)?
    (`gamma` `=` $gamma^)? (`beta` `=` $beta^)? `epsilon` `=` $epsilon
    attr-dict `:` type($kernel) `,` type($moving_mean)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// How many trailing kernel dimensions hold the output channel (1 or
    /// 2), or std::nullopt when no trailing product equals it.
    std::optional<int64_t> getChannelDims();
  }];
}

//===----------------------------------------------------------------------===//
// cnn.dropout and cnn.dropout_train
//===----------------------------------------------------------------------===//

def CNN_DropoutOp : CNN_LayerOp<"dropout",
    [Pure, SameOperandsAndResultType],
    ["hasTrainingBehavior", "buildTrainingForm"]> {
  let summary = "inverted dropout (Keras Dropout)";
  let description = [{
    Keras 3 `Dropout(rate, seed=...)` on a `[N, ...]` batch: the identity
    in inference (`forward`, `evaluate`); in training (`train_step`, the
    training form `cnn.dropout_train`) each element is kept with
    probability `1 - rate` and kept ones are scaled by `1 / (1 - rate)`
    (keras/src/layers/regularization/dropout.py; `rate = 1` drops
    everything, `rate = 0` is the identity in both modes). Keras's
    `noise_shape` (a mask shared along some axes) is not supported. The
    optional `seed` picks another random sequence for this layer, as Keras's
    `seed` argument does; the run's seed still applies
    (docs/training.md: the generator, its key and counter).

    Example:

    ```mlir
    %y = cnn.dropout %x rate = 5.000000e-01 : tensor<?x64xf32>
    %z = cnn.dropout %y rate = 2.500000e-01 seed = 7 : tensor<?x64xf32>
    ```
  }];
  let arguments = (ins CNN_Tensor:$input, F64Attr:$rate,
                       OptionalAttr<I64Attr>:$seed);
  let results = (outs CNN_Tensor:$output);
  let assemblyFormat = [{
    $input `rate` `=` $rate (`seed` `=` $seed^)? attr-dict `:` type($input)
  }];
  let hasVerifier = 1;
}

def CNN_DropoutTrainOp : CNN_Op<"dropout_train",
    [Pure, AllTypesMatch<["input", "output"]>,
     DeclareOpInterfaceMethods<CNN_DifferentiableOpInterface>]> {
  let summary = "training form of dropout: a Philox4x32-10 mask";
  let description = [{
    `y = keep ? x / (1 - rate) : 0` per element, where `keep` compares 32
    random bits with `round(rate * 2^32)`. The bits come from
    Philox4x32-10 (runtime/support/Philox.h), so any element's mask is
    computed directly from its position:

        layer key  (k0, k1) = philox(counter = (stream, lo(layer_seed),
                                                hi(layer_seed), has_seed),
                                     key = (lo(seed), hi(seed)))[0, 1]
        element i of image n (B = ceil(elements per image / 4)):
                      bits = philox(counter = (i mod B, n, lo(step),
                                               hi(step)),
                                    key = (k0, k1))[i div B]
        keep = bits >= round(rate * 2^32)   (unsigned)

    `seed` is the run's seed and `step` the optimizer step (train_step's
    arguments), `stream` the layer's random stream (its rank among the
    model's random layers), `i` the row-major index of the element within
    its image. The gradient is the same op applied to the output gradient:
    the mask is regenerated, never stored.

    ```mlir
    %y = cnn.dropout_train %x, %seed, %step rate = 5.000000e-01 stream = 0
        : tensor<?x64xf32>
    ```
  }];
  let arguments = (ins CNN_Tensor:$input, I64:$seed, I64:$step, F64Attr:$rate,
                       I64Attr:$stream, OptionalAttr<I64Attr>:$layer_seed);
  let results = (outs CNN_Tensor:$output);
  let assemblyFormat = [{
    $input `,` $seed `,` $step `rate` `=` $rate `stream` `=` $stream
    (`layer_seed` `=` $layer_seed^)? attr-dict `:` type($input)
  }];
  let hasVerifier = 1;
}

#endif // CNNC_DIALECT_CNN_IR_CNNNORMALIZATIONOPS_TD
