//===- KerasFile.h - the containers of saved Keras models -------*- C++ -*-===//
//
// Opens the three ways Keras saves a model and returns their common
// content: the architecture (Keras's `{"class_name", "config"}` JSON), the
// training configuration when the model was compiled, and the HDF5 file
// with the weights. A Keras 3 `.keras` file is a zip archive (libzip) of
// `config.json`, `metadata.json` and `model.weights.h5`; a legacy `.h5`
// file keeps the JSON in the root attributes `model_config` and
// `training_config` and the weights under `model_weights`; `to_json()`
// gives the architecture alone.
//
//===----------------------------------------------------------------------===//

#ifndef CNNC_LIB_TARGET_KERAS_KERASFILE_H
#define CNNC_LIB_TARGET_KERAS_KERASFILE_H

#include "Hdf5File.h"

#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBufferRef.h"

#include <optional>
#include <string>

namespace cnnc::keras {

/// The content of a saved Keras model.
struct KerasFile {
  enum class Format { Keras, LegacyH5, Json };

  Format format = Format::Json;
  /// The file name, for messages.
  std::string name;
  /// The model: `{"class_name": "Sequential" | "Functional" | ...,
  /// "config": {...}}`.
  llvm::json::Value model = nullptr;
  /// Keras 3's `compile_config` (`{"optimizer", "loss", ...}`) or the
  /// legacy `training_config` (`{"optimizer_config", "loss", ...}`); null
  /// when the model was not compiled.
  llvm::json::Value training = nullptr;
  /// The weights (`model.weights.h5`, or the legacy `.h5` itself); absent
  /// for an architecture JSON.
  std::optional<Hdf5File> weights;
};

/// Reads the saved model in `buffer` (its identifier is the file name),
/// recognizing the format from the first bytes.
llvm::Expected<KerasFile> readKerasFile(llvm::MemoryBufferRef buffer);

/// Parses `text` as JSON; a syntax error names `what` and the line and
/// column, e.g. "m.keras: config.json: invalid JSON: [3:14, byte=40]: ...".
llvm::Expected<llvm::json::Value> parseJson(llvm::StringRef text,
                                            const llvm::Twine &what);

} // namespace cnnc::keras

#endif // CNNC_LIB_TARGET_KERAS_KERASFILE_H
