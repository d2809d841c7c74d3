//===- ConvLayers.cpp - convolution, pooling and padding layers -----------===//
//
// Conv2D, DepthwiseConv2D, SeparableConv2D, the pooling layers and
// ZeroPadding2D. Keras's arguments map one to one onto the cnn ops'
// attributes (both use TensorFlow's `same` padding); result shapes come
// from the ops' own shape inference, whose messages name the layer.
//
//===----------------------------------------------------------------------===//

#include "Importer.h"

using namespace mlir;
using namespace cnnc;
using namespace cnnc::keras;
namespace json = llvm::json;

namespace {

/// Keras's layout of image batches, for messages.
constexpr llvm::StringLiteral kNHWC = "(batch, height, width, channels)";

/// What Keras's windowed layers share.
struct Window {
  SmallVector<int64_t, 2> strides{1, 1};
  SmallVector<int64_t, 2> dilations{1, 1};
  cnn::Padding padding = cnn::Padding::Valid;
};

llvm::Expected<cnn::Padding> readPadding(const ConfigReader &config) {
  llvm::Expected<std::string> padding =
      config.getString("padding", llvm::StringRef("valid"));
  if (!padding)
    return padding.takeError();
  if (*padding == "valid")
    return cnn::Padding::Valid;
  if (*padding == "same")
    return cnn::Padding::Same;
  return config.error("padding",
                      "'" + *padding + "' is not supported (valid or same)");
}

/// strides, dilation_rate (when `dilated`) and padding.
llvm::Expected<Window> readWindow(const ConfigReader &config, bool dilated) {
  Window window;
  llvm::Expected<SmallVector<int64_t, 2>> strides =
      config.getPositiveInts("strides", 2, 1);
  if (!strides)
    return strides.takeError();
  window.strides = *strides;
  if (dilated) {
    llvm::Expected<SmallVector<int64_t, 2>> dilations =
        config.getPositiveInts("dilation_rate", 2, 1);
    if (!dilations)
      return dilations.takeError();
    window.dilations = *dilations;
  }
  llvm::Expected<cnn::Padding> padding = readPadding(config);
  if (!padding)
    return padding.takeError();
  window.padding = *padding;
  return window;
}

/// The attribute of a pair, null when it is the op's default [1, 1].
DenseI64ArrayAttr pairAttr(OpBuilder &builder, ArrayRef<int64_t> pair) {
  if (llvm::all_of(pair, [](int64_t v) { return v == 1; }))
    return nullptr;
  return builder.getDenseI64ArrayAttr(pair);
}

/// The fused form of `activation` for conv2d/dense/depthwise (softmax is
/// applied after the layer).
cnn::Activation fusedForm(const ActivationSpec &activation) {
  if (activation.kind != ActivationSpec::Kind::Function)
    return cnn::Activation::None;
  return *cnn::symbolizeActivation(activation.name);
}

/// The depthwise convolution of DepthwiseConv2D and SeparableConv2D.
llvm::Expected<Value> depthwise(LayerContext &layer, Value input, Value kernel,
                                Value bias, const Window &window,
                                cnn::Activation activation) {
  OpBuilder &b = layer.builder();
  auto op = cnn::DepthwiseConv2DOp::create(
      b, layer.getLoc(), input.getType(), input, kernel, bias,
      pairAttr(b, window.strides), pairAttr(b, window.dilations),
      window.padding, activation);
  return layer.finish(op);
}

} // namespace

