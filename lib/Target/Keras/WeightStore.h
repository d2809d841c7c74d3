//===- WeightStore.h - the saved weights of a Keras model -------*- C++ -*-===//
//
// Finds a layer's weights in the HDF5 file Keras saved and checks them
// against the shapes the layer's configuration implies. Keras 3
// (`model.weights.h5`) stores them as `<layer group>/vars/<i>` in the
// layer's variable order; legacy `.h5` files store them under
// `model_weights/<top-level layer>/` at the paths listed in the group's
// `weight_names` attribute ("conv2d/kernel:0", "sequential/conv2d/kernel").
//
//===----------------------------------------------------------------------===//

#ifndef CNNC_LIB_TARGET_KERAS_WEIGHTSTORE_H
#define CNNC_LIB_TARGET_KERAS_WEIGHTSTORE_H

#include "Importer.h"

namespace cnnc::keras {

class WeightStore {
public:
  /// `legacy` selects the `.h5` layout.
  WeightStore(const Hdf5File &file, bool legacy) : file(file), legacy(legacy) {}

  /// The saved values of `specs` for `layer`, in order; errors name the
  /// layer, the weight and the HDF5 path.
  llvm::Expected<std::vector<std::vector<float>>>
  read(const LayerRef &layer, llvm::ArrayRef<WeightSpec> specs) const;

private:
  llvm::Expected<std::vector<std::string>>
  locateKeras(const LayerRef &layer, llvm::ArrayRef<WeightSpec> specs) const;
  llvm::Expected<std::vector<std::string>>
  locateLegacy(const LayerRef &layer, llvm::ArrayRef<WeightSpec> specs) const;

  const Hdf5File &file;
  bool legacy;
};

} // namespace cnnc::keras

#endif // CNNC_LIB_TARGET_KERAS_WEIGHTSTORE_H
