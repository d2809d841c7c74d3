//===- TrainingConfig.cpp - Keras compile configuration -------------------===//
//
// Optimizers: Keras 3's Adam, AdamW, SGD and RMSprop (keras/src/optimizers)
// and their tf.keras 2 spellings, with the arguments docs/training.md
// lists. Losses: sparse categorical cross-entropy, categorical
// cross-entropy and mean squared error with the default reduction.
//
//===----------------------------------------------------------------------===//

#include "TrainingConfig.h"
#include "ConfigReader.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/StringSwitch.h"

using namespace mlir;
using namespace cnnc::keras;
namespace json = llvm::json;

namespace {

/// The class name and the config of a serialized object, which may also
/// be a bare string ("adam", "sparse_categorical_crossentropy").
struct Serialized {
  std::string className;
  const json::Object *config = nullptr;
};

llvm::Expected<Serialized> readSerialized(const ConfigReader &parent,
                                          llvm::StringRef key) {
  const json::Value *value = parent.get(key);
  Serialized result;
  if (std::optional<llvm::StringRef> name = value->getAsString()) {
    result.className = name->str();
    return result;
  }
  const json::Object *object = value->getAsObject();
  std::optional<llvm::StringRef> className =
      object ? object->getString("class_name") : std::nullopt;
  if (!className)
    return parent.mismatch(key, "a name or a serialized object");
  result.className = className->str();
  result.config = object->getObject("config");
  // Keras 3 serializes a loss function as {"class_name": "function",
  // "config": "<name>"}.
  if (result.className == "function")
    if (std::optional<llvm::StringRef> name = object->getString("config"))
      result.className = name->str();
  return result;
}

class TrainingReader {
public:
  TrainingReader(const KerasFile &file, MLIRContext &context)
      : file(file), builder(&context) {}

  llvm::Error readOptimizer(const ConfigReader &training, llvm::StringRef key);
  llvm::Error readLoss(const ConfigReader &training);

  SavedTraining result;
  SmallVector<NamedAttribute> entries;

private:
  void set(llvm::StringRef name, double value) {
    entries.push_back(
        builder.getNamedAttr(name, builder.getF64FloatAttr(value)));
  }
  void set(llvm::StringRef name, bool value) {
    entries.push_back(builder.getNamedAttr(name, builder.getBoolAttr(value)));
  }
  void set(llvm::StringRef name, llvm::StringRef value) {
    entries.push_back(builder.getNamedAttr(name, builder.getStringAttr(value)));
  }
  /// A hyperparameter in [0, 1) (betas, rho, momentum).
  llvm::Error setFraction(const ConfigReader &config, llvm::StringRef key,
                          llvm::StringRef name, double fallback);

