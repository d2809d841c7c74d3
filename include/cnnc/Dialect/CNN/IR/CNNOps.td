//===- CNNOps.td - cnn dialect layer operations ------------*- tablegen -*-===//
//
// The layer operations of the `cnn` dialect: parameters, convolution,
// pooling, dense, flatten, activations and residual addition. Every op infers
// its result type; shape rules live in the inference hooks so that malformed
// models fail at parse time with a located diagnostic.
//
//===----------------------------------------------------------------------===//

#ifndef CNNC_DIALECT_CNN_IR_CNNOPS_TD
#define CNNC_DIALECT_CNN_IR_CNNOPS_TD

include "cnnc/Dialect/CNN/IR/CNNBase.td"
include "cnnc/Dialect/CNN/IR/CNNInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/IR/CommonAttrConstraints.td"

def CNN_Tensor : RankedTensorOf<[F32]>;
def CNN_Tensor1D : TensorRankOf<[F32], [1]>;
def CNN_Tensor2D : TensorRankOf<[F32], [2]>;
def CNN_Tensor4D : TensorRankOf<[F32], [4]>;

/// A layer users write in a model: it has a Keras counterpart, a cost, a
/// gradient rule and possibly a training-mode form (CNNInterfaces.td).
class CNN_LayerOp<string mnemonic, list<Trait> traits = [],
                  list<string> layerOverrides = []>
    : CNN_Op<mnemonic, traits # [
        DeclareOpInterfaceMethods<CNN_LayerOpInterface, layerOverrides>,
        DeclareOpInterfaceMethods<CNN_DifferentiableOpInterface>]>;

//===----------------------------------------------------------------------===//
// cnn.param
//===----------------------------------------------------------------------===//

