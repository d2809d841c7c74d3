//===- ModelDescriptor.h - the ABI surface of a generated library -*- C++ -*-===//
//
// Adds to a translated LLVM module everything of the C ABI (abi.h) that is
// data rather than computation: the model descriptor with its parameter
// table, `<model>_model`, `<model>_init_params` and `cnnc_model_entry`.
// Also writes the C header apps include to link the library directly.
//
//===----------------------------------------------------------------------===//

#ifndef CNNC_TARGET_MODELDESCRIPTOR_H
#define CNNC_TARGET_MODELDESCRIPTOR_H

#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <array>
#include <cstdint>
#include <string>

namespace llvm {
class Module;
} // namespace llvm

namespace cnnc {

/// One row of the parameter table (mirrors cnnc_param_info).
struct ParamTableEntry {
  std::string name;
  int64_t offset = 0;
  int64_t size = 0;
  llvm::SmallVector<int64_t, 4> shape;
  int32_t initializer = 0; ///< cnnc_initializer
  int64_t fanIn = 1;
  int64_t fanOut = 1;
  bool trainable = true;
};

/// What the descriptor says about a model (mirrors cnnc_model_desc).
struct ModelDescription {
  std::string name;
  std::string target = "cpu";
  std::array<int64_t, 4> inputShape = {-1, 1, 1, 1}; ///< NHWC, batch -1
  int64_t numClasses = 0;
  int64_t paramElements = 0;
  int64_t trainableElements = 0; ///< the trainable prefix of the parameters
  llvm::SmallVector<ParamTableEntry> params;
  int64_t optStateElements = 0;
  std::string optimizer; ///< empty without training
  std::string loss;      ///< empty without training
  int64_t forwardFlops = 0; ///< per image
};

/// Emits the descriptor global and the descriptor-related functions into
/// `module`, which must already contain `<name>_forward` (and, when
/// `optimizer` is set, `<name>_train_step` and `<name>_evaluate`).
llvm::Error emitModelDescriptor(llvm::Module &module,
                                const ModelDescription &model);

/// Writes the C header declaring the library's exported symbols.
void emitModelHeader(const ModelDescription &model, llvm::raw_ostream &os);

} // namespace cnnc

#endif // CNNC_TARGET_MODELDESCRIPTOR_H
