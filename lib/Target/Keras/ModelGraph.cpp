//===- ModelGraph.cpp - Sequential and Functional models ------------------===//
//
// Walks a Keras model's layers in the order their inputs become available:
// a Sequential model applies its layers in turn, a Functional model follows
// each layer's inbound nodes (Keras 3: `{"args": [...keras tensors...]}`,
// Keras 2: `[[name, node, tensor, kwargs], ...]`). Nested models are
// applied like layers. Each layer also gets the group of its weights in a
// Keras 3 weights file, named as Keras's saving library names it: the
// snake_case class name, numbered within its container.
//
//===----------------------------------------------------------------------===//

#include "Importer.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <map>
#include <regex>
#include <tuple>

using namespace mlir;
using namespace cnnc;
using namespace cnnc::keras;
namespace json = llvm::json;

namespace {

bool isModelClass(llvm::StringRef className) {
  return className == "Sequential" || className == "Functional" ||
         className == "Model";
}

/// keras.src.utils.naming.to_snake_case: "Conv2D" -> "conv2d",
/// "BatchNormalization" -> "batch_normalization", "ReLU" -> "re_lu".
std::string toSnakeCase(llvm::StringRef name) {
  std::string text =
      std::regex_replace(name.str(), std::regex("[^A-Za-z0-9_]+"), "");
  text = std::regex_replace(text, std::regex("(.)([A-Z][a-z]+)"), "$1_$2");
  text = std::regex_replace(text, std::regex("([a-z])([A-Z])"), "$1_$2");
  return llvm::StringRef(text).lower();
}

/// The names Keras gives the members of one container ("conv2d",
/// "conv2d_1", ...), in order.
class ContainerNames {
public:
  std::string next(llvm::StringRef className) {
    std::string base = toSnakeCase(className);
    auto [entry, inserted] = used.try_emplace(base, 0);
    if (inserted)
      return base;
    return base + "_" + std::to_string(++entry->second);
  }

private:
  llvm::StringMap<int> used;
};

/// A Keras tensor: (layer name, node index, tensor index).
using TensorKey = std::tuple<std::string, int64_t, int64_t>;

/// One application of a layer in a Functional model.
struct Node {
  size_t layer;
  int64_t index;
  SmallVector<TensorKey, 2> args;
  /// The call passed `training=False`.
  bool inferenceMode = false;
};

} // namespace

/// [name, node, tensor(, kwargs)] of a Keras 2 node or of
/// input_layers/output_layers.
static std::optional<TensorKey> parseKey(const json::Value &value) {
  const json::Array *list = value.getAsArray();
  if (!list || list->size() < 3)
    return std::nullopt;
  std::optional<llvm::StringRef> name = (*list)[0].getAsString();
  std::optional<int64_t> node = (*list)[1].getAsInteger();
  std::optional<int64_t> tensor = (*list)[2].getAsInteger();
  if (!name || !node || !tensor)
    return std::nullopt;
  return TensorKey{name->str(), *node, *tensor};
}

/// input_layers / output_layers: one key or a list of keys.
static llvm::Expected<SmallVector<TensorKey, 1>>
parseKeys(const ConfigReader &config, llvm::StringRef key) {
  const json::Value *value = config.get(key);
  SmallVector<TensorKey, 1> keys;
  if (value) {
    if (std::optional<TensorKey> single = parseKey(*value))
      keys.push_back(*single);
    else if (const json::Array *list = value->getAsArray())
      for (const json::Value &entry : *list) {
        std::optional<TensorKey> parsed = parseKey(entry);
        if (!parsed)
          return config.mismatch(key, "[layer, node, tensor] triples");
        keys.push_back(*parsed);
      }
  }
  if (keys.size() != 1)
    return config.error(key,
                        "the model has " + llvm::Twine(keys.size()) +
                            (key == "input_layers" ? " inputs" : " outputs") +
                            ", cnnc compiles models with one of each");
  return keys;
}

