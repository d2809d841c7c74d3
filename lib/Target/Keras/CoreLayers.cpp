//===- CoreLayers.cpp - dense, activation, merging, normalization ---------===//
//
// Dense, Flatten, the activation layers, Add, Concatenate,
// BatchNormalization, Dropout and Rescaling, each as the cnn op of the same
// Keras semantics (cnn.dense, cnn.relu6, cnn.batch_norm, cnn.dropout,
// cnn.rescale, ...) with Keras's arguments as its attributes.
//
//===----------------------------------------------------------------------===//

#include "Importer.h"

using namespace mlir;
using namespace cnnc;
using namespace cnnc::keras;
namespace json = llvm::json;

/// An `axis` argument that must name the last axis of a rank-`rank`
/// tensor: -1, rank - 1, or a list holding one of them.
static llvm::Error expectLastAxis(const ConfigReader &config, int64_t rank,
                                  llvm::StringRef what) {
  const json::Value *value = config.get("axis");
  if (!value)
    return llvm::Error::success();
  std::optional<int64_t> axis = value->getAsInteger();
  if (const json::Array *list = value->getAsArray(); list && list->size() == 1)
    axis = list->front().getAsInteger();
  if (axis && (*axis == -1 || *axis == rank - 1))
    return llvm::Error::success();
  return config.error("axis", describeJson(*value) + " is not supported (" +
                                  what + " over the last axis, -1, only)");
}

llvm::Expected<Value> cnnc::keras::importDense(LayerContext &layer,
                                               ArrayRef<Value> inputs) {
  const ConfigReader &config = layer.config();
  auto type = cast<RankedTensorType>(inputs[0].getType());
  if (type.getRank() != 2)
    return layer.error("applies to the last axis of a rank-" +
                       llvm::Twine(type.getRank()) +
                       " input, which cnn.dense does not: add Flatten or "
                       "GlobalAveragePooling2D before it");
  FirstError errors;
  int64_t units = errors.take(config.getInt("units"));
  bool useBias = errors.take(config.getBool("use_bias", true));
  ActivationSpec activation = errors.take(layer.activation("activation"));
  cnn::Initializer kernelInit = errors.take(
      layer.initializer("kernel_initializer", cnn::Initializer::GlorotUniform));
  cnn::Initializer biasInit = errors.take(
      layer.initializer("bias_initializer", cnn::Initializer::Zeros));
  if (llvm::Error error = errors.takeError())
    return std::move(error);
  if (units < 1)
    return config.mismatch("units", "a positive integer");
  if (llvm::Error error = checkNoPenalties(config, {"kernel", "bias"}))
    return std::move(error);
  if (llvm::Error error =
          config.expectUnset("quantization_config", "cnnc computes in float32"))
    return std::move(error);

  SmallVector<WeightSpec, 2> specs = {
      {"kernel", {type.getDimSize(1), units}, kernelInit}};
  if (useBias)
    specs.push_back({"bias", {units}, biasInit});
  llvm::Expected<SmallVector<Value>> params = layer.weights(specs);
  if (!params)
    return params.takeError();
  cnn::Activation fused = activation.kind == ActivationSpec::Kind::Function
                              ? *cnn::symbolizeActivation(activation.name)
                              : cnn::Activation::None;
  auto dense = cnn::DenseOp::create(layer.builder(), layer.getLoc(), type,
                                    inputs[0], (*params)[0],
                                    useBias ? (*params)[1] : Value(), fused);
  llvm::Expected<Value> result = layer.finish(dense);
  if (!result || activation.kind != ActivationSpec::Kind::Softmax)
    return result;
  return layer.applyActivation(*result, activation);
}

llvm::Expected<Value> cnnc::keras::importFlatten(LayerContext &layer,
                                                 ArrayRef<Value> inputs) {
  auto type = cast<RankedTensorType>(inputs[0].getType());
  if (type.getRank() == 2)
    return inputs[0];
  auto flatten =
      cnn::FlattenOp::create(layer.builder(), layer.getLoc(), type, inputs[0]);
  return layer.finish(flatten);
}

llvm::Expected<Value> cnnc::keras::importActivation(LayerContext &layer,
                                                    ArrayRef<Value> inputs) {
  llvm::Expected<ActivationSpec> activation = layer.activation("activation");
  if (!activation)
    return activation.takeError();
  return layer.applyActivation(inputs[0], *activation);
}

/// An activation layer's op: cnn.<name>.
static llvm::Expected<Value> activationLayer(LayerContext &layer, Value input,
                                             llvm::StringRef name,
                                             std::optional<double> alpha) {
  ActivationSpec spec;
  spec.kind = ActivationSpec::Kind::Function;
  spec.name = name.str();
  return layer.applyActivation(input, spec, alpha);
}