  const KerasFile &file;
  Builder builder;
};

llvm::Error TrainingReader::setFraction(const ConfigReader &config,
                                        llvm::StringRef key,
                                        llvm::StringRef name, double fallback) {
  llvm::Expected<double> value = config.getNumber(key, fallback);
  if (!value)
    return value.takeError();
  if (!(*value >= 0.0 && *value < 1.0))
    return config.mismatch(key, "a number in [0, 1)");
  set(name, *value);
  return llvm::Error::success();
}

llvm::Error TrainingReader::readOptimizer(const ConfigReader &training,
                                          llvm::StringRef key) {
  if (!training.get(key))
    return llvm::Error::success();
  llvm::Expected<Serialized> optimizer = readSerialized(training, key);
  if (!optimizer)
    return optimizer.takeError();
  // tf.keras 2.11 and later save their optimizers under the registered
  // name "Custom>SGD" (tf_keras's optimizers register in package "Custom").
  llvm::StringRef className = optimizer->className;
  className.consume_front("Custom>");
  std::string name = className.lower();
  if (name != "adam" && name != "adamw" && name != "sgd" && name != "rmsprop")
    return makeError(file.name + ": optimizer '" + optimizer->className +
                     "' is not supported (Adam, AdamW, SGD, RMSprop); pass "
                     "--optimizer to compile another");
  json::Object none;
  ConfigReader config(optimizer->config ? *optimizer->config : none,
                      file.name + ": optimizer '" + optimizer->className + "'");
  for (auto [argument, what] :
       {std::pair<llvm::StringRef, llvm::StringRef>{"clipnorm",
                                                    "gradient clipping"},
        {"clipvalue", "gradient clipping"},
        {"global_clipnorm", "gradient clipping"},
        {"use_ema", "an exponential moving average of the weights"},
        {"loss_scale_factor", "loss scaling"},
        {"gradient_accumulation_steps", "gradient accumulation"},
        {"amsgrad", "AMSGrad"},
        {"decay", "tf.keras's learning-rate decay"}})
    if (llvm::Error error = config.expectUnset(argument, what))
      return error;
  set("optimizer", name);

  // The learning rate is not compiled (train_step takes it); it is kept
  // for reference. Schedules (objects) are left out.
  llvm::StringRef rateKey = config.get("lr") ? "lr" : "learning_rate";
  if (const json::Value *rate = config.get(rateKey);
      rate && rate->getAsNumber())
    set("learning_rate", *rate->getAsNumber());

  double defaultDecay = name == "adamw" ? 0.004 : 0.0;
  llvm::Expected<double> decay = config.getNumber("weight_decay", defaultDecay);
  if (!decay)
    return decay.takeError();
  if (!(*decay >= 0.0))
    return config.mismatch("weight_decay", "a non-negative number");
  if (*decay > 0.0 || name == "adamw")
    set("weight_decay", *decay);

  if (name == "adam" || name == "adamw" || name == "rmsprop") {
    llvm::Expected<double> epsilon = config.getNumber("epsilon", 1e-7);
    if (!epsilon)
      return epsilon.takeError();
    if (!(*epsilon > 0.0))
      return config.mismatch("epsilon", "a positive number");
    set("epsilon", *epsilon);
  }
  if (name == "adam" || name == "adamw") {
    if (llvm::Error error = setFraction(config, "beta_1", "beta1", 0.9))
      return error;
    return setFraction(config, "beta_2", "beta2", 0.999);
  }
  if (llvm::Error error = setFraction(config, "momentum", "momentum", 0.0))
    return error;
  if (name == "sgd") {
    llvm::Expected<bool> nesterov = config.getBool("nesterov", false);
    if (!nesterov)
      return nesterov.takeError();
    set("nesterov", *nesterov);
    return llvm::Error::success();
  }
  llvm::Expected<bool> centered = config.getBool("centered", false);
  if (!centered)
    return centered.takeError();
  set("centered", *centered);
  return setFraction(config, "rho", "rho", 0.9);
}

llvm::Error TrainingReader::readLoss(const ConfigReader &training) {
  const json::Value *value = training.get("loss");
  if (!value)
    return llvm::Error::success();
  if (value->getAsArray() ||
      (value->getAsObject() && !value->getAsObject()->get("class_name")))
    return training.error("loss", "one loss per output is not supported "
                                  "(cnnc models have one output)");
  llvm::Expected<Serialized> loss = readSerialized(training, "loss");
  if (!loss)
    return loss.takeError();
  std::string name =
      llvm::StringSwitch<std::string>(loss->className)
          .Cases({"SparseCategoricalCrossentropy",
                  "sparse_categorical_crossentropy"},
                 "sparse_categorical_crossentropy")
          .Cases({"CategoricalCrossentropy", "categorical_crossentropy"},
                 "categorical_crossentropy")
          .Cases({"MeanSquaredError", "mean_squared_error", "mse"},
                 "mean_squared_error")
          .Default("");
  if (name.empty())
    return makeError(file.name + ": loss '" + loss->className +
                     "' is not supported (SparseCategoricalCrossentropy, "
                     "CategoricalCrossentropy, MeanSquaredError); pass "
                     "--loss to compile another");
  json::Object none;
  ConfigReader config(loss->config ? *loss->config : none,
                      file.name + ": loss '" + loss->className + "'");
  llvm::Expected<std::string> reduction =
      config.getString("reduction", llvm::StringRef("sum_over_batch_size"));
  if (!reduction)
    return reduction.takeError();
  if (*reduction != "sum_over_batch_size" && *reduction != "auto")
    return config.error("reduction", "'" + *reduction +
                                         "' is not supported (the batch "
                                         "mean, sum_over_batch_size)");
  if (llvm::Error error =
          config.expectUnset("label_smoothing", "label smoothing"))
    return error;
  if (llvm::Error error =
          config.expectUnset("ignore_class", "ignoring a class"))
    return error;
  if (const json::Value *axis = config.get("axis");
      axis && axis->getAsInteger() != -1)
    return config.error("axis", "only -1 is supported");
  llvm::Expected<bool> fromLogits = config.getBool("from_logits", false);
  if (!fromLogits)
    return fromLogits.takeError();
  result.loss = name;
  result.fromLogits = *fromLogits;
  set("loss", name);
  return llvm::Error::success();
}

} // namespace

