//===- Passes.td - cnn dialect transformations -------------*- tablegen -*-===//

#ifndef CNNC_DIALECT_CNN_TRANSFORMS_PASSES_TD
#define CNNC_DIALECT_CNN_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def CNNSynthesizeEntryPoints : Pass<"cnn-synthesize-entry-points", "mlir::ModuleOp"> {
  let summary = "Turn the model's forward function into buffer-based entry points";
  let description = [{
    Replaces the model's `@forward` (images -> logits, weights declared with
    `cnn.param`) by `@<model>_forward_impl(%params, %images, %logits)`, whose
    arguments are the caller's buffers as memrefs: the flat parameter buffer,
    the input batch and the output batch. Every `cnn.param` becomes a slice
    of the parameter buffer at the offset of the model's parameter table
    (declaration order), and the logits are materialized in the output
    buffer. The entry point is marked with the `cnn.entry` attribute.
  }];
  let options = [
    Option<"modelName", "model-name", "std::string", "\"model\"",
           "Model name when the module has no symbol name">,
  ];
  let dependentDialects = [
    "mlir::bufferization::BufferizationDialect",
    "mlir::memref::MemRefDialect",
    "mlir::tensor::TensorDialect",
  ];
}

def CNNSynthesizeTraining : Pass<"cnn-synthesize-training", "mlir::ModuleOp"> {
  let summary = "Add training-step and evaluation entry points for the model";
  let description = [{
    From the model's `@forward`, builds

      @<model>_train_step_impl(%params, %opt_state, %images, %labels,
                               %learning_rate, %step, %loss, %correct)
      @<model>_evaluate_impl(%params, %images, %labels, %loss, %correct)

    The training step inlines the forward function, adds the loss
    (`cnn.loss`) and the correct-prediction count, runs the gradient rules
    of every op in reverse order (summing gradients of values used more than
    once, skipping values that do not depend on a parameter), gathers the
    parameter gradients into one flat tensor and applies the optimizer to
    the whole parameter buffer at once (`cnn.adam_update`,
    `cnn.sgd_update` or `cnn.rmsprop_update`). Parameters and optimizer
    state are updated in the caller's buffers. Runs before
    cnn-synthesize-entry-points, which consumes `@forward`.

    The optimizers are Keras 3's, with its defaults (docs/training.md).
    `adamw` is Adam with decoupled weight decay (default 0.004); every
    optimizer takes `weight-decay`, as Keras's base optimizer does. The
    optimizer state holds, for every trainable parameter element and in
    this order: Adam/AdamW m, v; SGD the velocity; RMSprop the velocity,
    the momentum buffer (when momentum > 0) and the average gradient (when
    centered), each a block of as many floats as there are trainable
    parameters.
  }];
  let options = [
    Option<"modelName", "model-name", "std::string", "\"model\"",
           "Model name when the module has no symbol name">,
    Option<"optimizer", "optimizer", "std::string", "\"adam\"",
           "adam, adamw, sgd or rmsprop">,
    Option<"loss", "loss", "std::string",
           "\"sparse_categorical_crossentropy\"",
           "sparse_categorical_crossentropy, categorical_crossentropy or "
           "mean_squared_error">,
    Option<"beta1", "beta1", "float", "0.9f", "Adam/AdamW beta_1">,
    Option<"beta2", "beta2", "float", "0.999f", "Adam/AdamW beta_2">,
    Option<"epsilon", "epsilon", "float", "1e-7f",
           "Adam/AdamW/RMSprop epsilon">,
    Option<"momentum", "momentum", "float", "0.0f",
           "SGD or RMSprop momentum">,
    Option<"nesterov", "nesterov", "bool", "false", "SGD Nesterov momentum">,
    Option<"weightDecay", "weight-decay", "float", "-1.0f",
           "Decoupled weight decay (p -= lr * wd * p before the update); "
           "negative: the optimizer's Keras default (0.004 for adamw, none "
           "otherwise)">,
    Option<"rho", "rho", "float", "0.9f", "RMSprop rho">,
    Option<"centered", "centered", "bool", "false", "Centered RMSprop">,
  ];
  let dependentDialects = [
    "mlir::bufferization::BufferizationDialect",
    "mlir::memref::MemRefDialect",
    "mlir::tensor::TensorDialect",
  ];
}

