//===- TrainingConfig.h - Keras compile configuration -----------*- C++ -*-===//
//
// Translates what `model.compile(optimizer=..., loss=...)` saved (Keras 3's
// `compile_config`, legacy `training_config`) into cnnc's optimizer and
// loss names and hyperparameters, refusing what the compiled training step
// cannot reproduce (gradient clipping, EMA, AMSGrad, label smoothing, ...).
//
//===----------------------------------------------------------------------===//

#ifndef CNNC_LIB_TARGET_KERAS_TRAININGCONFIG_H
#define CNNC_LIB_TARGET_KERAS_TRAININGCONFIG_H

#include "KerasFile.h"

#include "cnnc/Target/Keras/KerasImport.h"

#include "mlir/IR/BuiltinAttributes.h"

namespace cnnc::keras {

/// The saved training configuration in cnnc's terms.
struct SavedTraining {
  /// `cnn.training_config`'s value; null when nothing was saved (or the
  /// caller overrides all of it).
  mlir::DictionaryAttr attribute;
  /// The saved loss in cnnc's name, "" when none was saved or read.
  std::string loss;
  /// Whether the saved loss takes logits (`from_logits=True`).
  bool fromLogits = false;
};

/// Reads the training configuration of `file`, skipping what `options`
/// decides already.
llvm::Expected<SavedTraining> readTraining(const KerasFile &file,
                                           const ImportOptions &options,
                                           mlir::MLIRContext &context);

} // namespace cnnc::keras

#endif // CNNC_LIB_TARGET_KERAS_TRAININGCONFIG_H