llvm::Expected<Value> cnnc::keras::importConv2D(LayerContext &layer,
                                                ArrayRef<Value> inputs) {
  const ConfigReader &config = layer.config();
  llvm::Expected<RankedTensorType> type = layer.inputType(inputs[0], 4, kNHWC);
  if (!type)
    return type.takeError();
  FirstError errors;
  int64_t filters = errors.take(config.getInt("filters"));
  SmallVector<int64_t, 2> kernelSize =
      errors.take(config.getPositiveInts("kernel_size", 2));
  Window window = errors.take(readWindow(config, /*dilated=*/true));
  int64_t groups = errors.take(config.getInt("groups", 1));
  bool useBias = errors.take(config.getBool("use_bias", true));
  ActivationSpec activation = errors.take(layer.activation("activation"));
  cnn::Initializer kernelInit = errors.take(
      layer.initializer("kernel_initializer", cnn::Initializer::GlorotUniform));
  cnn::Initializer biasInit = errors.take(
      layer.initializer("bias_initializer", cnn::Initializer::Zeros));
  if (llvm::Error error = errors.takeError())
    return std::move(error);
  if (filters < 1)
    return config.mismatch("filters", "a positive integer");
  if (groups != 1)
    return config.error("groups", llvm::Twine(groups) +
                                      " is not supported (grouped "
                                      "convolutions; groups must be 1)");
  if (llvm::Error error = checkNoPenalties(config, {"kernel", "bias"}))
    return std::move(error);

  int64_t channels = type->getDimSize(3);
  SmallVector<WeightSpec, 2> specs = {
      {"kernel",
       {kernelSize[0], kernelSize[1], channels, filters},
       kernelInit}};
  if (useBias)
    specs.push_back({"bias", {filters}, biasInit});
  llvm::Expected<SmallVector<Value>> params = layer.weights(specs);
  if (!params)
    return params.takeError();
  OpBuilder &b = layer.builder();
  auto conv = cnn::Conv2DOp::create(
      b, layer.getLoc(), *type, inputs[0], (*params)[0],
      useBias ? (*params)[1] : Value(), pairAttr(b, window.strides),
      pairAttr(b, window.dilations), window.padding, fusedForm(activation));
  llvm::Expected<Value> result = layer.finish(conv);
  if (!result || activation.kind != ActivationSpec::Kind::Softmax)
    return result;
  return layer.applyActivation(*result, activation);
}

llvm::Expected<Value>
cnnc::keras::importDepthwiseConv2D(LayerContext &layer,
                                   ArrayRef<Value> inputs) {
  const ConfigReader &config = layer.config();
  llvm::Expected<RankedTensorType> type = layer.inputType(inputs[0], 4, kNHWC);
  if (!type)
    return type.takeError();
  FirstError errors;
  SmallVector<int64_t, 2> kernelSize =
      errors.take(config.getPositiveInts("kernel_size", 2));
  int64_t multiplier = errors.take(config.getInt("depth_multiplier", 1));
  Window window = errors.take(readWindow(config, /*dilated=*/true));
  bool useBias = errors.take(config.getBool("use_bias", true));
  ActivationSpec activation = errors.take(layer.activation("activation"));
  cnn::Initializer kernelInit = errors.take(layer.initializer(
      "depthwise_initializer", cnn::Initializer::GlorotUniform));
  cnn::Initializer biasInit = errors.take(
      layer.initializer("bias_initializer", cnn::Initializer::Zeros));
  if (llvm::Error error = errors.takeError())
    return std::move(error);
  if (multiplier < 1)
    return config.mismatch("depth_multiplier", "a positive integer");
  if (llvm::Error error = checkNoPenalties(config, {"depthwise", "bias"}))
    return std::move(error);

  int64_t channels = type->getDimSize(3);
  // tf.keras 2 named the kernel "depthwise_kernel", Keras 3 "kernel".
  SmallVector<WeightSpec, 2> specs = {
      {"kernel",
       {kernelSize[0], kernelSize[1], channels, multiplier},
       kernelInit,
       /*trainable=*/true,
       "depthwise_kernel"}};
  if (useBias)
    specs.push_back({"bias", {channels * multiplier}, biasInit});
  llvm::Expected<SmallVector<Value>> params = layer.weights(specs);
  if (!params)
    return params.takeError();
  llvm::Expected<Value> result = depthwise(layer, inputs[0], (*params)[0],
                                           useBias ? (*params)[1] : Value(),
                                           window, fusedForm(activation));
  if (!result || activation.kind != ActivationSpec::Kind::Softmax)
    return result;
  return layer.applyActivation(*result, activation);
}

