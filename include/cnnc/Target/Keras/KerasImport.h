//===- KerasImport.h - Keras models as cnn modules --------------*- C++ -*-===//
//
// The Keras front end: translates a saved Keras model (a Keras 3 `.keras`
// archive, a legacy Keras 2 / tf.keras `.h5` file, or the architecture JSON
// of `model.to_json()`) into a `cnn` module with one `cnn.param` per Keras
// weight, plus the saved weights laid out like the compiled library's
// parameter buffer. docs/keras.md lists the layers, the arguments and the
// decisions (weights file, final softmax, training configuration).
//
//===----------------------------------------------------------------------===//

#ifndef CNNC_TARGET_KERAS_KERASIMPORT_H
#define CNNC_TARGET_KERAS_KERASIMPORT_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBufferRef.h"

#include <optional>
#include <string>
#include <vector>

namespace cnnc::keras {

/// What the caller of the importer decided already, so that the saved
/// training configuration is only consulted for what is left open.
struct ImportOptions {
  /// The caller compiles its own optimizer (cnnc --optimizer): the saved one
  /// is neither read nor checked.
  bool ignoreOptimizer = false;
  /// The caller's loss (cnnc --loss), e.g. "mean_squared_error"; empty to
  /// use the saved one. It decides whether a final softmax is moved into
  /// the loss as the saved loss would.
  std::string loss;
};

/// A Keras model translated into a `cnn` module.
struct ImportedModel {
  /// `func.func @forward` and, when the model was compiled in Keras, its
  /// optimizer and loss as the `cnn.training_config` attribute.
  mlir::OwningOpRef<mlir::ModuleOp> module;
  /// The saved weights (moving statistics included) in the layout of the
  /// module's parameter buffer (cnn::ModelInfo: trainable tensors first),
  /// ready for cnnrt_params_read. Empty for an architecture without
  /// weights (a JSON file): the library's initializers then apply.
  std::vector<float> weights;
  /// Warnings about layers imported in a form that differs from Keras's
  /// in training (random preprocessing layers), one line each:
  /// "<file>: layer '<name>' (<class>): <what>".
  std::vector<std::string> warnings;
};

/// Whether `path` names a Keras model by its extension: `.keras`, `.h5`,
/// `.hdf5` or `.json`.
bool isKerasModelPath(llvm::StringRef path);

/// Imports the Keras model in `buffer`, whose identifier names the file in
/// messages. The format is recognized from the contents (zip archive,
/// HDF5, JSON). Errors are one line that names the file and, where one is
/// concerned, the layer's name and class and the argument, e.g.
/// `m.keras: layer 'conv2d' (Conv2D): data_format: 'channels_first' is not
/// supported (channels_last only)`.
llvm::Expected<ImportedModel>
importKerasModel(llvm::MemoryBufferRef buffer, mlir::MLIRContext &context,
                 const ImportOptions &options = {});

/// Reads the file at `path` and imports it (see above).
llvm::Expected<ImportedModel>
importKerasFile(llvm::StringRef path, mlir::MLIRContext &context,
                const ImportOptions &options = {});

/// Writes `weights` as a raw float32 parameter file (cnnrt_params_read's
/// format) to `path`, atomically.
llvm::Error writeWeightsFile(llvm::StringRef path,
                             const std::vector<float> &weights);

/// The module attribute holding the training configuration saved by
/// Keras's `model.compile`: a dictionary with `optimizer` and `loss`
/// (cnnc's names), the optimizer's hyperparameters under cnnc's flag names
/// (`beta1`, `momentum`, `weight_decay`, ...) and `learning_rate`.
inline constexpr llvm::StringLiteral kTrainingConfigAttrName =
    "cnn.training_config";

/// The training defaults a module carries in `cnn.training_config`.
struct TrainingDefaults {
  std::optional<std::string> optimizer, loss;
  std::optional<double> learningRate, beta1, beta2, epsilon, momentum, rho,
      weightDecay;
  std::optional<bool> nesterov, centered;
};

/// Reads `cnn.training_config` from `module`; fails with a message naming
/// the entry when the attribute is malformed.
llvm::Expected<TrainingDefaults> getTrainingDefaults(mlir::ModuleOp module);

/// Registers the `--import-keras` translation (and its `--keras-weights`
/// option) with mlir-translate's registry, for cnnc-translate.
void registerKerasImportTranslation();

} // namespace cnnc::keras

#endif // CNNC_TARGET_KERAS_KERASIMPORT_H
