//===- Importer.h - state of one Keras import -------------------*- C++ -*-===//
//
// The Importer walks a Keras model (ModelGraph.cpp), turns each layer into
// cnn ops (Layers.cpp, ConvLayers.cpp, CoreLayers.cpp,
// AugmentationLayers.cpp) and declares one
// `cnn.param` per Keras weight, whose saved value it reads from the weights
// file (WeightStore.cpp). A LayerContext is what a layer's importer sees:
// its configuration, its place in the model and helpers that report errors
// as "<file>: layer '<name>' (<class>): <argument>: <what is wrong>".
//
//===----------------------------------------------------------------------===//

#ifndef CNNC_LIB_TARGET_KERAS_IMPORTER_H
#define CNNC_LIB_TARGET_KERAS_IMPORTER_H

#include "ConfigReader.h"
#include "KerasFile.h"

#include "cnnc/Dialect/CNN/IR/CNNOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/StringMap.h"

#include <memory>
#include <optional>

namespace cnnc::keras {

/// One layer of the model and where it sits.
struct LayerRef {
  std::string className;
  std::string name;
  /// Prefix of its parameters' names: the enclosing nested models' names
  /// and its own, "block/conv2d" (the top-level model's name is left out,
  /// so a plain model's names are Keras's "conv2d/kernel").
  std::string paramPrefix;
  /// Keras 3: its group in model.weights.h5, e.g.
  /// "layers/sequential/layers/conv2d" (Keras names the groups after the
  /// layers' classes, numbered per container).
  std::string weightsGroup;
  /// Legacy .h5: the top-level layer whose group holds its weights.
  std::string topLevelName;
  /// False when the layer or an enclosing model is frozen.
  bool trainable = true;
  /// True when this application of the layer, or of an enclosing model,
  /// is a call with `training=False`: the layer behaves as in inference
  /// also in training (BatchNormalization uses its moving statistics,
  /// Dropout passes its input through).
  bool inferenceMode = false;
  /// Its `config` object, with messages naming the layer.
  ConfigReader config;
};

/// One weight tensor a layer declares, in Keras's variable order.
struct WeightSpec {
  WeightSpec(std::string name, llvm::SmallVector<int64_t, 4> shape,
             cnn::Initializer init, bool trainable = true,
             std::string legacyName = "")
      : name(std::move(name)), shape(std::move(shape)), init(init),
        trainable(trainable), legacyName(std::move(legacyName)) {}

  std::string name; ///< Keras's variable name, e.g. "kernel"
  llvm::SmallVector<int64_t, 4> shape;
  cnn::Initializer init;  ///< for models saved without weights
  bool trainable;         ///< false for moving statistics
  std::string legacyName; ///< tf.keras 2's name when it differs
};

class WeightStore;

/// Where nested models put their layers' names and weights.
struct Scope {
  std::string paramPrefix;  ///< "" or "block/"
  std::string weightsGroup; ///< "" or "layers/sequential/"
  std::string topLevelName; ///< legacy .h5: the outermost nested model
  bool trainable = true;
  bool inferenceMode = false; ///< called with `training=False`
};

/// The state of one import.
class Importer {
public:
  Importer(mlir::MLIRContext &context, const KerasFile &file);
  ~Importer();

  /// Builds `func.func @forward` for the model into `module` and returns
  /// the value it returns (before any final softmax is removed).
  llvm::Expected<mlir::Value> importTopLevel(mlir::ModuleOp module);

  /// Applies the model `model` (`{"class_name", "config"}` of a
  /// Sequential or Functional model) to `input`.
  llvm::Expected<mlir::Value> importModel(const llvm::json::Object &model,
                                          mlir::Value input,
                                          const Scope &scope);

  /// Applies the layer `layer` to `inputs` (ModelGraph.cpp calls it for
  /// every layer that is not a model).
  llvm::Expected<mlir::Value> importLayer(const LayerRef &layer,
                                          llvm::ArrayRef<mlir::Value> inputs);