llvm::Expected<Value> cnnc::keras::importReLU(LayerContext &layer,
                                              ArrayRef<Value> inputs) {
  const ConfigReader &config = layer.config();
  FirstError errors;
  const json::Value *maxValue = config.get("max_value");
  double max = maxValue ? errors.take(config.getNumber("max_value")) : 0.0;
  double slope = errors.take(config.getNumber("negative_slope", 0.0));
  double threshold = errors.take(config.getNumber("threshold", 0.0));
  if (llvm::Error error = errors.takeError())
    return std::move(error);
  if (threshold != 0.0)
    return config.error("threshold", "only 0 is supported");
  if (slope < 0.0)
    return config.mismatch("negative_slope", "a non-negative number");
  if (!maxValue && slope == 0.0)
    return activationLayer(layer, inputs[0], "relu", std::nullopt);
  if (maxValue && max == 6.0 && slope == 0.0)
    return activationLayer(layer, inputs[0], "relu6", std::nullopt);
  if (!maxValue)
    return activationLayer(layer, inputs[0], "leaky_relu", slope);
  return config.error("max_value",
                      "only none and 6 (relu6) are supported, with "
                      "negative_slope 0");
}

llvm::Expected<Value> cnnc::keras::importLeakyReLU(LayerContext &layer,
                                                   ArrayRef<Value> inputs) {
  const ConfigReader &config = layer.config();
  // Keras 3 names the slope negative_slope, Keras 2 alpha.
  llvm::StringRef key = config.get("alpha") ? "alpha" : "negative_slope";
  llvm::Expected<double> slope = config.getNumber(key, 0.3);
  if (!slope)
    return slope.takeError();
  if (*slope < 0.0)
    return config.mismatch(key, "a non-negative number");
  return activationLayer(layer, inputs[0], "leaky_relu", *slope);
}

llvm::Expected<Value> cnnc::keras::importELU(LayerContext &layer,
                                             ArrayRef<Value> inputs) {
  llvm::Expected<double> alpha = layer.config().getNumber("alpha", 1.0);
  if (!alpha)
    return alpha.takeError();
  if (*alpha < 0.0)
    return layer.config().mismatch("alpha", "a non-negative number");
  return activationLayer(layer, inputs[0], "elu", *alpha);
}

llvm::Expected<Value> cnnc::keras::importSoftmax(LayerContext &layer,
                                                 ArrayRef<Value> inputs) {
  auto type = cast<RankedTensorType>(inputs[0].getType());
  if (llvm::Error error =
          expectLastAxis(layer.config(), type.getRank(), "softmax"))
    return std::move(error);
  ActivationSpec softmax;
  softmax.kind = ActivationSpec::Kind::Softmax;
  return layer.applyActivation(inputs[0], softmax);
}

llvm::Expected<Value> cnnc::keras::importAdd(LayerContext &layer,
                                             ArrayRef<Value> inputs) {
  if (inputs.size() < 2)
    return layer.error("needs at least 2 inputs, got " +
                       llvm::Twine(inputs.size()));
  Value sum = inputs[0];
  for (auto [index, input] : llvm::enumerate(inputs.drop_front())) {
    if (input.getType() != sum.getType())
      return layer.error("inputs 0 and " + llvm::Twine(index + 1) +
                         " have shapes " + kerasShape(inputs[0].getType()) +
                         " and " + kerasShape(input.getType()) +
                         " (cnnc adds tensors of one shape, no "
                         "broadcasting)");
    sum = cnn::AddOp::create(layer.builder(), layer.getLoc(), sum.getType(),
                             sum, input);
  }
  return sum;
}

llvm::Expected<Value> cnnc::keras::importConcatenate(LayerContext &layer,
                                                     ArrayRef<Value> inputs) {
  if (inputs.size() < 2)
    return layer.error("needs at least 2 inputs, got " +
                       llvm::Twine(inputs.size()));
  auto type = cast<RankedTensorType>(inputs[0].getType());
  if (llvm::Error error =
          expectLastAxis(layer.config(), type.getRank(), "concatenation"))
    return std::move(error);
  auto concat =
      cnn::ConcatOp::create(layer.builder(), layer.getLoc(), type, inputs);
  return layer.finish(concat);
}