/// The Keras tensors of one inbound node, in argument order.
static llvm::Error collectArgs(const json::Value &value,
                               SmallVectorImpl<TensorKey> &args) {
  if (const json::Array *list = value.getAsArray()) {
    for (const json::Value &element : *list)
      if (llvm::Error error = collectArgs(element, args))
        return error;
    return llvm::Error::success();
  }
  const json::Object *object = value.getAsObject();
  if (object && object->getString("class_name") == "__keras_tensor__")
    if (const json::Object *config = object->getObject("config"))
      if (const json::Value *history = config->get("keras_history"))
        if (std::optional<TensorKey> key = parseKey(*history)) {
          args.push_back(*key);
          return llvm::Error::success();
        }
  return makeError("unexpected argument " + describeJson(value));
}

/// The keyword arguments of a call; `keras3` for Keras 3's node form.
/// `None` values are the defaults. `training` differs between the two:
/// Keras 3's fit, evaluate and predict pass their own mode to every layer
/// of a Functional model, replacing the one a node saved
/// (keras/src/models/functional.py, operation_fn), so it changes nothing;
/// tf.keras 2 honours it, so `training=False` sets `node`'s inference mode
/// there. Anything else is refused.
static llvm::Error parseCallKeywords(const json::Object &kwargs, Node &node,
                                     bool keras3) {
  for (const auto &[key, value] : kwargs) {
    bool isTraining = key == "training" && value.getAsBoolean().has_value();
    if (value.kind() == json::Value::Null || (isTraining && keras3))
      continue;
    if (key == "training" && value.getAsBoolean() == false) {
      node.inferenceMode = true;
      continue;
    }
    if (key == "training" && value.getAsBoolean() == true)
      return makeError("call argument 'training=True' is not supported (in "
                       "tf.keras 2 it runs BatchNormalization and Dropout as "
                       "in training also when the model predicts)");
    return makeError("call argument '" + key.str() + "=" + describeJson(value) +
                     "' is not supported");
  }
  return llvm::Error::success();
}

/// The inputs and call arguments of one inbound node in Keras 3's or
/// Keras 2's form.
static llvm::Error parseNode(const json::Value &value, Node &node) {
  if (const json::Object *call = value.getAsObject()) {
    const json::Array *callArgs = call->getArray("args");
    if (!callArgs)
      return makeError("a node without 'args'");
    for (const json::Value &arg : *callArgs)
      if (llvm::Error error = collectArgs(arg, node.args))
        return error;
    if (const json::Object *kwargs = call->getObject("kwargs"))
      return parseCallKeywords(*kwargs, node, /*keras3=*/true);
    return llvm::Error::success();
  }
  const json::Array *inbound = value.getAsArray();
  if (!inbound)
    return makeError("unexpected node " + describeJson(value));
  for (const json::Value &entry : *inbound) {
    std::optional<TensorKey> key = parseKey(entry);
    if (!key)
      return makeError("unexpected inbound tensor " + describeJson(entry));
    node.args.push_back(*key);
    // Keras 2 keeps the call's keyword arguments with each input.
    const json::Array *list = entry.getAsArray();
    if (list->size() > 3)
      if (const json::Object *kwargs = (*list)[3].getAsObject())
        if (llvm::Error error =
                parseCallKeywords(*kwargs, node, /*keras3=*/false))
          return error;
  }
  return llvm::Error::success();
}

/// The index of the first saved inbound node of `layer` (a layers entry):
/// tf.keras 2 leaves out the node a nested model built with an Input has
/// from its construction, but keeps counting it
/// (tf_keras/src/engine/functional.py, _should_skip_first_node), so the
/// other layers refer to its first saved call as node 1. 0 otherwise and
/// in Keras 3.
static int64_t keras2FirstNode(const json::Value &layer) {
  const json::Object *object = layer.getAsObject();
  const json::Array *nodes = object->getArray("inbound_nodes");
  if (!nodes || nodes->empty() || !(*nodes)[0].getAsArray())
    return 0;
  std::optional<llvm::StringRef> className = object->getString("class_name");
  if (!className || !isModelClass(*className))
    return 0;
  if (*className != "Sequential")
    return 1;
  const json::Object *config = object->getObject("config");
  const json::Array *members = config ? config->getArray("layers") : nullptr;
  const json::Object *first =
      members && !members->empty() ? (*members)[0].getAsObject() : nullptr;
  return first && first->getString("class_name") == "InputLayer";
}