  /// Declares the parameters of `layer` (once per layer, so a layer
  /// applied twice shares them) and reads their saved values.
  llvm::Expected<llvm::SmallVector<mlir::Value>>
  declareWeights(const LayerRef &layer, llvm::ArrayRef<WeightSpec> specs);

  /// The first error the MLIR diagnostics reported since the last call
  /// (the dialect's shape inference and verifiers), then cleared.
  std::string takeDiagnostic();

  /// "<file>: <message>".
  llvm::Error error(const llvm::Twine &message) const;

  mlir::MLIRContext &context;
  mlir::OpBuilder builder;
  const KerasFile &file;
  /// Saved parameter values by cnnc parameter name.
  llvm::StringMap<std::vector<float>> values;
  /// One line per warning (LayerContext::warn), in import order.
  std::vector<std::string> warnings;

private:
  std::unique_ptr<WeightStore> weights;
  llvm::StringMap<llvm::SmallVector<mlir::Value>> declared;
  std::string diagnostic;
  mlir::ScopedDiagnosticHandler diagnosticHandler;
};

/// What an `activation` argument asks for.
struct ActivationSpec {
  enum class Kind { None, Softmax, Function } kind = Kind::None;
  /// The Keras activation function's cnn name ("relu", "hard_swish"),
  /// for Kind::Function.
  std::string name;
};

/// The helpers a layer's importer uses.
class LayerContext {
public:
  LayerContext(Importer &importer, const LayerRef &layer);

  const ConfigReader &config() const { return layer.config; }
  mlir::OpBuilder &builder() { return importer.builder; }
  mlir::Location getLoc() const { return loc; }
  const LayerRef &getLayer() const { return layer; }

  /// "<file>: layer '<name>' (<class>): <message>".
  llvm::Error error(const llvm::Twine &message) const {
    return layer.config.error(message);
  }

  /// The parameters for `specs`.
  llvm::Expected<llvm::SmallVector<mlir::Value>>
  weights(llvm::ArrayRef<WeightSpec> specs) {
    return importer.declareWeights(layer, specs);
  }

  /// The initializer named by `key` (`kernel_initializer`, ...); `fallback`
  /// when absent. Initializers cnnc lacks are an error only when the file
  /// has no weights to replace them.
  llvm::Expected<cnn::Initializer> initializer(llvm::StringRef key,
                                               cnn::Initializer fallback);

  /// Parses the activation argument `key`.
  llvm::Expected<ActivationSpec> activation(llvm::StringRef key);

  /// `input` with the activation applied as a standalone op (the identity
  /// for none); `alpha` is the slope of leaky_relu / elu when the layer
  /// sets one.
  llvm::Expected<mlir::Value>
  applyActivation(mlir::Value input, const ActivationSpec &activation,
                  std::optional<double> alpha = std::nullopt);

  /// `input`'s ranked type, checked to have rank `rank` (0: any); `what`
  /// describes the expected layout, e.g. "(batch, height, width,
  /// channels)".
  llvm::Expected<mlir::RankedTensorType>
  inputType(mlir::Value input, int64_t rank, llvm::StringRef what);

  /// Records a warning about the layer: "<file>: layer '<name>'
  /// (<class>): <message>", printed by cnnc and cnnc-translate.
  void warn(const llvm::Twine &message) {
    importer.warnings.push_back(
        (layer.config.getContext() + ": " + message).str());
  }

  /// Infers and sets the result types of `op`, created with placeholder
  /// results; on failure erases it and returns the dialect's message.
  llvm::Expected<mlir::Value> finish(mlir::Operation *op);