llvm::Expected<Value>
cnnc::keras::importSeparableConv2D(LayerContext &layer,
                                   ArrayRef<Value> inputs) {
  const ConfigReader &config = layer.config();
  llvm::Expected<RankedTensorType> type = layer.inputType(inputs[0], 4, kNHWC);
  if (!type)
    return type.takeError();
  FirstError errors;
  int64_t filters = errors.take(config.getInt("filters"));
  SmallVector<int64_t, 2> kernelSize =
      errors.take(config.getPositiveInts("kernel_size", 2));
  int64_t multiplier = errors.take(config.getInt("depth_multiplier", 1));
  Window window = errors.take(readWindow(config, /*dilated=*/true));
  bool useBias = errors.take(config.getBool("use_bias", true));
  ActivationSpec activation = errors.take(layer.activation("activation"));
  cnn::Initializer depthwiseInit = errors.take(layer.initializer(
      "depthwise_initializer", cnn::Initializer::GlorotUniform));
  cnn::Initializer pointwiseInit = errors.take(layer.initializer(
      "pointwise_initializer", cnn::Initializer::GlorotUniform));
  cnn::Initializer biasInit = errors.take(
      layer.initializer("bias_initializer", cnn::Initializer::Zeros));
  if (llvm::Error error = errors.takeError())
    return std::move(error);
  if (filters < 1)
    return config.mismatch("filters", "a positive integer");
  if (multiplier < 1)
    return config.mismatch("depth_multiplier", "a positive integer");
  if (llvm::Error error =
          checkNoPenalties(config, {"depthwise", "pointwise", "bias"}))
    return std::move(error);

  // Keras's SeparableConv2D: a depthwise convolution without bias, then a
  // 1x1 convolution with the layer's bias and activation.
  int64_t channels = type->getDimSize(3);
  int64_t expanded = channels * multiplier;
  SmallVector<WeightSpec, 3> specs = {
      {"depthwise_kernel",
       {kernelSize[0], kernelSize[1], channels, multiplier},
       depthwiseInit},
      {"pointwise_kernel", {1, 1, expanded, filters}, pointwiseInit}};
  if (useBias)
    specs.push_back({"bias", {filters}, biasInit});
  llvm::Expected<SmallVector<Value>> params = layer.weights(specs);
  if (!params)
    return params.takeError();
  llvm::Expected<Value> spread = depthwise(
      layer, inputs[0], (*params)[0], Value(), window, cnn::Activation::None);
  if (!spread)
    return spread.takeError();
  OpBuilder &b = layer.builder();
  auto pointwise =
      cnn::Conv2DOp::create(b, layer.getLoc(), *type, *spread, (*params)[1],
                            useBias ? (*params)[2] : Value(), nullptr, nullptr,
                            cnn::Padding::Valid, fusedForm(activation));
  llvm::Expected<Value> result = layer.finish(pointwise);
  if (!result || activation.kind != ActivationSpec::Kind::Softmax)
    return result;
  return layer.applyActivation(*result, activation);
}

/// MaxPooling2D and AveragePooling2D: `pool_size` (default 2), `strides`
/// (default the pool size), `padding`.
template <typename PoolOp>
static llvm::Expected<Value> importPooling(LayerContext &layer,
                                           ArrayRef<Value> inputs) {
  const ConfigReader &config = layer.config();
  llvm::Expected<RankedTensorType> type = layer.inputType(inputs[0], 4, kNHWC);
  if (!type)
    return type.takeError();
  llvm::Expected<SmallVector<int64_t, 2>> pool =
      config.getPositiveInts("pool_size", 2, 2);
  if (!pool)
    return pool.takeError();
  llvm::Expected<SmallVector<int64_t, 2>> strides =
      config.get("strides") ? config.getPositiveInts("strides", 2)
                            : llvm::Expected<SmallVector<int64_t, 2>>(*pool);
  if (!strides)
    return strides.takeError();
  llvm::Expected<cnn::Padding> padding = readPadding(config);
  if (!padding)
    return padding.takeError();
  OpBuilder &b = layer.builder();
  auto op = PoolOp::create(
      b, layer.getLoc(), *type, inputs[0], b.getDenseI64ArrayAttr(*pool),
      *strides == *pool ? nullptr : b.getDenseI64ArrayAttr(*strides), *padding);
  return layer.finish(op);
}