namespace {

/// Builds the LayerRefs of one container and applies its layers.
class ContainerWalker {
public:
  ContainerWalker(Importer &importer, const Scope &scope)
      : importer(importer), scope(scope) {}

  /// The reference of the layer `entry` (`{"class_name", "config"}`).
  llvm::Expected<LayerRef> makeRef(const json::Value &entry) {
    const json::Object *object = entry.getAsObject();
    const json::Object *config = object ? object->getObject("config") : nullptr;
    std::optional<llvm::StringRef> className =
        object ? object->getString("class_name") : std::nullopt;
    if (!config || !className)
      return importer.error("a layer entry without class_name and config: " +
                            describeJson(entry));
    std::optional<llvm::StringRef> name = config->getString("name");
    if (!name)
      name = object->getString("name");
    if (!name)
      return importer.error("a " + *className + " layer without a name");
    LayerRef ref{className->str(),
                 name->str(),
                 scope.paramPrefix + name->str(),
                 scope.weightsGroup + "layers/" + names.next(*className),
                 scope.topLevelName.empty() ? name->str() : scope.topLevelName,
                 scope.trainable,
                 scope.inferenceMode,
                 ConfigReader(*config, importer.file.name + ": layer '" +
                                           name->str() + "' (" +
                                           className->str() + ")")};
    llvm::Expected<bool> trainable = ref.config.getBool("trainable", true);
    if (!trainable)
      return trainable.takeError();
    ref.trainable = ref.trainable && *trainable;
    return ref;
  }

  /// Applies `ref` (a layer or a nested model) to `inputs`; a call with
  /// `training=False` when `inferenceMode`.
  llvm::Expected<Value> apply(const json::Value &entry, const LayerRef &ref,
                              ArrayRef<Value> inputs,
                              bool inferenceMode = false) {
    bool merge = ref.className == "Add" || ref.className == "Concatenate";
    if (!merge && inputs.size() != 1)
      return ref.config.error("expects one input, the model gives it " +
                              llvm::Twine(inputs.size()));
    LayerRef call = ref;
    call.inferenceMode = ref.inferenceMode || inferenceMode;
    if (!isModelClass(ref.className))
      return importer.importLayer(call, inputs);
    Scope nested{ref.paramPrefix + "/", ref.weightsGroup + "/",
                 ref.topLevelName, ref.trainable, call.inferenceMode};
    return importer.importModel(*entry.getAsObject(), inputs[0], nested);
  }

private:
  Importer &importer;
  const Scope &scope;
  ContainerNames names;
};

/// The `layers` list of a model config.
llvm::Expected<const json::Array *> layersOf(const ConfigReader &config) {
  const json::Value *layers = config.get("layers");
  if (!layers || !layers->getAsArray())
    return config.mismatch("layers", "a list of layers");
  return layers->getAsArray();
}

} // namespace

