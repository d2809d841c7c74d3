//===- CNNInterfaces.td - what a layer means ---------------*- tablegen -*-===//
//
// The interfaces through which passes ask an op what it means instead of
// switching over op types: its gradient (DifferentiableOpInterface), its
// Keras identity, cost and training-mode behaviour (LayerOpInterface) and a
// fused activation (FusedActivationOpInterface). A new layer is one ODS
// entry that declares these interfaces plus their implementation next to the
// op; training synthesis, the model summary, FLOP counts and activation
// fusion then handle it without change.
//
//===----------------------------------------------------------------------===//

#ifndef CNNC_DIALECT_CNN_IR_CNNINTERFACES_TD
#define CNNC_DIALECT_CNN_IR_CNNINTERFACES_TD

include "mlir/IR/OpBase.td"

def CNN_DifferentiableOpInterface : OpInterface<"DifferentiableOpInterface"> {
  let cppNamespace = "::cnnc::cnn";
  let description = [{
    An op with a reverse-mode gradient rule written as cnn ops, so that the
    backward pass is ordinary IR that fusion and tiling see like the forward
    pass. Layer ops implement it for their training-mode form; the training
    forms of mode-dependent layers (`cnn.batch_norm_train`,
    `cnn.dropout_train`) implement it themselves.
  }];
  let methods = [
    InterfaceMethod<[{
        Builds the gradients of the op's operands at the builder's insertion
        point. `resultGrads` holds one gradient per result, a null Value for
        a result that no loss depends on. Only operands with `wanted[i]`
        set need a gradient; the others get a null Value. Emits an error at
        the op and fails when the rule cannot be built.
      }],
      "::mlir::FailureOr<::llvm::SmallVector<::mlir::Value>>", "buildGradients",
      (ins "::mlir::OpBuilder &":$builder,
           "::mlir::ArrayRef<::mlir::Value>":$resultGrads,
           "::mlir::ArrayRef<bool>":$wanted)>,
  ];
}

def CNN_LayerOpInterface : OpInterface<"LayerOpInterface"> {
  let cppNamespace = "::cnnc::cnn";
  let description = [{
    A layer of a model: an op users write in `@forward`, with a Keras
    counterpart. It answers what the model summary, the library descriptor
    and training synthesis need to know about it.
  }];
  let methods = [
    InterfaceMethod<[{
        The Keras class of the layer ("Conv2D", "BatchNormalization"), as
        the model summary prints it.
      }],
      "::llvm::StringRef", "getKerasClassName">,
    InterfaceMethod<[{
        The base of Keras's automatic layer names ("conv2d",
        "batch_normalization"): the summary numbers unnamed layers from it
        as Keras does ("conv2d_1").
      }],
      "::llvm::StringRef", "getKerasLayerName">,
    InterfaceMethod<[{
        Floating-point operations for one image (a multiply-add counts as
        two) in inference mode; std::nullopt when the count does not fit in
        int64.
      }],
      "std::optional<int64_t>", "getFlopsPerImage">,
    InterfaceMethod<[{
        Whether the layer computes something else in training (Keras
        `training=True`): batch statistics, random dropout, or a form whose
        gradient needs values the inference form does not keep.
      }],
      "bool", "hasTrainingBehavior", (ins), [{}], [{ return false; }]>,
    InterfaceMethod<[{
        Builds the training-mode form of the layer on `operands` (the
        layer's operands as the training step sees them) and returns the
        values that replace its results. Only called when
        hasTrainingBehavior() is true. Non-trainable state the layer
        updates is reported through `context.updateState`.
      }],
      "::mlir::FailureOr<::llvm::SmallVector<::mlir::Value>>",
      "buildTrainingForm",
      (ins "::mlir::OpBuilder &":$builder, "::mlir::ValueRange":$operands,
           "::cnnc::cnn::TrainingContext &":$context),
      [{}], [{
        return $_op->emitOpError("has no training form");
      }]>,
  ];
}

def CNN_FusedActivationOpInterface : OpInterface<"FusedActivationOpInterface"> {
  let cppNamespace = "::cnnc::cnn";
  let description = [{
    A layer that applies an activation to its result (the `activation`
    attribute of conv2d, depthwise_conv2d and dense), so a standalone
    activation on its only use can be folded into it.
  }];
  let methods = [
    InterfaceMethod<"The fused activation (`none` when there is none).",
      "::cnnc::cnn::Activation", "getActivation">,
    InterfaceMethod<"Replaces the fused activation.",
      "void", "setActivation", (ins "::cnnc::cnn::Activation":$activation)>,
  ];
}

#endif // CNNC_DIALECT_CNN_IR_CNNINTERFACES_TD
