//===- CNNBase.td - cnn dialect definition and enums -------*- tablegen -*-===//
//
// The `cnn` dialect describes convolutional networks at the level of Keras
// layers: NHWC activations, HWCF filters, f32 elements, dynamic batch.
//
//===----------------------------------------------------------------------===//

#ifndef CNNC_DIALECT_CNN_IR_CNNBASE_TD
#define CNNC_DIALECT_CNN_IR_CNNBASE_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

def CNN_Dialect : Dialect {
  let name = "cnn";
  let cppNamespace = "::cnnc::cnn";
  let summary = "Convolutional network layers (NHWC, f32, dynamic batch)";
  let description = [{
    The `cnn` dialect is the input language of cnnc. A model is a function
    whose body applies layers (`cnn.conv2d`, `cnn.max_pool2d`, `cnn.dense`,
    ...) to a batch of images. Trainable weights are declared in the body with
    `cnn.param`; their storage is provided by the caller of the compiled model,
    so a model has no hidden global state. Activations are NHWC, filters HWCF,
    elements f32; the batch dimension may be dynamic (`?`) and every result
    type is inferred.
  }];
  let useDefaultAttributePrinterParser = 1;
  // `cnn.target` on a module must be a #cnn.cpu_target.
  let hasOperationAttrVerify = 1;
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
}

class CNN_Op<string mnemonic, list<Trait> traits = []>
    : Op<CNN_Dialect, mnemonic, traits>;

//===----------------------------------------------------------------------===//
// Enums
//===----------------------------------------------------------------------===//

def CNN_PaddingValid : I32EnumAttrCase<"Valid", 0, "valid">;
def CNN_PaddingSame : I32EnumAttrCase<"Same", 1, "same">;
def CNN_PaddingEnum : I32EnumAttr<"Padding",
    "Keras padding mode: `valid` (no padding) or `same` (output = ceil(in / stride))",
    [CNN_PaddingValid, CNN_PaddingSame]> {
  let cppNamespace = "::cnnc::cnn";
  let genSpecializedAttr = 0;
}
def CNN_PaddingAttr : EnumAttr<CNN_Dialect, CNN_PaddingEnum, "padding"> {
  // Printed as a keyword; a typo gets one error that lists the valid
  // keywords (parseEnumKeyword in CNNDialect.cpp).
  let assemblyFormat = ?;
  let hasCustomAssemblyFormat = 1;
}