llvm::Expected<Value> Importer::importModel(const json::Object &model,
                                            Value input, const Scope &scope) {
  ConfigReader entry(model, file.name);
  llvm::Expected<std::string> className = entry.getString("class_name");
  if (!className)
    return className.takeError();
  llvm::Expected<ConfigReader> configOrError = entry.getObject("config");
  if (!configOrError)
    return configOrError.takeError();
  std::string name =
      configOrError->getObject().getString("name").value_or("model").str();
  ConfigReader config(configOrError->getObject(), file.name + ": model '" +
                                                      name + "' (" +
                                                      *className + ")");
  llvm::Expected<const json::Array *> layers = layersOf(config);
  if (!layers)
    return layers.takeError();
  ContainerWalker walker(*this, scope);

  if (*className == "Sequential") {
    // Keras leaves a Sequential model's InputLayer out of its weights.
    Value value = input;
    for (const json::Value &layer : **layers) {
      const json::Object *object = layer.getAsObject();
      if (object && object->getString("class_name") == "InputLayer")
        continue;
      llvm::Expected<LayerRef> ref = walker.makeRef(layer);
      if (!ref)
        return ref.takeError();
      llvm::Expected<Value> result = walker.apply(layer, *ref, value);
      if (!result)
        return result.takeError();
      value = *result;
    }
    return value;
  }
  if (!isModelClass(*className))
    return config.error("is not a Sequential or Functional model");

  llvm::Expected<SmallVector<TensorKey, 1>> inputKeys =
      parseKeys(config, "input_layers");
  if (!inputKeys)
    return inputKeys.takeError();
  llvm::Expected<SmallVector<TensorKey, 1>> outputKeys =
      parseKeys(config, "output_layers");
  if (!outputKeys)
    return outputKeys.takeError();
  std::map<TensorKey, Value> tensors = {{inputKeys->front(), input}};
  SmallVector<LayerRef> refs;
  std::vector<Node> pending;
  for (const json::Value &layer : **layers) {
    llvm::Expected<LayerRef> ref = walker.makeRef(layer);
    if (!ref)
      return ref.takeError();
    refs.push_back(std::move(*ref));
    const json::Array *nodes = layer.getAsObject()->getArray("inbound_nodes");
    if (refs.back().className == "InputLayer" || !nodes)
      continue;
    int64_t firstNode = keras2FirstNode(layer);
    for (auto [index, node] : llvm::enumerate(*nodes)) {
      Node pendingNode{refs.size() - 1,
                       firstNode + static_cast<int64_t>(index),
                       {},
                       /*inferenceMode=*/false};
      if (llvm::Error error = parseNode(node, pendingNode))
        return refs.back().config.error("inbound_nodes: " +
                                        llvm::toString(std::move(error)));
      pending.push_back(std::move(pendingNode));
    }
  }
  // Apply every node whose inputs exist until none is left.
  while (!pending.empty()) {
    auto ready = llvm::find_if(pending, [&](const Node &node) {
      return llvm::all_of(
          node.args, [&](const TensorKey &key) { return tensors.count(key); });
    });
    if (ready == pending.end()) {
      const Node &stuck = pending.front();
      const TensorKey *missing =
          llvm::find_if(stuck.args, [&](const TensorKey &key) {
            return !tensors.count(key);
          });
      return refs[stuck.layer].config.error(
          "its input '" + std::get<0>(*missing) + "' (node " +
          llvm::Twine(std::get<1>(*missing)) + ", tensor " +
          llvm::Twine(std::get<2>(*missing)) +
          ") is never computed (a layer with several outputs, a cycle or "
          "a layer missing from the model)");
    }
    SmallVector<Value, 2> args = llvm::map_to_vector(
        ready->args, [&](const TensorKey &key) { return tensors[key]; });
    const LayerRef &ref = refs[ready->layer];
    llvm::Expected<Value> result =
        walker.apply((**layers)[ready->layer], ref, args, ready->inferenceMode);
    if (!result)
      return result.takeError();
    tensors[{ref.name, ready->index, 0}] = *result;
    pending.erase(ready);
  }
  auto output = tensors.find(outputKeys->front());
  if (output == tensors.end())
    return config.error("output_layers", "the output '" +
                                             std::get<0>(outputKeys->front()) +
                                             "' is never computed");
  return output->second;
}

//===----------------------------------------------------------------------===//
// The top-level model
//===----------------------------------------------------------------------===//

/// The input shape an InputLayer (or a Keras 2 first layer) declares:
/// batch_shape (Keras 3) or batch_input_shape (Keras 2).
static llvm::Expected<std::optional<SmallVector<int64_t, 4>>>
declaredShape(const ConfigReader &config) {
  llvm::StringRef key =
      config.get("batch_shape") ? "batch_shape" : "batch_input_shape";
  const json::Value *value = config.get(key);
  if (!value)
    return std::nullopt;
  const json::Array *dims = value->getAsArray();
  SmallVector<int64_t, 4> shape;
  if (dims && dims->size() >= 2 && dims->size() <= 4) {
    for (const json::Value &dim : llvm::drop_begin(*dims)) {
      std::optional<int64_t> size = dim.getAsInteger();
      if (!size || *size < 1)
        break;
      shape.push_back(*size);
    }
    if (shape.size() + 1 == dims->size())
      return std::optional<SmallVector<int64_t, 4>>(shape);
  }
  return config.mismatch(key, "a batch and 1 to 3 static extents, e.g. "
                              "[null, 28, 28, 1]");
}