def CNN_ParamOp : CNN_Op<"param"> {
  let summary = "a named trainable parameter";
  let description = [{
    Declares a trainable weight of the model and yields its current value. The
    storage belongs to the caller of the compiled model: the generated library
    lists every parameter (name, shape, initializer) in its parameter table and
    receives the values in a flat buffer, so two instances of one model can
    live in one process.

    `init` names a Keras initializer. When omitted it is Keras's default for
    the role of the tensor: `glorot_uniform` for kernels (rank >= 2) and
    `zeros` for biases (rank 1). Names must be unique within the model.

    `trainable = false` declares model state that the optimizer never
    changes (Keras's non-trainable weights): BatchNormalization's moving
    statistics, which `train_step` updates itself, or a frozen layer's
    weights. Non-trainable tensors follow the trainable ones in the flat
    buffer (the descriptor's `trainable_elements` is where they start), so
    the optimizer and its state cover exactly the trainable prefix.

    The op has no side effects declared on purpose: an unused parameter stays
    part of the parameter table.

    Example:

    ```mlir
    %kernel = cnn.param "conv2d/kernel" : tensor<3x3x1x32xf32>
    %bias = cnn.param "conv2d/bias" : tensor<32xf32>
    %scale = cnn.param "head/scale" init = ones : tensor<10xf32>
    %mean = cnn.param "bn/moving_mean" trainable = false : tensor<32xf32>
    ```
  }];
  let arguments = (ins StrAttr:$name, OptionalAttr<CNN_InitializerAttr>:$init,
                       DefaultValuedAttr<BoolAttr, "true">:$trainable);
  let results = (outs CNN_Tensor:$value);
  let assemblyFormat = [{
    $name (`init` `=` `` $init^)? (`trainable` `=` $trainable^)? attr-dict
    `:` type($value)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The initializer in effect: the explicit one, or Keras's default for a
    /// tensor of this rank.
    ::cnnc::cnn::Initializer getEffectiveInit();
    ::mlir::RankedTensorType getType() {
      return ::llvm::cast<::mlir::RankedTensorType>(getValue().getType());
    }
  }];
}

//===----------------------------------------------------------------------===//
// cnn.conv2d
//===----------------------------------------------------------------------===//

def CNN_Conv2DOp : CNN_LayerOp<"conv2d", [Pure, InferTypeOpAdaptor,
    DeclareOpInterfaceMethods<CNN_FusedActivationOpInterface>],
    ["hasTrainingBehavior", "buildTrainingForm"]> {
  let summary = "2-D convolution (Keras Conv2D), NHWC input, HWCF filter";
  let description = [{
    Cross-correlates an NHWC batch with an HWCF filter bank, adds the optional
    per-filter bias and applies the optional activation, as Keras `Conv2D`.
    `padding = same` pads so that each output extent is ceil(input / stride),
    putting the odd element of an uneven total at the bottom/right as
    TensorFlow does. Defaults: `strides = [1, 1]`, `dilations = [1, 1]`,
    `padding = valid`, `activation = none`.

    `activation` is a Keras activation function with its default parameters,
    what `Conv2D(..., activation="elu")` computes (CNNBase.td lists them).
    The gradient of most is a function of the layer's output; silu, gelu and
    hard_swish need the pre-activation value, so in training the layer
    becomes the convolution without activation followed by the standalone
    activation op (buildTrainingForm); inference keeps the fused form.

    Example:

    ```mlir
    %y = cnn.conv2d %x, %kernel, %bias padding = same activation = relu
        : tensor<?x28x28x1xf32>, tensor<3x3x1x32xf32>, tensor<32xf32>
    // %y : tensor<?x28x28x32xf32>
    ```
  }];
  let arguments = (ins
    CNN_Tensor4D:$input,
    CNN_Tensor4D:$filter,
    Optional<CNN_Tensor1D>:$bias,
    OptionalAttr<DenseI64ArrayAttr>:$strides,
    OptionalAttr<DenseI64ArrayAttr>:$dilations,
    DefaultValuedAttr<CNN_PaddingAttr, "::cnnc::cnn::Padding::Valid">:$padding,
    DefaultValuedAttr<CNN_ActivationAttr,
                      "::cnnc::cnn::Activation::None">:$activation);
  let results = (outs CNN_Tensor4D:$output);
  let assemblyFormat = [{
    $input `,` $filter (`,` $bias^)?
    (`strides` `=` $strides^)? (`dilations` `=` $dilations^)?
    (`padding` `=` `` $padding^)? (`activation` `=` `` $activation^)?
    attr-dict `:` type($input) `,` type($filter) (`,` type($bias)^)?
  }];
  let extraClassDeclaration = [{
    /// Strides with the default [1, 1] filled in.
    ::llvm::SmallVector<int64_t, 2> getEffectiveStrides();
    /// Dilations with the default [1, 1] filled in.
    ::llvm::SmallVector<int64_t, 2> getEffectiveDilations();
  }];
}

//===----------------------------------------------------------------------===//
// cnn.depthwise_conv2d
//===----------------------------------------------------------------------===//

def CNN_DepthwiseConv2DOp : CNN_LayerOp<"depthwise_conv2d", [Pure,
    InferTypeOpAdaptor,
    DeclareOpInterfaceMethods<CNN_FusedActivationOpInterface>],
    ["hasTrainingBehavior", "buildTrainingForm"]> {
  let summary = "depthwise 2-D convolution (Keras DepthwiseConv2D)";
  let description = [{
    Convolves every input channel with its own `depth_multiplier` filters,
    as Keras `DepthwiseConv2D` (keras/src/layers/convolutional/
    depthwise_conv2d.py and base_depthwise_conv.py, which call
    `ops.depthwise_conv`, i.e. `tf.nn.depthwise_conv2d`). The depthwise
    kernel has Keras's layout `[KH, KW, C, M]` (M = `depth_multiplier`);
    the output has `C * M` channels ordered `c * M + m`:

        y[n, i, j, c * M + m] = sum_{kh, kw}
            x[n, i * sh + kh * dh - pad_top, j * sw + kw * dw - pad_left, c]
            * kernel[kh, kw, c, m]

    followed by the optional bias `[C * M]` and the optional activation
    (any Keras activation; in training, those whose derivative needs their
    input - silu, gelu, hard_swish - are split off as a standalone layer, as
    for cnn.conv2d).
    Padding, strides and dilations follow cnn.conv2d (`padding = same`
    pads to ceil(input / stride) with the odd element at the bottom/right,
    as TensorFlow). As in Keras, `strides` and `dilations` cannot both
    exceed 1. Defaults: `strides = [1, 1]`, `dilations = [1, 1]`,
    `padding = valid`, `activation = none` (Keras: `use_bias = True`,
    kernel `glorot_uniform`, bias `zeros`, which cnn.param's defaults
    give).

    Keras `SeparableConv2D` is this op without bias followed by a 1x1
    cnn.conv2d (strides 1, `valid`) that carries the layer's bias and
    activation; its `depthwise_kernel` `[KH, KW, C, M]` and
    `pointwise_kernel` `[1, 1, C * M, F]` are the two kernels
    (base_separable_conv.py).

    Example (MobileNet block, then SeparableConv2D(64, 3)):

    ```mlir
    %y = cnn.depthwise_conv2d %x, %dk, %db strides = [2, 2] padding = same
        activation = relu
        : tensor<?x32x32x32xf32>, tensor<3x3x32x1xf32>, tensor<32xf32>
    // %y : tensor<?x16x16x32xf32>
    %d = cnn.depthwise_conv2d %x, %sk padding = same
        : tensor<?x32x32x32xf32>, tensor<3x3x32x1xf32>
    %s = cnn.conv2d %d, %pk, %pb : tensor<?x32x32x32xf32>,
        tensor<1x1x32x64xf32>, tensor<64xf32>
    ```
  }];
  let arguments = (ins
    CNN_Tensor4D:$input,
    CNN_Tensor4D:$depthwise_kernel,
    Optional<CNN_Tensor1D>:$bias,
    OptionalAttr<DenseI64ArrayAttr>:$strides,
    OptionalAttr<DenseI64ArrayAttr>:$dilations,
    DefaultValuedAttr<CNN_PaddingAttr, "::cnnc::cnn::Padding::Valid">:$padding,
    DefaultValuedAttr<CNN_ActivationAttr,
                      "::cnnc::cnn::Activation::None">:$activation);
  let results = (outs CNN_Tensor4D:$output);
  let assemblyFormat = [{
    $input `,` $depthwise_kernel (`,` $bias^)?
    (`strides` `=` $strides^)? (`dilations` `=` $dilations^)?
    (`padding` `=` `` $padding^)? (`activation` `=` `` $activation^)?
    attr-dict `:` type($input) `,` type($depthwise_kernel) (`,` type($bias)^)?
  }];
  let extraClassDeclaration = [{
    /// Strides with the default [1, 1] filled in.
    ::llvm::SmallVector<int64_t, 2> getEffectiveStrides();
    /// Dilations with the default [1, 1] filled in.
    ::llvm::SmallVector<int64_t, 2> getEffectiveDilations();
    /// The depth multiplier M (dimension 3 of the kernel).
    int64_t getDepthMultiplier() {
      return ::llvm::cast<::mlir::RankedTensorType>(
                 getDepthwiseKernel().getType())
          .getDimSize(3);
    }
  }];
}

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

class CNN_Pool2DOp<string mnemonic, string kerasName, string reduction>
    : CNN_LayerOp<mnemonic, [Pure, InferTypeOpAdaptor]> {
  let summary = "2-D " # reduction # " pooling (Keras " # kerasName # ")";
  let description = [{
    Slides a `window` over the spatial dimensions of an NHWC batch and reduces
    each window per channel. `strides` default to the window, as in Keras.
    With `padding = same`, padded elements never win a max/min and are not
    counted by an average (Keras semantics).

    Example:

    ```mlir
    %y = cnn.}] # mnemonic # [{ %x window = [2, 2] : tensor<?x26x26x32xf32>
    // %y : tensor<?x13x13x32xf32>
    ```
  }];
  let arguments = (ins
    CNN_Tensor4D:$input,
    DenseI64ArrayAttr:$window,
    OptionalAttr<DenseI64ArrayAttr>:$strides,
    DefaultValuedAttr<CNN_PaddingAttr, "::cnnc::cnn::Padding::Valid">:$padding);
  let results = (outs CNN_Tensor4D:$output);
  let assemblyFormat = [{
    $input `window` `=` $window (`strides` `=` $strides^)?
    (`padding` `=` `` $padding^)? attr-dict `:` type($input)
  }];
  let extraClassDeclaration = [{
    /// Strides with the Keras default (the window) filled in.
    ::llvm::SmallVector<int64_t, 2> getEffectiveStrides() {
      return ::llvm::SmallVector<int64_t, 2>(
          getStrides().value_or(getWindow()));
    }
  }];
}

def CNN_MaxPool2DOp : CNN_Pool2DOp<"max_pool2d", "MaxPooling2D", "maximum">;
def CNN_AvgPool2DOp : CNN_Pool2DOp<"avg_pool2d", "AveragePooling2D", "average">;
def CNN_MinPool2DOp : CNN_Pool2DOp<"min_pool2d", "MinPooling2D", "minimum">;

//===----------------------------------------------------------------------===//
// cnn.dense and cnn.flatten
//===----------------------------------------------------------------------===//

def CNN_DenseOp : CNN_LayerOp<"dense", [Pure, InferTypeOpAdaptor,
    DeclareOpInterfaceMethods<CNN_FusedActivationOpInterface>],
    ["hasTrainingBehavior", "buildTrainingForm"]> {
  let summary = "fully connected layer (Keras Dense)";
  let description = [{
    Computes `activation(input x kernel + bias)` for a `[batch, in]` input and
    an `[in, units]` kernel. `activation` is a Keras activation function with
    its default parameters, as for `cnn.conv2d` (silu, gelu and hard_swish
    are split off in training the same way).

    Example:

    ```mlir
    %y = cnn.dense %x, %kernel, %bias activation = relu
        : tensor<?x576xf32>, tensor<576x64xf32>, tensor<64xf32>
    // %y : tensor<?x64xf32>
    ```
  }];
  let arguments = (ins
    CNN_Tensor2D:$input,
    CNN_Tensor2D:$kernel,
    Optional<CNN_Tensor1D>:$bias,
    DefaultValuedAttr<CNN_ActivationAttr,
                      "::cnnc::cnn::Activation::None">:$activation);
  let results = (outs CNN_Tensor2D:$output);
  let assemblyFormat = [{
    $input `,` $kernel (`,` $bias^)? (`activation` `=` `` $activation^)?
    attr-dict `:` type($input) `,` type($kernel) (`,` type($bias)^)?
  }];
}

def CNN_FlattenOp : CNN_LayerOp<"flatten", [Pure, InferTypeOpAdaptor]> {
  let summary = "collapse all non-batch dimensions (Keras Flatten)";
  let description = [{
    Reshapes `[batch, d1, ..., dk]` to `[batch, d1 * ... * dk]` in row-major
    (NHWC) order, as Keras `Flatten` with channels_last data.

    Example:

    ```mlir
    %y = cnn.flatten %x : tensor<?x3x3x64xf32>
    // %y : tensor<?x576xf32>
    ```
  }];
  let arguments = (ins CNN_Tensor:$input);
  let results = (outs CNN_Tensor2D:$output);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

//===----------------------------------------------------------------------===//
// Element-wise operations
//===----------------------------------------------------------------------===//

/// A standalone activation layer without parameters; `activation` names its
/// Activation enum case, the form it takes when fused into a layer
/// (cnn-fuse-activations). `kerasClass`/`kerasLayer` are what the model
/// summary prints: Keras's `Activation("<name>")` layer unless a dedicated
/// layer class exists. Gradients come from the output or the input
/// (LayerSemantics.h: activationGradient), so the training step keeps only
/// what the kind needs.
class CNN_UnaryOp<string mnemonic, string formula, string activation,
                  string note = "", string keras = "",
                  string kerasClass = "Activation",
                  string kerasLayer = "activation">
    : CNN_LayerOp<mnemonic, [Pure, SameOperandsAndResultType]> {
  let summary = "element-wise " # formula;
  let description = [{
    Applies `}] # formula # [{` to every element, as Keras's
    }] # !if(!empty(keras), "`Activation(\"" # mnemonic # "\")`", keras) # [{
    (keras/src/activations/activations.py). `activation = }] # mnemonic # [{`
    on a conv2d/dense is the same function fused into the layer.
    }] # note # [{

    Example:

    ```mlir
    %y = cnn.}] # mnemonic # [{ %x : tensor<?x64xf32>
    ```
  }];
  let arguments = (ins CNN_Tensor:$input);
  let results = (outs CNN_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let extraClassDeclaration = [{
    /// The activation this layer applies, as a fused `activation =` value.
    static constexpr ::cnnc::cnn::Activation kActivation =
        ::cnnc::cnn::Activation::}] # activation # [{;
    /// The fused activation this layer equals (always kActivation: the
    /// layer has no parameters).
    std::optional<::cnnc::cnn::Activation> getFusedForm() {
      return kActivation;
    }
  }];
  let extraClassDefinition = [{
    ::llvm::StringRef $cppClass::getKerasClassName() { return "}] #
      kerasClass # [{"; }
    ::llvm::StringRef $cppClass::getKerasLayerName() { return "}] #
      kerasLayer # [{"; }
    std::optional<int64_t> $cppClass::getFlopsPerImage() {
      return ::cnnc::cnn::detail::activationLayerFlops(getType(),
                                                       kActivation);
    }
    ::mlir::FailureOr<::llvm::SmallVector<::mlir::Value>>
    $cppClass::buildGradients(::mlir::OpBuilder &b,
                              ::mlir::ArrayRef<::mlir::Value> resultGrads,
                              ::mlir::ArrayRef<bool>) {
      return ::llvm::SmallVector<::mlir::Value>{
          ::cnnc::cnn::detail::activationGradient(
              b, getLoc(), {kActivation}, getInput(), getResult(),
              resultGrads[0])};
    }
  }];
}

def CNN_ReluOp : CNN_UnaryOp<"relu", "max(x, 0)", "Relu">;
def CNN_SigmoidOp : CNN_UnaryOp<"sigmoid", "1 / (1 + exp(-x))", "Sigmoid">;
def CNN_TanhOp : CNN_UnaryOp<"tanh", "tanh(x)", "Tanh">;
def CNN_SeluOp : CNN_UnaryOp<"selu",
    "scale * (x > 0 ? x : alpha * (exp(x) - 1))", "Selu",
    "The constants are Keras's: `alpha = 1.6732632423543772848170429916717`, "
    "`scale = 1.0507009873554804934193349852946`.">;
def CNN_Relu6Op : CNN_UnaryOp<"relu6", "min(max(x, 0), 6)", "Relu6",
    "The summary calls it `ReLU`: `ReLU(max_value=6.0)` is how Keras writes "
    "it (keras.applications.MobileNetV2), and `ReLU.static_call` computes it "
    "with the backends' `relu6`, as `Activation(\"relu6\")` does.",
    "`ReLU(max_value=6.0)`", "ReLU", "re_lu">;
def CNN_SiluOp : CNN_UnaryOp<"silu", "x * sigmoid(x)", "Silu",
    "Its derivative needs the input, which the training step keeps.",
    "`Activation(\"silu\")` (or `\"swish\"`)">;
def CNN_SoftplusOp : CNN_UnaryOp<"softplus", "log(1 + exp(x))", "Softplus",
    "It is computed as `max(x, 0) + log1p(exp(-|x|))`, which neither "
    "overflows for large `x` nor loses the small values of negative `x`.">;
def CNN_HardSigmoidOp : CNN_UnaryOp<"hard_sigmoid", "relu6(x + 3) / 6",
    "HardSigmoid",
    "This is Keras 3's definition (`x / 6 + 0.5` clipped to [0, 1]); Keras 2 "
    "used `0.2 x + 0.5`.">;
def CNN_HardSwishOp : CNN_UnaryOp<"hard_swish", "x * relu6(x + 3) / 6",
    "HardSwish",
    "Its derivative needs the input, which the training step keeps.",
    "`Activation(\"hard_silu\")` (or `\"hard_swish\"`)">;

/// The interface methods of these activation layers are in ActivationOps.cpp.
defvar CNN_ActivationLayerMethods = [{
    /// The activation this layer applies when fused into a layer.
    static constexpr ::cnnc::cnn::Activation kActivation =
        ::cnnc::cnn::Activation::}];

def CNN_LeakyReluOp : CNN_LayerOp<"leaky_relu",
    [Pure, SameOperandsAndResultType]> {
  let summary = "element-wise x >= 0 ? x : alpha * x (Keras LeakyReLU)";
  let description = [{
    Applies `x >= 0 ? x : alpha * x` to every element, as Keras's
    `LeakyReLU(negative_slope=alpha)` layer (keras/src/layers/activations/
    leaky_relu.py; the JAX/TensorFlow/PyTorch backends select on the sign,
    so slopes above 1 keep `x` for positive inputs). `alpha` defaults to the
    layer's 0.3; it must be finite and non-negative, as Keras requires.

    The fused `activation = leaky_relu` is the *function*
    `keras.activations.leaky_relu`, whose default slope is 0.2: only a
    `cnn.leaky_relu` with `alpha = 2.000000e-01` folds into a conv2d/dense.

    Example:

    ```mlir
    %y = cnn.leaky_relu %x : tensor<?x64xf32>                      // alpha 0.3
    %z = cnn.leaky_relu %x alpha = 1.000000e-01 : tensor<?x64xf32>
    ```
  }];
  let arguments = (ins CNN_Tensor:$input,
                       DefaultValuedAttr<F32Attr, "0.3f">:$alpha);
  let results = (outs CNN_Tensor:$output);
  let assemblyFormat = [{
    $input (`alpha` `=` $alpha^)? attr-dict `:` type($input)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = CNN_ActivationLayerMethods # [{LeakyRelu;
    /// keras.activations.leaky_relu's default slope, the fused form's.
    static constexpr double kFusedAlpha = 0.2;
    /// `leaky_relu` when alpha is the fused form's, else nothing.
    std::optional<::cnnc::cnn::Activation> getFusedForm();
  }];
}

def CNN_EluOp : CNN_LayerOp<"elu", [Pure, SameOperandsAndResultType]> {
  let summary = "element-wise x > 0 ? x : alpha * (exp(x) - 1) (Keras ELU)";
  let description = [{
    Applies `x > 0 ? x : alpha * expm1(x)` to every element, as Keras's
    `ELU(alpha)` layer and `keras.activations.elu` (keras/src/layers/
    activations/elu.py; both default to `alpha = 1.0`, so every default
    `cnn.elu` folds into a conv2d/dense as `activation = elu`). `alpha` must
    be finite and non-negative: Keras defines ELU for `alpha > 0` (0 gives
    relu), and the gradient is taken from the output (`alpha + y` below 0),
    which needs outputs of the sign of their inputs.

    Example:

    ```mlir
    %y = cnn.elu %x : tensor<?x64xf32>
    %z = cnn.elu %x alpha = 5.000000e-01 : tensor<?x64xf32>
    ```
  }];
  let arguments = (ins CNN_Tensor:$input,
                       DefaultValuedAttr<F32Attr, "1.0f">:$alpha);
  let results = (outs CNN_Tensor:$output);
  let assemblyFormat = [{
    $input (`alpha` `=` $alpha^)? attr-dict `:` type($input)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = CNN_ActivationLayerMethods # [{Elu;
    /// keras.activations.elu's default alpha, the fused form's.
    static constexpr double kFusedAlpha = 1.0;
    /// `elu` when alpha is the fused form's, else nothing.
    std::optional<::cnnc::cnn::Activation> getFusedForm();
  }];
}

def CNN_GeluOp : CNN_LayerOp<"gelu", [Pure, SameOperandsAndResultType]> {
  let summary = "element-wise Gaussian error linear unit";
  let description = [{
    Applies `x / 2 * (1 + erf(x / sqrt(2)))` to every element, or with
    `approximate` the tanh form
    `x / 2 * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 x^3)))`, as Keras's
    `Activation("gelu")` (`keras.activations.gelu(x, approximate=False)`;
    note that `keras.ops.gelu` defaults to `approximate=True`). The exact
    form folds into a conv2d/dense as `activation = gelu`. Its derivative
    needs the input, which the training step keeps.

    Example:

    ```mlir
    %y = cnn.gelu %x : tensor<?x64xf32>
    %z = cnn.gelu %x approximate : tensor<?x64xf32>
    ```
  }];
  let arguments = (ins CNN_Tensor:$input, UnitAttr:$approximate);
  let results = (outs CNN_Tensor:$output);
  let assemblyFormat = [{
    $input (`approximate` $approximate^)? attr-dict `:` type($input)
  }];
  let extraClassDeclaration = CNN_ActivationLayerMethods # [{Gelu;
    /// `gelu` for the exact form, nothing for the tanh approximation.
    std::optional<::cnnc::cnn::Activation> getFusedForm() {
      if (getApproximate())
        return std::nullopt;
      return kActivation;
    }
  }];
}