llvm::Expected<SavedTraining>
cnnc::keras::readTraining(const KerasFile &file, const ImportOptions &options,
                          MLIRContext &context) {
  TrainingReader reader(file, context);
  const json::Object *training = file.training.getAsObject();
  if (!training)
    return std::move(reader.result);
  ConfigReader config(*training, file.name + ": training configuration");
  if (!options.ignoreOptimizer) {
    // Keras 3: compile_config.optimizer; legacy: optimizer_config.
    llvm::StringRef key =
        training->get("optimizer_config") ? "optimizer_config" : "optimizer";
    if (llvm::Error error = reader.readOptimizer(config, key))
      return std::move(error);
  }
  if (options.loss.empty())
    if (llvm::Error error = reader.readLoss(config))
      return std::move(error);
  if (!reader.entries.empty())
    reader.result.attribute = DictionaryAttr::get(&context, reader.entries);
  return std::move(reader.result);
}

llvm::Expected<TrainingDefaults>
cnnc::keras::getTrainingDefaults(ModuleOp module) {
  TrainingDefaults defaults;
  Attribute attribute = module->getAttr(kTrainingConfigAttrName);
  if (!attribute)
    return defaults;
  auto dictionary = dyn_cast<DictionaryAttr>(attribute);
  if (!dictionary)
    return makeError(kTrainingConfigAttrName + " must be a dictionary");
  for (NamedAttribute entry : dictionary) {
    llvm::StringRef name = entry.getName().getValue();
    auto text = dyn_cast<StringAttr>(entry.getValue());
    auto number = dyn_cast<FloatAttr>(entry.getValue());
    auto flag = dyn_cast<BoolAttr>(entry.getValue());
    std::optional<double> *real =
        llvm::StringSwitch<std::optional<double> *>(name)
            .Case("learning_rate", &defaults.learningRate)
            .Case("beta1", &defaults.beta1)
            .Case("beta2", &defaults.beta2)
            .Case("epsilon", &defaults.epsilon)
            .Case("momentum", &defaults.momentum)
            .Case("rho", &defaults.rho)
            .Case("weight_decay", &defaults.weightDecay)
            .Default(nullptr);
    std::optional<bool> *boolean =
        llvm::StringSwitch<std::optional<bool> *>(name)
            .Case("nesterov", &defaults.nesterov)
            .Case("centered", &defaults.centered)
            .Default(nullptr);
    if ((name == "optimizer" || name == "loss") && text)
      (name == "optimizer" ? defaults.optimizer : defaults.loss) =
          text.getValue().str();
    else if (real && number)
      *real = number.getValueAsDouble();
    else if (boolean && flag)
      *boolean = flag.getValue();
    else
      return makeError(kTrainingConfigAttrName + ": unexpected entry '" + name +
                       "'");
  }
  return defaults;
}