/// Finds the model's input: an InputLayer, a first layer's
/// batch_input_shape or a Sequential's build_input_shape.
static llvm::Expected<SmallVector<int64_t, 4>>
findInputShape(const Importer &importer, const ConfigReader &config,
               llvm::StringRef className) {
  const json::Value *layers = config.get("layers");
  const json::Array *list = layers ? layers->getAsArray() : nullptr;
  if (!list || list->empty())
    return config.mismatch("layers", "a non-empty list of layers");
  std::optional<std::string> inputName;
  if (className != "Sequential") {
    llvm::Expected<SmallVector<TensorKey, 1>> keys =
        parseKeys(config, "input_layers");
    if (!keys)
      return keys.takeError();
    inputName = std::get<0>(keys->front());
  }
  for (const json::Value &layer : *list) {
    const json::Object *object = layer.getAsObject();
    const json::Object *layerConfig =
        object ? object->getObject("config") : nullptr;
    if (!layerConfig)
      return importer.error("a layer entry without config: " +
                            describeJson(layer));
    ConfigReader reader(*layerConfig, importer.file.name + ": input layer");
    if (inputName && layerConfig->getString("name") != *inputName)
      continue;
    if (object->getString("class_name") == "InputLayer") {
      llvm::Expected<std::string> dtype =
          reader.getString("dtype", llvm::StringRef("float32"));
      if (!dtype)
        return dtype.takeError();
      if (*dtype != "float32")
        return reader.error("dtype", "'" + *dtype +
                                         "' is not supported (float32 "
                                         "images only)");
    }
    llvm::Expected<std::optional<SmallVector<int64_t, 4>>> shape =
        declaredShape(reader);
    if (!shape)
      return shape.takeError();
    if (*shape)
      return **shape;
    break;
  }
  // A Sequential model built by calling it records build_input_shape.
  const json::Value *built = config.get("build_input_shape");
  if (const json::Array *dims = built ? built->getAsArray() : nullptr) {
    json::Object wrapper{{"batch_shape", json::Array(*dims)}};
    llvm::Expected<std::optional<SmallVector<int64_t, 4>>> shape =
        declaredShape(ConfigReader(wrapper, config.getContext().str()));
    if (!shape)
      return shape.takeError();
    if (*shape)
      return **shape;
  }
  return config.error("the model declares no input shape (save a model "
                      "built with keras.Input(shape=...))");
}

llvm::Expected<Value> Importer::importTopLevel(ModuleOp module) {
  const json::Object *model = file.model.getAsObject();
  ConfigReader top(*model, file.name);
  llvm::Expected<std::string> className = top.getString("class_name");
  if (!className)
    return className.takeError();
  if (!isModelClass(*className))
    return top.error("class_name", "'" + *className +
                                       "' is not a Sequential or Functional "
                                       "model");
  llvm::Expected<ConfigReader> config = top.getObject("config");
  if (!config)
    return config.takeError();
  llvm::Expected<SmallVector<int64_t, 4>> shape =
      findInputShape(*this, *config, *className);
  if (!shape)
    return shape.takeError();

  SmallVector<int64_t, 4> dims = {ShapedType::kDynamic};
  dims.append(shape->begin(), shape->end());
  auto inputType = RankedTensorType::get(dims, builder.getF32Type());
  builder.setInsertionPointToEnd(module.getBody());
  Location loc = FileLineColLoc::get(&context, file.name, 0, 0);
  auto forward = func::FuncOp::create(builder, loc, "forward",
                                      builder.getFunctionType({inputType}, {}));
  Block *body = forward.addEntryBlock();
  builder.setInsertionPointToEnd(body);
  llvm::Expected<Value> output =
      importModel(*model, body->getArgument(0), Scope{});
  if (!output)
    return output.takeError();
  func::ReturnOp::create(builder, loc, *output);
  forward.setFunctionType(
      builder.getFunctionType({inputType}, {output->getType()}));
  return *output;
}
