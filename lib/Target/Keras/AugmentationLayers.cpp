//===- AugmentationLayers.cpp - random preprocessing layers ---------------===//
//
// Keras's random preprocessing and noise layers (RandomFlip,
// RandomTranslation, RandomRotation, RandomZoom, RandomContrast,
// RandomBrightness, GaussianNoise, GaussianDropout) change images only in
// training; in predict and evaluate they are the identity, and so they are
// in the imported model. Training augmentation is cnnc-train's job (its
// seeded input pipeline, `--augment`), not the library's: each layer is
// imported as its inference form with a warning that names the
// cnnc-train flag doing the same, or says that cnnc-train has none.
//
//===----------------------------------------------------------------------===//

#include "Importer.h"

#include "llvm/Support/Format.h"

using namespace mlir;
using namespace cnnc;
using namespace cnnc::keras;
namespace json = llvm::json;

namespace {

/// A factor argument as one number: a scalar, or a symmetric range
/// [-F, F] (Keras writes both). std::nullopt for anything else.
std::optional<double> symmetricFactor(const ConfigReader &config,
                                      llvm::StringRef key) {
  const json::Value *value = config.get(key);
  if (!value)
    return std::nullopt;
  if (std::optional<double> number = value->getAsNumber())
    return std::abs(*number);
  const json::Array *range = value->getAsArray();
  if (!range || range->size() != 2)
    return std::nullopt;
  std::optional<double> low = (*range)[0].getAsNumber();
  std::optional<double> high = (*range)[1].getAsNumber();
  if (!low || !high || *low != -*high)
    return std::nullopt;
  return *high;
}

/// "train with --augment KEY=F" when `factor` is one number, else why not.
std::string augmentFlag(llvm::StringRef key, std::optional<double> factor,
                        llvm::StringRef otherwise) {
  if (!factor)
    return otherwise.str();
  std::string text;
  llvm::raw_string_ostream(text) << "train with cnnc-train --augment " << key
                                 << "=" << llvm::format("%g", *factor);
  return text;
}

/// What cnnc-train can do instead of the layer `className` in training.
std::string trainingAdvice(llvm::StringRef className,
                           const ConfigReader &config) {
  if (className == "RandomFlip") {
    std::string mode = config.get("mode") && config.get("mode")->getAsString()
                           ? config.get("mode")->getAsString()->str()
                           : "horizontal_and_vertical";
    if (mode == "horizontal")
      return "train with cnnc-train --augment flip";
    return "cnnc-train flips left-right only (--augment flip), not '" + mode +
           "'";
  }
  if (className == "RandomTranslation") {
    std::optional<double> height = symmetricFactor(config, "height_factor");
    std::optional<double> width = symmetricFactor(config, "width_factor");
    return augmentFlag("translate", height == width ? height : std::nullopt,
                       "cnnc-train translates by one symmetric factor on "
                       "both axes (--augment translate=F)");
  }
  if (className == "RandomContrast") {
    // Keras 3 saves [lower, upper] and draws the factor in
    // [1 - lower, 1 + upper]; RandomContrast(0.2) is [0, 0.2].
    const json::Value *factor = config.get("factor");
    const json::Array *range = factor ? factor->getAsArray() : nullptr;
    std::optional<double> lower, upper;
    if (range && range->size() == 2) {
      lower = (*range)[0].getAsNumber();
      upper = (*range)[1].getAsNumber();
    } else if (factor) {
      lower = upper = factor->getAsNumber();
    }
    if (!lower || !upper)
      return "cnnc-train's --augment contrast=F draws the contrast factor in "
             "[1 - F, 1 + F]";
    if (*lower == *upper)
      return augmentFlag("contrast", upper, "");
    std::string text;
    llvm::raw_string_ostream(text)
        << "Keras draws its contrast factor in ["
        << llvm::format("%g", 1 - *lower) << ", "
        << llvm::format("%g", 1 + *upper)
        << "], cnnc-train's --augment contrast=F in [1 - F, 1 + F]";
    return text;
  }
  if (className == "RandomBrightness")
    return augmentFlag("brightness", symmetricFactor(config, "factor"),
                       "cnnc-train takes one symmetric brightness factor "
                       "(--augment brightness=B)");
  if (className == "RandomRotation" || className == "RandomZoom")
    return "cnnc-train has no " +
           std::string(className == "RandomRotation" ? "rotation" : "zoom") +
           "; training runs without it (--augment has flip, translate, "
           "crop, brightness and contrast)";
  return "cnnc-train trains without the noise";
}

} // namespace

llvm::Expected<Value> cnnc::keras::importAugmentation(LayerContext &layer,
                                                      ArrayRef<Value> inputs) {
  const ConfigReader &config = layer.config();
  llvm::StringRef className = layer.getLayer().className;
  bool noise = className == "GaussianNoise" || className == "GaussianDropout";
  if (!noise) {
    if (llvm::Expected<RankedTensorType> type =
            layer.inputType(inputs[0], 4, "(batch, height, width, channels)");
        !type)
      return type.takeError();
  }
  // What it does in training, as Keras documents it.
  llvm::StringRef what = noise ? "adds random noise to its input"
                               : "augments the images at random";
  layer.warn("the layer " + what +
             " in training only and is imported as the identity, its "
             "inference form: " +
             trainingAdvice(className, config));
  return inputs[0];
}
