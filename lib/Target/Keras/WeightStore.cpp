//===- WeightStore.cpp - the saved weights of a Keras model ---------------===//
//
// Keras 3 addresses a layer's weights by position (`vars/0`, `vars/1`, ...
// in the order the layer created them) and records the layer's name in the
// `vars` group's `name` attribute, which is checked here. Legacy files are
// matched by name, since a nested model lists its layers' weights in one
// group with trainable and non-trainable ones apart.
//
//===----------------------------------------------------------------------===//

#include "WeightStore.h"

using namespace cnnc::keras;
using llvm::StringRef;

/// `name` without TensorFlow's ":0" output suffix.
static StringRef stripOutputIndex(StringRef name) {
  size_t colon = name.rfind(':');
  if (colon != StringRef::npos &&
      llvm::all_of(name.substr(colon + 1), llvm::isDigit))
    return name.take_front(colon);
  return name;
}

llvm::Expected<std::vector<std::string>>
WeightStore::locateKeras(const LayerRef &layer,
                         llvm::ArrayRef<WeightSpec> specs) const {
  const ConfigReader &config = layer.config;
  std::string vars = layer.weightsGroup + "/vars";
  if (!file.isGroup(vars))
    return config.error("model.weights.h5 has no weights for the layer (no "
                        "group '" +
                        vars + "')");
  llvm::Expected<std::optional<std::string>> owner =
      file.readStringAttr(vars, "name");
  if (!owner)
    return owner.takeError();
  if (*owner && **owner != layer.name)
    return config.error("the weights at '" + vars + "' belong to layer '" +
                        **owner +
                        "': model.weights.h5 does not match the "
                        "configuration");
  llvm::Expected<int64_t> count = file.countMembers(vars);
  if (!count)
    return count.takeError();
  if (*count != static_cast<int64_t>(specs.size()))
    return config.error("model.weights.h5 holds " + llvm::Twine(*count) +
                        " weight tensors at '" + vars +
                        "', the layer's "
                        "configuration needs " +
                        llvm::Twine(specs.size()));
  std::vector<std::string> paths;
  for (size_t i = 0; i < specs.size(); ++i)
    paths.push_back(vars + "/" + std::to_string(i));
  return paths;
}

llvm::Expected<std::vector<std::string>>
WeightStore::locateLegacy(const LayerRef &layer,
                          llvm::ArrayRef<WeightSpec> specs) const {
  const ConfigReader &config = layer.config;
  std::string group = "model_weights/" + layer.topLevelName;
  llvm::Expected<std::optional<std::vector<std::string>>> names =
      file.isGroup(group) ? file.readStringListAttr(group, "weight_names")
                          : std::optional<std::vector<std::string>>();
  if (!names)
    return names.takeError();
  if (!*names)
    return config.error("the file has no weights for the layer (no "
                        "'weight_names' in group '" +
                        group + "')");
  std::vector<std::string> paths;
  for (const WeightSpec &spec : specs) {
    // "block/conv2d/kernel", "sequential/conv2d/kernel" or tf.keras's
    // "conv2d/kernel:0" all end in "<layer>/<weight>".
    auto matches = [&](StringRef saved, StringRef weight) {
      std::string own = layer.name + "/" + weight.str();
      std::string full = layer.paramPrefix + "/" + weight.str();
      return saved == own || saved.ends_with("/" + own) || saved == full ||
             saved.ends_with("/" + full);
    };
    std::vector<std::string> found;
    for (const std::string &saved : **names) {
      StringRef name = stripOutputIndex(saved);
      if (matches(name, spec.name) ||
          (!spec.legacyName.empty() && matches(name, spec.legacyName)))
        found.push_back(saved);
    }
    if (found.size() != 1)
      return config.error(llvm::Twine(found.empty() ? "no" : "more than one") +
                          " weight named '" + layer.name + "/" + spec.name +
                          "' in the " + llvm::Twine((*names)->size()) +
                          " weight_names of '" + group + "'");
    paths.push_back(group + "/" + found.front());
  }
  return paths;
}

llvm::Expected<std::vector<std::vector<float>>>
WeightStore::read(const LayerRef &layer,
                  llvm::ArrayRef<WeightSpec> specs) const {
  llvm::Expected<std::vector<std::string>> paths =
      legacy ? locateLegacy(layer, specs) : locateKeras(layer, specs);
  if (!paths)
    return paths.takeError();
  std::vector<std::vector<float>> values;
  for (auto [spec, path] : llvm::zip(specs, *paths)) {
    llvm::Expected<Hdf5Tensor> tensor = file.readFloatDataset(path);
    if (!tensor)
      return layer.config.error("weight '" + spec.name +
                                "': " + llvm::toString(tensor.takeError()));
    if (llvm::ArrayRef<int64_t>(tensor->shape) !=
        llvm::ArrayRef<int64_t>(spec.shape))
      return layer.config.error("weight '" + spec.name + "' ('" + path +
                                "') has shape " + formatShape(tensor->shape) +
                                ", the layer's configuration needs " +
                                formatShape(spec.shape));
    values.push_back(std::move(tensor->values));
  }
  return values;
}