def CNNFuseActivations : Pass<"cnn-fuse-activations"> {
  let summary = "Fold standalone activations into the conv2d/dense before them";
  let description = [{
    A standalone activation layer (`cnn.relu`, `cnn.gelu`, `cnn.leaky_relu`,
    ...) applied to the only use of a `cnn.conv2d` or `cnn.dense` without an
    activation becomes that layer's `activation` attribute (Keras models
    often write `Activation('relu')` as its own layer), when it computes
    exactly the fused form, the Keras activation function with its default
    parameters: a `cnn.leaky_relu` folds only with alpha 0.2 (the function's
    default, not the LeakyReLU layer's 0.3), a `cnn.gelu` only without
    `approximate`. The fused layer is one op for training synthesis (its
    gradient rule differentiates the activation from the layer's output;
    silu, gelu and hard_swish are split off again in training) and one
    kernel for code generation (the activation runs on the accumulators
    before they are stored).
  }];
}

def CNNFuseActivationGrads : Pass<"cnn-fuse-activation-grads"> {
  let summary = "Move reshapes below activation gradients";
  let description = [{
    Rewrites `cnn.activation_grad(y, cnn.reshape(g))` into
    `cnn.reshape(cnn.activation_grad(cnn.reshape(y), g))`: the gradient of
    the activation is then taken on the layout `g` was produced in. In the
    reference model this puts the relu gradient of the last convolution
    directly on the dense layer's input gradient (a matrix product), whose
    kernel applies it to its accumulators (cnn-vectorize-contractions'
    consumer fusion); the activation gradients of the other convolutions
    are folded into their pooling gradients by cnn-fuse-elementwise.
  }];
}

def CNNCopiesToLinalg : Pass<"cnn-copies-to-linalg"> {
  let summary = "Rewrite memref.copy as linalg.copy";
  let description = [{
    Bufferization materializes copies as `memref.copy`, which the LLVM
    lowering turns into a call to `memrefCopy` from MLIR's runner utils for
    strided buffers. Generated libraries must not depend on that library,
    so copies become `linalg.copy` and then ordinary (vectorizable) loops.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect"];
}

def CNNInnermostChannelLoop : Pass<"cnn-innermost-channel-loop"> {
  let summary = "Make the loop over the output's last (channel) dimension innermost";
  let description = [{
    Named convolution and pooling ops iterate the reduction over input
    channels innermost, where the filter is read with a stride and the loop
    cannot be vectorized. NHWC/HWCF layouts make the output's last dimension
    contiguous in the output, the filter and the output gradient alike, so
    this pass generalizes every linalg op whose output (rank >= 2) is indexed
    by a parallel loop in its last dimension and interchanges that loop to
    the innermost position, where LLVM vectorizes it. A stop-gap until the
    tiling and register-blocking strategy lands.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect"];
}

def CNNExportCInterface : Pass<"cnn-export-c-interface", "mlir::ModuleOp"> {
  let summary = "Add bare-pointer C entry points around the memref entry points";
  let description = [{
    For every function marked `cnn.entry` (after bufferization), adds a
    public function with the generated library's C ABI: raw pointers and an
    i64 batch size in, an i32 status out. It checks its arguments (negative
    batch, null buffers and, with `check-labels`, class labels outside
    [0, `cnn.num_classes`)), returning CNNC_ERR_ARGUMENT before any buffer
    is touched, builds the memref descriptors (static shapes except the
    batch) and calls the memref entry point, which becomes private.
  }];
  let options = [
    Option<"checkLabels", "check-labels", "bool", "true",
           "read the labels on the host and reject those outside [0, "
           "classes) (off for device pointers)">,
  ];
  let dependentDialects = [
    "mlir::LLVM::LLVMDialect",
    "mlir::arith::ArithDialect",
    "mlir::scf::SCFDialect",
  ];
}

def CNNFoldBatchNorm : Pass<"cnn-fold-batch-norm"> {
  let summary = "Fold inference batch normalization into the conv2d/dense before it";
  let description = [{
    `cnn.batch_norm(cnn.conv2d(x, k, b))` (likewise `cnn.dense`) whose layer
    has no activation and no other use becomes the layer alone, with the
    kernel and bias of `cnn.fold_batch_norm`: per output channel
    `scale = gamma / sqrt(moving_variance + epsilon)`,
    `k' = k * scale` and `b' = (b - moving_mean) * scale + beta`. The
    per-channel arithmetic runs on every call (it reads the current
    parameters), a few operations per kernel element instead of a pass over
    every activation, and an activation after the batch normalization can
    then be fused into the convolution by cnn-fuse-activations.

    Only inference forms are folded: the pipeline runs this pass after the
    entry points are synthesized, when `train_step` holds
    `cnn.batch_norm_train` instead (its batch statistics cannot be folded).
    `cnnc --disable=fold-batch-norm` switches it off.
  }];
  let statistics = [
    Statistic<"numFolded", "folded",
              "batch normalizations folded into their layer">,
  ];
}

#endif // CNNC_DIALECT_CNN_TRANSFORMS_PASSES_TD