// What `activation = <kind>` on conv2d/dense computes: Keras's
// `Conv2D(..., activation="<kind>")`, i.e. keras.activations.<kind>(x) with
// its default parameters (Keras 3, keras/src/activations/activations.py and
// the backends' nn.py):
//   relu          max(x, 0)
//   sigmoid       1 / (1 + exp(-x))
//   tanh          tanh(x)
//   leaky_relu    x >= 0 ? x : 0.2 x        (negative_slope = 0.2; the
//                 LeakyReLU layer's default is 0.3: cnn.leaky_relu)
//   elu           x > 0 ? x : exp(x) - 1    (alpha = 1.0)
//   selu          scale * (x > 0 ? x : alpha (exp(x) - 1)),
//                 alpha = 1.6732632423543772, scale = 1.0507009873554805
//   relu6         min(max(x, 0), 6)
//   silu          x * sigmoid(x)            (Keras `swish` and `silu`)
//   gelu          x / 2 * (1 + erf(x / sqrt(2)))  (approximate = False)
//   softplus      log(1 + exp(x)), as max(x, 0) + log1p(exp(-|x|))
//   hard_sigmoid  relu6(x + 3) / 6          (Keras 3; not Keras 2's 0.2 x + 0.5)
//   hard_swish    x * relu6(x + 3) / 6      (Keras `hard_silu`/`hard_swish`)
def CNN_ActNone : I32EnumAttrCase<"None", 0, "none">;
def CNN_ActRelu : I32EnumAttrCase<"Relu", 1, "relu">;
def CNN_ActSigmoid : I32EnumAttrCase<"Sigmoid", 2, "sigmoid">;
def CNN_ActTanh : I32EnumAttrCase<"Tanh", 3, "tanh">;
def CNN_ActLeakyRelu : I32EnumAttrCase<"LeakyRelu", 4, "leaky_relu">;
def CNN_ActElu : I32EnumAttrCase<"Elu", 5, "elu">;
def CNN_ActSelu : I32EnumAttrCase<"Selu", 6, "selu">;
def CNN_ActRelu6 : I32EnumAttrCase<"Relu6", 7, "relu6">;
def CNN_ActSilu : I32EnumAttrCase<"Silu", 8, "silu">;
def CNN_ActGelu : I32EnumAttrCase<"Gelu", 9, "gelu">;
def CNN_ActSoftplus : I32EnumAttrCase<"Softplus", 10, "softplus">;
def CNN_ActHardSigmoid : I32EnumAttrCase<"HardSigmoid", 11, "hard_sigmoid">;
def CNN_ActHardSwish : I32EnumAttrCase<"HardSwish", 12, "hard_swish">;
def CNN_ActivationEnum : I32EnumAttr<"Activation",
    "activation fused into a layer: the Keras 3 activation function of that "
    "name with its default parameters (keras/src/activations/activations.py)",
    [CNN_ActNone, CNN_ActRelu, CNN_ActSigmoid, CNN_ActTanh, CNN_ActLeakyRelu,
     CNN_ActElu, CNN_ActSelu, CNN_ActRelu6, CNN_ActSilu, CNN_ActGelu,
     CNN_ActSoftplus, CNN_ActHardSigmoid, CNN_ActHardSwish]> {
  let cppNamespace = "::cnnc::cnn";
  let genSpecializedAttr = 0;
}
def CNN_ActivationAttr : EnumAttr<CNN_Dialect, CNN_ActivationEnum, "activation"> {
  let assemblyFormat = ?;
  let hasCustomAssemblyFormat = 1;
}

def CNN_PoolMax : I32EnumAttrCase<"Max", 0, "max">;
def CNN_PoolAvg : I32EnumAttrCase<"Avg", 1, "avg">;
def CNN_PoolMin : I32EnumAttrCase<"Min", 2, "min">;
def CNN_PoolKindEnum : I32EnumAttr<"PoolKind", "pooling reduction",
    [CNN_PoolMax, CNN_PoolAvg, CNN_PoolMin]> {
  let cppNamespace = "::cnnc::cnn";
  let genSpecializedAttr = 0;
}
def CNN_PoolKindAttr : EnumAttr<CNN_Dialect, CNN_PoolKindEnum, "pool_kind"> {
  let assemblyFormat = ?;
  let hasCustomAssemblyFormat = 1;
}

def CNN_LossSparseCE : I32EnumAttrCase<"SparseCategoricalCrossentropy", 0,
                                       "sparse_categorical_crossentropy">;
def CNN_LossCE : I32EnumAttrCase<"CategoricalCrossentropy", 1,
                                 "categorical_crossentropy">;
def CNN_LossMSE : I32EnumAttrCase<"MeanSquaredError", 2, "mean_squared_error">;
def CNN_LossKindEnum : I32EnumAttr<"LossKind",
    "training loss on logits and integer class labels",
    [CNN_LossSparseCE, CNN_LossCE, CNN_LossMSE]> {
  let cppNamespace = "::cnnc::cnn";
  let genSpecializedAttr = 0;
}
def CNN_LossKindAttr : EnumAttr<CNN_Dialect, CNN_LossKindEnum, "loss"> {
  let assemblyFormat = ?;
  let hasCustomAssemblyFormat = 1;
}

