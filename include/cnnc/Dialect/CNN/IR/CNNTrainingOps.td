//===- CNNTrainingOps.td - gradients, losses, optimizers ---*- tablegen -*-===//
//
// Ops that training-step synthesis produces: the backward of each layer op,
// losses on logits and integer labels, and optimizer updates over the flat
// parameter buffer. They stay in the cnn dialect so graph-level fusion sees
// forward and backward alike. Included from CNNOps.td.
//
//===----------------------------------------------------------------------===//

#ifndef CNNC_DIALECT_CNN_IR_CNNTRAININGOPS_TD
#define CNNC_DIALECT_CNN_IR_CNNTRAININGOPS_TD

def CNN_Conv2DGradInputOp : CNN_Op<"conv2d_grad_input", [Pure]> {
  let summary = "gradient of a convolution with respect to its input";
  let description = [{
    Given the gradient `dy` of a `cnn.conv2d` output and its filter, computes
    the gradient of the convolution's input (a transposed convolution). The
    attributes are those of the forward op; the result type is the input type.
  }];
  let arguments = (ins CNN_Tensor4D:$output_grad, CNN_Tensor4D:$filter,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$dilations,
                       CNN_PaddingAttr:$padding);
  let results = (outs CNN_Tensor4D:$input_grad);
  let assemblyFormat = [{
    $output_grad `,` $filter `strides` `=` $strides `dilations` `=` $dilations
    `padding` `=` `` $padding attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def CNN_Conv2DGradFilterOp : CNN_Op<"conv2d_grad_filter", [Pure]> {
  let summary = "gradient of a convolution with respect to its filter";
  let arguments = (ins CNN_Tensor4D:$input, CNN_Tensor4D:$output_grad,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$dilations,
                       CNN_PaddingAttr:$padding);
  let results = (outs CNN_Tensor4D:$filter_grad);
  let assemblyFormat = [{
    $input `,` $output_grad `strides` `=` $strides `dilations` `=` $dilations
    `padding` `=` `` $padding attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def CNN_DepthwiseConv2DGradInputOp
    : CNN_Op<"depthwise_conv2d_grad_input", [Pure]> {
  let summary = "gradient of a depthwise convolution with respect to its input";
  let description = [{
    Given the gradient `dy [N, OH, OW, C * M]` of a `cnn.depthwise_conv2d`
    output and its depthwise kernel `[KH, KW, C, M]`, computes the gradient
    of the layer's input `[N, H, W, C]`: every input channel receives the
    transposed convolutions of its M output channels, summed. The
    attributes are those of the forward op; the result type is the input
    type.

    ```mlir
    %dx = cnn.depthwise_conv2d_grad_input %dy, %k strides = [2, 2]
        dilations = [1, 1] padding = same
        : (tensor<?x4x4x6xf32>, tensor<3x3x3x2xf32>) -> tensor<?x8x8x3xf32>
    ```
  }];
  let arguments = (ins CNN_Tensor4D:$output_grad, CNN_Tensor4D:$depthwise_kernel,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$dilations,
                       CNN_PaddingAttr:$padding);
  let results = (outs CNN_Tensor4D:$input_grad);
  let assemblyFormat = [{
    $output_grad `,` $depthwise_kernel `strides` `=` $strides
    `dilations` `=` $dilations `padding` `=` `` $padding attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def CNN_DepthwiseConv2DGradFilterOp
    : CNN_Op<"depthwise_conv2d_grad_filter", [Pure]> {
  let summary = "gradient of a depthwise convolution with respect to its kernel";
  let description = [{
    Given the input `[N, H, W, C]` of a `cnn.depthwise_conv2d` and the
    gradient `dy [N, OH, OW, C * M]` of its output, computes the gradient of
    its depthwise kernel `[KH, KW, C, M]`: for every tap and output channel
    `c * M + m`, the sum over the batch and the output positions of the
    input under the tap times `dy`.

    ```mlir
    %dk = cnn.depthwise_conv2d_grad_filter %x, %dy strides = [2, 2]
        dilations = [1, 1] padding = same
        : (tensor<?x8x8x3xf32>, tensor<?x4x4x6xf32>) -> tensor<3x3x3x2xf32>
    ```
  }];
  let arguments = (ins CNN_Tensor4D:$input, CNN_Tensor4D:$output_grad,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$dilations,
                       CNN_PaddingAttr:$padding);
  let results = (outs CNN_Tensor4D:$kernel_grad);
  let assemblyFormat = [{
    $input `,` $output_grad `strides` `=` $strides `dilations` `=` $dilations
    `padding` `=` `` $padding attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def CNN_Pool2DGradOp : CNN_Op<"pool2d_grad", [Pure, AllTypesMatch<["input", "input_grad"]>]> {
  let summary = "gradient of a pooling op with respect to its input";
  let description = [{
    Max and min pooling route each output gradient to the first extremal
    element of its window (TensorFlow's rule); average pooling spreads it
    evenly over the window elements inside the input.
  }];
  let arguments = (ins CNN_Tensor4D:$input, CNN_Tensor4D:$output_grad,
                       CNN_PoolKindAttr:$kind, DenseI64ArrayAttr:$window,
                       DenseI64ArrayAttr:$strides, CNN_PaddingAttr:$padding);
  let results = (outs CNN_Tensor4D:$input_grad);
  let assemblyFormat = [{
    `` $kind $input `,` $output_grad `window` `=` $window `strides` `=` $strides
    `padding` `=` `` $padding attr-dict `:` type($input) `,` type($output_grad)
  }];
  let builders = [
    OpBuilder<(ins "::cnnc::cnn::PoolKind":$kind, "::mlir::Value":$input,
                   "::mlir::Value":$outputGrad, "::llvm::ArrayRef<int64_t>":$window,
                   "::llvm::ArrayRef<int64_t>":$strides,
                   "::cnnc::cnn::Padding":$padding)>
  ];
  let extraClassDeclaration = [{
    void build(::mlir::OpBuilder &, ::mlir::OperationState &) = delete;
  }];
  let hasVerifier = 1;
}

def CNN_ActivationGradOp : CNN_Op<"activation_grad", [Pure,
    AllTypesMatch<["value", "output_grad", "input_grad"]>]> {
  let summary = "gradient through an element-wise activation";
  let description = [{
    `input_grad = output_grad * f'(x)` for the activation `f` named by
    `activation` (`none`: `output_grad` itself). `value` is what the
    derivative is computed from: the activation's output `y = f(x)` for the
    kinds whose derivative is a function of it, so no pre-activation value
    stays alive for the backward pass, and the input `x` for the others:

    | kind | `value` | f' |
    |---|---|---|
    | relu | y | `y > 0 ? 1 : 0` |
    | sigmoid | y | `y (1 - y)` |
    | tanh | y | `1 - y^2` |
    | leaky_relu | y | `y > 0 ? 1 : alpha` |
    | elu | y | `y > 0 ? 1 : y + alpha` |
    | selu | y | `y > 0 ? scale : y + scale * alpha` (Keras's constants) |
    | relu6 | y | `0 < y < 6 ? 1 : 0` |
    | softplus | y | `1 - exp(-y)` (= sigmoid(x), as `-expm1(-y)`) |
    | hard_sigmoid | y | `0 < y < 1 ? 1/6 : 0` |
    | silu | x | `s (1 + x (1 - s))`, `s = sigmoid(x)` |
    | gelu | x | `Phi(x) + x phi(x)`; with `approximate` the derivative of the tanh form |
    | hard_swish | x | `x < -3 ? 0 : x > 3 ? 1 : (2x + 3) / 6` |

    At the kinks the derivative of the branch for smaller inputs is taken
    (TensorFlow's rule: relu'(0) = 0). `alpha` (leaky_relu and elu only)
    defaults to the Keras activation function's default, 0.2 and 1.0: what
    a fused `activation =` means; standalone layers pass theirs.
    `approximate` (gelu only) selects the tanh form.

    Example:

    ```mlir
    %dx = cnn.activation_grad relu %y, %dy : tensor<?x64xf32>
    %dl = cnn.activation_grad leaky_relu %y, %dy alpha = 3.000000e-01 : tensor<?x64xf32>
    %dg = cnn.activation_grad gelu %x, %dy approximate : tensor<?x64xf32>
    ```
  }];
  let arguments = (ins CNN_Tensor:$value, CNN_Tensor:$output_grad,
                       CNN_ActivationAttr:$activation,
                       OptionalAttr<F32Attr>:$alpha, UnitAttr:$approximate);
  let results = (outs CNN_Tensor:$input_grad);
  let assemblyFormat = [{
    `` $activation $value `,` $output_grad (`alpha` `=` $alpha^)?
    (`approximate` $approximate^)? attr-dict `:` type($value)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// `alpha`, or the fused form's default for leaky_relu and elu (0 for
    /// the other kinds, which have none).
    double getEffectiveAlpha();
  }];
}

def CNN_SoftmaxGradOp : CNN_Op<"softmax_grad", [Pure, AllTypesMatch<["output", "output_grad", "input_grad"]>]> {
  let summary = "gradient through softmax: y * (dy - sum(dy * y))";
  let arguments = (ins CNN_Tensor:$output, CNN_Tensor:$output_grad);
  let results = (outs CNN_Tensor:$input_grad);
  let assemblyFormat = "$output `,` $output_grad attr-dict `:` type($output)";
}

def CNN_ReduceToChannelsOp : CNN_Op<"reduce_to_channels", [Pure]> {
  let summary = "sum over every dimension but the last (bias gradient)";
  let arguments = (ins CNN_Tensor:$input);
  let results = (outs CNN_Tensor1D:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def CNN_MatmulOp : CNN_Op<"matmul", [Pure]> {
  let summary = "matrix product with optionally transposed operands";
  let arguments = (ins CNN_Tensor2D:$lhs, CNN_Tensor2D:$rhs,
                       UnitAttr:$transpose_lhs, UnitAttr:$transpose_rhs);
  let results = (outs CNN_Tensor2D:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs (`transpose_lhs` $transpose_lhs^)?
    (`transpose_rhs` $transpose_rhs^)? attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def CNN_ReshapeOp : CNN_Op<"reshape", [Pure]> {
  let summary = "reshape that keeps the batch dimension (flatten's inverse)";
  let arguments = (ins CNN_Tensor:$input);
  let results = (outs CNN_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def CNN_LossOp : CNN_Op<"loss", [Pure]> {
  let summary = "mean loss over the batch and its gradient w.r.t. the logits";
  let description = [{
    Computes the mean over the batch of the loss between `logits [N, K]` and
    integer class `labels [N]`, and the gradient of that mean with respect to
    the logits. Cross-entropies apply softmax to the logits with the
    log-sum-exp trick; mean squared error compares the logits with the
    one-hot labels (mean over classes, as Keras). A batch of 0 gives loss 0.
  }];
  let arguments = (ins CNN_Tensor2D:$logits, TensorRankOf<[I32], [1]>:$labels,
                       CNN_LossKindAttr:$kind);
  let results = (outs 0DTensorOf<[F32]>:$loss, CNN_Tensor2D:$logits_grad);
  let assemblyFormat = [{
    `` $kind $logits `,` $labels attr-dict `:` functional-type(operands, results)
  }];
  let builders = [
    OpBuilder<(ins "::cnnc::cnn::LossKind":$kind, "::mlir::Value":$logits,
                   "::mlir::Value":$labels)>
  ];
  let extraClassDeclaration = [{
    void build(::mlir::OpBuilder &, ::mlir::OperationState &) = delete;
  }];
  let hasVerifier = 1;
}

def CNN_CountCorrectOp : CNN_Op<"count_correct", [Pure]> {
  let summary = "number of rows whose first maximal logit is the label";
  let arguments = (ins CNN_Tensor2D:$logits, TensorRankOf<[I32], [1]>:$labels);
  let results = (outs 0DTensorOf<[I64]>:$count);
  let assemblyFormat = [{
    $logits `,` $labels attr-dict `:` functional-type(operands, results)
  }];
}

def CNN_AdamUpdateOp : CNN_Op<"adam_update", [Pure, AllTypesMatch<["param", "grad", "m", "v", "new_param", "new_m", "new_v"]>]> {
  let summary = "one Adam or AdamW step (Keras formulation) on flat tensors";
  let description = [{
    With `t = step` (from 1): `m = b1 m + (1 - b1) g`, `v = b2 v + (1 - b2) g^2`,
    `p -= lr * sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + epsilon)`.

    With `weight_decay = wd` the parameter is first decayed, `p -= lr * wd *
    p`, and the Adam step applies to the decayed value: Keras's
    `BaseOptimizer._apply_weight_decay` runs before `update_step`, and Keras
    `AdamW` is `Adam` with `weight_decay` (default 0.004;
    keras/src/optimizers/adamw.py, base_optimizer.py).

    ```mlir
    %p1, %m1, %v1 = cnn.adam_update %p, %g, %m, %v, %lr, %step
        beta1 = 0.9 beta2 = 0.999 epsilon = 1.0e-07 weight_decay = 4.0e-03
        : tensor<1024xf32>
    ```
  }];
  let arguments = (ins CNN_Tensor1D:$param, CNN_Tensor1D:$grad,
                       CNN_Tensor1D:$m, CNN_Tensor1D:$v, F32:$learning_rate,
                       I64:$step, F32Attr:$beta1, F32Attr:$beta2,
                       F32Attr:$epsilon, OptionalAttr<F32Attr>:$weight_decay);
  let results = (outs CNN_Tensor1D:$new_param, CNN_Tensor1D:$new_m,
                      CNN_Tensor1D:$new_v);
  let assemblyFormat = [{
    $param `,` $grad `,` $m `,` $v `,` $learning_rate `,` $step
    `beta1` `=` $beta1 `beta2` `=` $beta2 `epsilon` `=` $epsilon
    (`weight_decay` `=` $weight_decay^)? attr-dict `:` type($param)
  }];
}

def CNN_SGDUpdateOp : CNN_Op<"sgd_update", [Pure, AllTypesMatch<["param", "grad", "velocity", "new_param", "new_velocity"]>]> {
  let summary = "one SGD step with (Nesterov) momentum, Keras formulation";
  let description = [{
    `velocity = momentum * velocity - lr * g`; then `p += velocity`, or with
    Nesterov `p += momentum * velocity - lr * g`. Momentum 0 is plain SGD.
    With `weight_decay = wd`, `p -= lr * wd * p` first (Keras's
    `_apply_weight_decay`, before the update).
  }];
  let arguments = (ins CNN_Tensor1D:$param, CNN_Tensor1D:$grad,
                       CNN_Tensor1D:$velocity, F32:$learning_rate,
                       F32Attr:$momentum, UnitAttr:$nesterov,
                       OptionalAttr<F32Attr>:$weight_decay);
  let results = (outs CNN_Tensor1D:$new_param, CNN_Tensor1D:$new_velocity);
  let assemblyFormat = [{
    $param `,` $grad `,` $velocity `,` $learning_rate `momentum` `=` $momentum
    (`nesterov` $nesterov^)? (`weight_decay` `=` $weight_decay^)? attr-dict
    `:` type($param)
  }];
}

def CNN_RMSpropUpdateOp : CNN_Op<"rmsprop_update", [Pure, InferTypeOpAdaptor,
    AttrSizedOperandSegments,
    AllTypesMatch<["param", "grad", "velocity"]>,
    OptionalTypesMatchWith<"momentum buffer type matches the parameters",
                           "param", "momentum_buffer", "$_self">,
    OptionalTypesMatchWith<"average gradient type matches the parameters",
                           "param", "average_gradient", "$_self">]> {
  let summary = "one RMSprop step (Keras formulation) on flat tensors";
  let description = [{
    Keras `RMSprop` (keras/src/optimizers/rmsprop.py), in its order:

        velocity = rho * velocity + (1 - rho) * g^2
        centered:  average_gradient = rho * average_gradient + (1 - rho) * g
                   denominator = velocity - average_gradient^2 + epsilon
        otherwise: denominator = velocity + epsilon
        increment = lr * g / sqrt(denominator)
        momentum > 0: momentum_buffer = momentum * momentum_buffer + increment
                      p -= momentum_buffer
        otherwise:    p -= increment

    Keras keeps a momentum buffer only when `momentum > 0` and an average
    gradient only when `centered`: the op takes (and returns) exactly those
    buffers. With `weight_decay = wd`, `p -= lr * wd * p` comes first (Keras's
    `_apply_weight_decay`). Keras defaults: `rho = 0.9`, `momentum = 0.0`,
    `epsilon = 1e-7`, `centered = False`.

    Results: the new parameters, the new velocity, then the new momentum
    buffer and the new average gradient when the op has them.

    ```mlir
    %p1, %v1 = cnn.rmsprop_update %p, %g, %v, %lr rho = 0.9 epsilon = 1.0e-07
        : tensor<1024xf32>
    %p2, %v2, %mb2, %ag2 = cnn.rmsprop_update %p, %g, %v, %lr
        momentum_buffer %mb average_gradient %ag rho = 0.9 momentum = 0.5
        epsilon = 1.0e-07 : tensor<1024xf32>
    ```
  }];
  let arguments = (ins CNN_Tensor1D:$param, CNN_Tensor1D:$grad,
                       CNN_Tensor1D:$velocity,
                       Optional<CNN_Tensor1D>:$momentum_buffer,
                       Optional<CNN_Tensor1D>:$average_gradient,
                       F32:$learning_rate, F32Attr:$rho,
                       DefaultValuedAttr<F32Attr, "0.0f">:$momentum,
                       F32Attr:$epsilon, OptionalAttr<F32Attr>:$weight_decay);
  let results = (outs CNN_Tensor1D:$new_param, CNN_Tensor1D:$new_velocity,
                      Variadic<CNN_Tensor1D>:$new_buffers);
  let assemblyFormat = [{
    $param `,` $grad `,` $velocity `,` $learning_rate
    (`momentum_buffer` $momentum_buffer^)?
    (`average_gradient` $average_gradient^)?
    `rho` `=` $rho (`momentum` `=` $momentum^)? `epsilon` `=` $epsilon
    (`weight_decay` `=` $weight_decay^)? attr-dict `:` type($param)
  }];
  let extraClassDeclaration = [{
    /// Whether this is centered RMSprop (an average gradient is kept).
    bool isCentered() { return bool(getAverageGradient()); }
    /// The new momentum buffer, or null without momentum.
    ::mlir::Value getNewMomentumBuffer() {
      return getMomentumBuffer() ? getNewBuffers()[0] : ::mlir::Value();
    }
    /// The new average gradient, or null when not centered.
    ::mlir::Value getNewAverageGradient() {
      return getAverageGradient() ? getNewBuffers().back() : ::mlir::Value();
    }
  }];
  let hasVerifier = 1;
}

#endif // CNNC_DIALECT_CNN_IR_CNNTRAININGOPS_TD