llvm::Expected<Value> cnnc::keras::importMaxPooling2D(LayerContext &layer,
                                                      ArrayRef<Value> inputs) {
  return importPooling<cnn::MaxPool2DOp>(layer, inputs);
}

llvm::Expected<Value>
cnnc::keras::importAveragePooling2D(LayerContext &layer,
                                    ArrayRef<Value> inputs) {
  return importPooling<cnn::AvgPool2DOp>(layer, inputs);
}

/// GlobalAveragePooling2D and GlobalMaxPooling2D with `keepdims`.
template <typename PoolOp>
static llvm::Expected<Value> importGlobalPooling(LayerContext &layer,
                                                 ArrayRef<Value> inputs) {
  llvm::Expected<RankedTensorType> type = layer.inputType(inputs[0], 4, kNHWC);
  if (!type)
    return type.takeError();
  llvm::Expected<bool> keepdims = layer.config().getBool("keepdims", false);
  if (!keepdims)
    return keepdims.takeError();
  OpBuilder &b = layer.builder();
  auto op = PoolOp::create(b, layer.getLoc(), *type, inputs[0],
                           *keepdims ? b.getUnitAttr() : nullptr);
  return layer.finish(op);
}

llvm::Expected<Value>
cnnc::keras::importGlobalAveragePooling2D(LayerContext &layer,
                                          ArrayRef<Value> inputs) {
  return importGlobalPooling<cnn::GlobalAvgPool2DOp>(layer, inputs);
}

llvm::Expected<Value>
cnnc::keras::importGlobalMaxPooling2D(LayerContext &layer,
                                      ArrayRef<Value> inputs) {
  return importGlobalPooling<cnn::GlobalMaxPool2DOp>(layer, inputs);
}

llvm::Expected<Value> cnnc::keras::importZeroPadding2D(LayerContext &layer,
                                                       ArrayRef<Value> inputs) {
  const ConfigReader &config = layer.config();
  llvm::Expected<RankedTensorType> type = layer.inputType(inputs[0], 4, kNHWC);
  if (!type)
    return type.takeError();
  // padding = p, (h, w) or ((top, bottom), (left, right)); default (1, 1).
  SmallVector<int64_t, 4> padding = {1, 1, 1, 1};
  auto expected = [&] {
    return config.mismatch("padding",
                           "a non-negative integer, 2 of them, or 2 pairs");
  };
  auto nonNegative = [](const json::Value &value, int64_t &out) {
    std::optional<int64_t> integer = value.getAsInteger();
    if (!integer || *integer < 0)
      return false;
    out = *integer;
    return true;
  };
  if (const json::Value *value = config.get("padding")) {
    int64_t single;
    const json::Array *list = value->getAsArray();
    if (nonNegative(*value, single)) {
      padding.assign(4, single);
    } else if (list && list->size() == 2) {
      for (auto [axis, entry] : llvm::enumerate(*list)) {
        const json::Array *pair = entry.getAsArray();
        if (nonNegative(entry, single)) {
          padding[2 * axis] = padding[2 * axis + 1] = single;
        } else if (pair && pair->size() == 2 &&
                   nonNegative((*pair)[0], padding[2 * axis]) &&
                   nonNegative((*pair)[1], padding[2 * axis + 1])) {
          continue;
        } else {
          return expected();
        }
      }
    } else {
      return expected();
    }
  }
  OpBuilder &b = layer.builder();
  auto op = cnn::ZeroPad2DOp::create(b, layer.getLoc(), *type, inputs[0],
                                     b.getDenseI64ArrayAttr(padding));
  return layer.finish(op);
}