def CNN_InitZeros : I32EnumAttrCase<"Zeros", 0, "zeros">;
def CNN_InitOnes : I32EnumAttrCase<"Ones", 1, "ones">;
def CNN_InitGlorotUniform : I32EnumAttrCase<"GlorotUniform", 2, "glorot_uniform">;
def CNN_InitGlorotNormal : I32EnumAttrCase<"GlorotNormal", 3, "glorot_normal">;
def CNN_InitHeUniform : I32EnumAttrCase<"HeUniform", 4, "he_uniform">;
def CNN_InitHeNormal : I32EnumAttrCase<"HeNormal", 5, "he_normal">;
def CNN_InitLecunUniform : I32EnumAttrCase<"LecunUniform", 6, "lecun_uniform">;
def CNN_InitializerEnum : I32EnumAttr<"Initializer",
    "Keras weight initializer (fans computed as Keras does)",
    [CNN_InitZeros, CNN_InitOnes, CNN_InitGlorotUniform, CNN_InitGlorotNormal,
     CNN_InitHeUniform, CNN_InitHeNormal, CNN_InitLecunUniform]> {
  let cppNamespace = "::cnnc::cnn";
  let genSpecializedAttr = 0;
}
def CNN_InitializerAttr : EnumAttr<CNN_Dialect, CNN_InitializerEnum, "init"> {
  let assemblyFormat = ?;
  let hasCustomAssemblyFormat = 1;
}


//===----------------------------------------------------------------------===//
// Code generation attributes
//===----------------------------------------------------------------------===//

def CNN_TilingAttr : AttrDef<CNN_Dialect, "Tiling"> {
  let mnemonic = "tiling";
  let summary = "register tile of a contraction, chosen by cnn-select-tiling";
  let description = [{
    Attached as `cnn.tiling` to a linalg contraction (convolution, its
    gradients, matrix products) by `cnn-select-tiling` and consumed by
    `cnn-vectorize-contractions`. The output is computed in register tiles of
    `rows` positions of the row dimension (the output's second-to-last
    dimension) by `vectors` vectors of `width` f32 lanes along the output's
    last dimension; `rows * vectors` accumulators stay in registers while the
    reduction loops run. `parallel` asks for the loops outside the tile to be
    an `scf.forall`, which the pipeline maps to threads. With
    `outer_reductions = 1` the first reduction loop (the batch of a filter
    gradient) runs outside the row blocks: each of its iterations updates
    the whole output tile, kept in the cache, so the slice of the operands
    it reads (one image) is reused by every row block instead of being
    streamed again for each.

    ```mlir
    linalg.conv_2d_nhwc_hwcf {cnn.tiling = #cnn.tiling<rows = 6, vectors = 2, width = 8, parallel = true>} ...
    ```
  }];
  let parameters = (ins "int64_t":$rows, "int64_t":$vectors, "int64_t":$width,
                        "bool":$parallel,
                        DefaultValuedParameter<"int64_t", "0">:$outer_reductions);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

def CNN_CPUTargetAttr : AttrDef<CNN_Dialect, "CPUTarget"> {
  let mnemonic = "cpu_target";
  let summary = "the CPU whose vector registers the kernels are blocked for";
  let description = [{
    Attached as `cnn.target` to the module by `cnnc` for the CPU it compiles
    for (`--mcpu`/`--mattr`, default the host): `vector_width` f32 lanes per
    vector register the kernels use and `vector_registers` registers they
    may keep live (16 for AVX2, 32 with AVX-512VL). `cnn-select-tiling` and
    `cnn-vectorize-depthwise` read it (their options, when given, win), so
    `cnnc --emit=cnn` prints a model that `cnnc-opt --cnn-cpu-pipeline`
    compiles exactly as `cnnc` does on any host. Without the attribute the
    passes assume AVX2 (8 lanes, 16 registers).

    ```mlir
    module attributes {cnn.target = #cnn.cpu_target<vector_width = 8, vector_registers = 32>} {
    ```
  }];
  let parameters = (ins "int64_t":$vector_width, "int64_t":$vector_registers);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// The discardable attribute of the module that holds the target.
    static constexpr ::llvm::StringLiteral getAttrName() {
      return ::llvm::StringLiteral("cnn.target");
    }
    /// The target of the module enclosing (or being) `op`; null if none.
    static CPUTargetAttr lookup(::mlir::Operation *op);
  }];
}

#endif // CNNC_DIALECT_CNN_IR_CNNBASE_TD