llvm::Expected<Value>
cnnc::keras::importBatchNormalization(LayerContext &layer,
                                      ArrayRef<Value> inputs) {
  const ConfigReader &config = layer.config();
  auto type = cast<RankedTensorType>(inputs[0].getType());
  if (type.getRank() != 2 && type.getRank() != 4)
    return layer.error("expects a rank-2 or rank-4 input, got " +
                       kerasShape(inputs[0].getType()));
  if (llvm::Error error =
          expectLastAxis(config, type.getRank(), "normalization"))
    return std::move(error);
  FirstError errors;
  double momentum = errors.take(config.getNumber("momentum", 0.99));
  double epsilon = errors.take(config.getNumber("epsilon", 1e-3));
  bool center = errors.take(config.getBool("center", true));
  bool scale = errors.take(config.getBool("scale", true));
  cnn::Initializer betaInit = errors.take(
      layer.initializer("beta_initializer", cnn::Initializer::Zeros));
  cnn::Initializer gammaInit = errors.take(
      layer.initializer("gamma_initializer", cnn::Initializer::Ones));
  cnn::Initializer meanInit = errors.take(
      layer.initializer("moving_mean_initializer", cnn::Initializer::Zeros));
  cnn::Initializer varianceInit = errors.take(
      layer.initializer("moving_variance_initializer", cnn::Initializer::Ones));
  if (llvm::Error error = errors.takeError())
    return std::move(error);
  if (llvm::Error error = checkNoPenalties(config, {"beta", "gamma"}))
    return std::move(error);
  if (llvm::Error error = config.expectUnset("renorm", "batch renormalization"))
    return std::move(error);
  if (!(momentum >= 0.0 && momentum <= 1.0))
    return config.mismatch("momentum", "a number in [0, 1]");
  if (!(epsilon > 0.0))
    return config.mismatch("epsilon", "a positive number");

  int64_t channels = type.getShape().back();
  SmallVector<WeightSpec, 4> specs;
  if (scale)
    specs.push_back({"gamma", {channels}, gammaInit});
  if (center)
    specs.push_back({"beta", {channels}, betaInit});
  specs.push_back({"moving_mean", {channels}, meanInit, false});
  specs.push_back({"moving_variance", {channels}, varianceInit, false});
  llvm::Expected<SmallVector<Value>> params = layer.weights(specs);
  if (!params)
    return params.takeError();
  ArrayRef<Value> weights = *params;
  Value gamma = scale ? weights.front() : Value();
  Value beta = center ? weights[scale ? 1 : 0] : Value();
  // Keras normalizes with the batch statistics only `if training and
  // self.trainable`: a frozen layer (its gamma and beta are then
  // non-trainable parameters) or a call with training=False keeps the
  // moving statistics in training too.
  bool inferenceMode =
      !layer.getLayer().trainable || layer.getLayer().inferenceMode;
  OpBuilder &b = layer.builder();
  auto op = cnn::BatchNormOp::create(
      b, layer.getLoc(), type, inputs[0], weights[weights.size() - 2],
      weights.back(), gamma, beta, b.getF64FloatAttr(epsilon),
      b.getF64FloatAttr(momentum),
      inferenceMode ? b.getUnitAttr() : UnitAttr());
  return layer.finish(op);
}

llvm::Expected<Value> cnnc::keras::importDropout(LayerContext &layer,
                                                 ArrayRef<Value> inputs) {
  const ConfigReader &config = layer.config();
  FirstError errors;
  double rate = errors.take(config.getNumber("rate"));
  const json::Value *seedValue = config.get("seed");
  int64_t seed = seedValue ? errors.take(config.getInt("seed")) : 0;
  if (llvm::Error error = errors.takeError())
    return std::move(error);
  if (!(rate >= 0.0 && rate <= 1.0))
    return config.mismatch("rate", "a number in [0, 1]");
  if (llvm::Error error =
          config.expectUnset("noise_shape", "a mask shared along some axes"))
    return std::move(error);
  // A call with training=False passes its input through in training too.
  if (layer.getLayer().inferenceMode)
    return inputs[0];
  // Keras's seed picks the layer's own random sequence; cnn.dropout's does
  // the same in cnnc's generator (the masks differ from TensorFlow's).
  OpBuilder &b = layer.builder();
  return cnn::DropoutOp::create(
             b, layer.getLoc(), inputs[0], b.getF64FloatAttr(rate),
             seedValue ? b.getI64IntegerAttr(seed) : IntegerAttr())
      .getResult();
}

llvm::Expected<Value> cnnc::keras::importRescaling(LayerContext &layer,
                                                   ArrayRef<Value> inputs) {
  const ConfigReader &config = layer.config();
  // Keras also takes one scale and offset per channel (lists); cnn.rescale
  // has one of each.
  for (llvm::StringRef key : {"scale", "offset"})
    if (const json::Value *value = config.get(key);
        value && !value->getAsNumber())
      return config.error(key, describeJson(*value) +
                                   " is not supported (one number; per-channel "
                                   "scales and offsets are not)");
  FirstError errors;
  double scale = errors.take(config.getNumber("scale"));
  double offset = errors.take(config.getNumber("offset", 0.0));
  if (llvm::Error error = errors.takeError())
    return std::move(error);
  // Keras casts both to the layer's float32 before computing x * s + o.
  OpBuilder &b = layer.builder();
  return cnn::RescaleOp::create(b, layer.getLoc(), inputs[0],
                                b.getF32FloatAttr(static_cast<float>(scale)),
                                b.getF32FloatAttr(static_cast<float>(offset)))
      .getResult();
}