  Importer &importer;

private:
  const LayerRef &layer;
  mlir::Location loc;
};

/// A Keras-style shape for messages: "(None, 8, 8, 3)".
std::string kerasShape(mlir::Type type);

/// Fails unless the `<weight>_regularizer` and `<weight>_constraint`
/// arguments of every weight in `weights`, and `lora_rank`, are unset:
/// cnnc's training step has no penalties, projections or LoRA.
llvm::Error checkNoPenalties(const ConfigReader &config,
                             llvm::ArrayRef<llvm::StringRef> weights);

/// Imports one layer of class `layer.getLayer().className`; every class
/// the importer knows has one (Layers.cpp).
using LayerImportFn = llvm::Expected<mlir::Value> (*)(
    LayerContext &layer, llvm::ArrayRef<mlir::Value> inputs);

/// The importer of `className`, or nullptr.
LayerImportFn lookupLayerImporter(llvm::StringRef className);
/// The supported layer classes, comma-separated, for messages.
std::string supportedLayerClasses();

// Layer importers (ConvLayers.cpp).
llvm::Expected<mlir::Value> importConv2D(LayerContext &,
                                         llvm::ArrayRef<mlir::Value>);
llvm::Expected<mlir::Value> importDepthwiseConv2D(LayerContext &,
                                                  llvm::ArrayRef<mlir::Value>);
llvm::Expected<mlir::Value> importSeparableConv2D(LayerContext &,
                                                  llvm::ArrayRef<mlir::Value>);
llvm::Expected<mlir::Value> importMaxPooling2D(LayerContext &,
                                               llvm::ArrayRef<mlir::Value>);
llvm::Expected<mlir::Value> importAveragePooling2D(LayerContext &,
                                                   llvm::ArrayRef<mlir::Value>);
llvm::Expected<mlir::Value>
importGlobalAveragePooling2D(LayerContext &, llvm::ArrayRef<mlir::Value>);
llvm::Expected<mlir::Value>
importGlobalMaxPooling2D(LayerContext &, llvm::ArrayRef<mlir::Value>);
llvm::Expected<mlir::Value> importZeroPadding2D(LayerContext &,
                                                llvm::ArrayRef<mlir::Value>);

// Layer importers (CoreLayers.cpp).
llvm::Expected<mlir::Value> importDense(LayerContext &,
                                        llvm::ArrayRef<mlir::Value>);
llvm::Expected<mlir::Value> importFlatten(LayerContext &,
                                          llvm::ArrayRef<mlir::Value>);
llvm::Expected<mlir::Value> importActivation(LayerContext &,
                                             llvm::ArrayRef<mlir::Value>);
llvm::Expected<mlir::Value> importReLU(LayerContext &,
                                       llvm::ArrayRef<mlir::Value>);
llvm::Expected<mlir::Value> importLeakyReLU(LayerContext &,
                                            llvm::ArrayRef<mlir::Value>);
llvm::Expected<mlir::Value> importELU(LayerContext &,
                                      llvm::ArrayRef<mlir::Value>);
llvm::Expected<mlir::Value> importSoftmax(LayerContext &,
                                          llvm::ArrayRef<mlir::Value>);
llvm::Expected<mlir::Value> importAdd(LayerContext &,
                                      llvm::ArrayRef<mlir::Value>);
llvm::Expected<mlir::Value> importConcatenate(LayerContext &,
                                              llvm::ArrayRef<mlir::Value>);
llvm::Expected<mlir::Value>
importBatchNormalization(LayerContext &, llvm::ArrayRef<mlir::Value>);
llvm::Expected<mlir::Value> importDropout(LayerContext &,
                                          llvm::ArrayRef<mlir::Value>);
llvm::Expected<mlir::Value> importRescaling(LayerContext &,
                                            llvm::ArrayRef<mlir::Value>);

// Random preprocessing and noise layers (AugmentationLayers.cpp): their
// inference form, the identity, with a warning.
llvm::Expected<mlir::Value> importAugmentation(LayerContext &,
                                               llvm::ArrayRef<mlir::Value>);

} // namespace cnnc::keras

#endif // CNNC_LIB_TARGET_KERAS_IMPORTER_H