def CNN_SoftmaxOp : CNN_LayerOp<"softmax", [Pure, SameOperandsAndResultType]> {
  let summary = "softmax over the last dimension";
  let description = [{
    Computes `exp(x - max(x)) / sum(exp(x - max(x)))` along the last
    dimension, the numerically stable form.

    Example:

    ```mlir
    %p = cnn.softmax %logits : tensor<?x10xf32>
    ```
  }];
  let arguments = (ins CNN_Tensor:$input);
  let results = (outs CNN_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasVerifier = 1;
}

def CNN_AddOp : CNN_LayerOp<"add", [Pure, Commutative, SameOperandsAndResultType]> {
  let summary = "element-wise sum of two tensors of one type (residual blocks)";
  let description = [{
    Example:

    ```mlir
    %y = cnn.add %a, %b : tensor<?x8x8x64xf32>
    ```
  }];
  let arguments = (ins CNN_Tensor:$lhs, CNN_Tensor:$rhs);
  let results = (outs CNN_Tensor:$output);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type($lhs)";
}

include "cnnc/Dialect/CNN/IR/CNNTrainingOps.td"
include "cnnc/Dialect/CNN/IR/CNNNormalizationOps.td"
include "cnnc/Dialect/CNN/IR/CNNReshapingOps.td"
include "cnnc/Dialect/CNN/IR/CNNPreprocessingOps.td"

#endif // CNNC_DIALECT_CNN_IR_CNNOPS_TD
