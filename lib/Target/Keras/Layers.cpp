//===- Layers.cpp - layer dispatch and shared layer helpers ---------------===//
//
// The table of Keras layer classes the importer knows, the checks every
// layer gets (dtype, data_format, activity regularizer), parameter
// declaration with the saved values, and the helpers layer importers share:
// initializers, activations, creation of cnn ops with inferred types.
//
//===----------------------------------------------------------------------===//

#include "Importer.h"
#include "WeightStore.h"

#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "llvm/ADT/StringSwitch.h"

using namespace mlir;
using namespace cnnc;
using namespace cnnc::keras;
namespace json = llvm::json;

//===----------------------------------------------------------------------===//
// Importer
//===----------------------------------------------------------------------===//

Importer::Importer(MLIRContext &context, const KerasFile &file)
    : context(context), builder(&context), file(file),
      diagnosticHandler(&context, [this](Diagnostic &diag) {
        if (diag.getSeverity() == DiagnosticSeverity::Error &&
            diagnostic.empty()) {
          diagnostic = diag.str();
          // Ops carry their layer's name (NameLoc): say which layer a
          // whole-module check complains about.
          if (auto name = dyn_cast<NameLoc>(diag.getLocation()))
            diagnostic = "layer '" + name.getName().str() + "': " + diagnostic;
        }
        return success();
      }) {
  context.loadDialect<cnn::CNNDialect>();
  if (file.weights)
    weights = std::make_unique<WeightStore>(
        *file.weights, file.format == KerasFile::Format::LegacyH5);
}

Importer::~Importer() = default;

std::string Importer::takeDiagnostic() {
  std::string message = std::move(diagnostic);
  diagnostic.clear();
  if (message.empty())
    return "invalid layer (no diagnostic)";
  return message;
}

llvm::Error Importer::error(const llvm::Twine &message) const {
  return makeError(file.name + ": " + message);
}

llvm::Expected<SmallVector<Value>>
Importer::declareWeights(const LayerRef &layer, ArrayRef<WeightSpec> specs) {
  auto found = declared.find(layer.paramPrefix);
  if (found != declared.end())
    return found->second;
  std::vector<std::vector<float>> saved;
  if (weights) {
    llvm::Expected<std::vector<std::vector<float>>> read =
        weights->read(layer, specs);
    if (!read)
      return read.takeError();
    saved = std::move(*read);
  }
  Location loc = NameLoc::get(builder.getStringAttr(layer.name));
  SmallVector<Value> params;
  for (auto [index, spec] : llvm::enumerate(specs)) {
    std::string name = layer.paramPrefix + "/" + spec.name;
    auto type = RankedTensorType::get(spec.shape, builder.getF32Type());
    // Only a non-default initializer is spelled out (cnn.param's default
    // is Keras's for the tensor's rank).
    cnn::Initializer byRank = spec.shape.size() >= 2
                                  ? cnn::Initializer::GlorotUniform
                                  : cnn::Initializer::Zeros;
    cnn::InitializerAttr init =
        spec.init == byRank ? nullptr
                            : cnn::InitializerAttr::get(&context, spec.init);
    bool trainable = spec.trainable && layer.trainable;
    params.push_back(cnn::ParamOp::create(
        builder, loc, type, builder.getStringAttr(name), init,
        trainable ? nullptr : builder.getBoolAttr(false)));
    if (!saved.empty())
      values[name] = std::move(saved[index]);
  }
  declared[layer.paramPrefix] = params;
  return params;
}

//===----------------------------------------------------------------------===//
// Dispatch
//===----------------------------------------------------------------------===//

namespace {

struct LayerKind {
  llvm::StringLiteral className;
  LayerImportFn import;
  bool alias = false; ///< another name Keras accepts for a class
};

/// Every layer class the importer translates (with Keras's aliases).
const LayerKind kLayerKinds[] = {
    {"Activation", importActivation},
    {"Add", importAdd},
    {"AveragePooling2D", importAveragePooling2D},
    {"AvgPool2D", importAveragePooling2D, true},
    {"BatchNormalization", importBatchNormalization},
    {"Concatenate", importConcatenate},
    {"Conv2D", importConv2D},
    {"Convolution2D", importConv2D, true},
    {"Dense", importDense},
    {"DepthwiseConv2D", importDepthwiseConv2D},
    {"Dropout", importDropout},
    {"ELU", importELU},
    {"Flatten", importFlatten},
    {"GaussianDropout", importAugmentation},
    {"GaussianNoise", importAugmentation},
    {"GlobalAveragePooling2D", importGlobalAveragePooling2D},
    {"GlobalAvgPool2D", importGlobalAveragePooling2D, true},
    {"GlobalMaxPool2D", importGlobalMaxPooling2D, true},
    {"GlobalMaxPooling2D", importGlobalMaxPooling2D},
    {"LeakyReLU", importLeakyReLU},
    {"MaxPool2D", importMaxPooling2D, true},
    {"MaxPooling2D", importMaxPooling2D},
    {"RandomBrightness", importAugmentation},
    {"RandomContrast", importAugmentation},
    {"RandomFlip", importAugmentation},
    {"RandomRotation", importAugmentation},
    {"RandomTranslation", importAugmentation},
    {"RandomZoom", importAugmentation},
    {"ReLU", importReLU},
    {"Rescaling", importRescaling},
    {"SeparableConv2D", importSeparableConv2D},
    {"SeparableConvolution2D", importSeparableConv2D, true},
    {"Softmax", importSoftmax},
    {"ZeroPadding2D", importZeroPadding2D},
};

/// Only float32 layers: Keras 3 writes a DTypePolicy object, Keras 2 a
/// string or a Policy object.
llvm::Error checkDtype(const ConfigReader &config) {
  const json::Value *dtype = config.get("dtype");
  if (!dtype)
    return llvm::Error::success();
  std::optional<llvm::StringRef> name = dtype->getAsString();
  if (const json::Object *policy = dtype->getAsObject())
    if (const json::Object *policyConfig = policy->getObject("config"))
      name = policyConfig->getString("name");
  if (!name)
    return config.mismatch("dtype", "a dtype policy");
  if (*name != "float32")
    return config.error("dtype",
                        "'" + *name + "' is not supported (float32 only)");
  return llvm::Error::success();
}

} // namespace

LayerImportFn cnnc::keras::lookupLayerImporter(llvm::StringRef className) {
  for (const LayerKind &kind : kLayerKinds)
    if (kind.className == className)
      return kind.import;
  return nullptr;
}

std::string cnnc::keras::supportedLayerClasses() {
  std::string list;
  for (const LayerKind &kind : kLayerKinds)
    if (!kind.alias)
      list += (list.empty() ? "" : ", ") + kind.className.str();
  return list;
}

llvm::Expected<Value> Importer::importLayer(const LayerRef &layer,
                                            ArrayRef<Value> inputs) {
  const ConfigReader &config = layer.config;
  LayerImportFn import = lookupLayerImporter(layer.className);
  if (!import)
    return config.error("the layer class '" + layer.className +
                        "' is not supported (cnnc imports InputLayer, " +
                        supportedLayerClasses() +
                        " and Sequential/Functional models)");
  if (llvm::Error error = checkDtype(config))
    return std::move(error);
  if (llvm::Expected<std::string> format =
          config.getString("data_format", llvm::StringRef("channels_last"));
      !format)
    return format.takeError();
  else if (*format != "channels_last")
    return config.error("data_format", "'" + *format +
                                           "' is not supported (cnnc "
                                           "layers are channels_last, NHWC)");
  if (llvm::Error error = config.expectUnset(
          "activity_regularizer", "regularizers change the training loss"))
    return std::move(error);
  LayerContext context(*this, layer);
  return import(context, inputs);
}

llvm::Error cnnc::keras::checkNoPenalties(const ConfigReader &config,
                                          ArrayRef<llvm::StringRef> weights) {
  for (llvm::StringRef weight : weights) {
    if (llvm::Error error =
            config.expectUnset((weight + "_regularizer").str(),
                               "regularizers change the training loss"))
      return error;
    if (llvm::Error error =
            config.expectUnset((weight + "_constraint").str(),
                               "constraints change the training step"))
      return error;
  }
  return config.expectUnset("lora_rank", "LoRA adds weights");
}

//===----------------------------------------------------------------------===//
// LayerContext
//===----------------------------------------------------------------------===//

LayerContext::LayerContext(Importer &importer, const LayerRef &layer)
    : importer(importer), layer(layer),
      loc(NameLoc::get(importer.builder.getStringAttr(layer.name))) {}

llvm::Expected<cnn::Initializer>
LayerContext::initializer(llvm::StringRef key, cnn::Initializer fallback) {
  const json::Value *value = config().get(key);
  if (!value)
    return fallback;
  std::optional<llvm::StringRef> name = value->getAsString();
  if (const json::Object *object = value->getAsObject())
    name = object->getString("class_name");
  if (!name)
    return config().mismatch(key, "an initializer");
  std::optional<cnn::Initializer> init =
      llvm::StringSwitch<std::optional<cnn::Initializer>>(*name)
          .Cases({"Zeros", "zeros"}, cnn::Initializer::Zeros)
          .Cases({"Ones", "ones"}, cnn::Initializer::Ones)
          .Cases({"GlorotUniform", "glorot_uniform"},
                 cnn::Initializer::GlorotUniform)
          .Cases({"GlorotNormal", "glorot_normal"},
                 cnn::Initializer::GlorotNormal)
          .Cases({"HeUniform", "he_uniform"}, cnn::Initializer::HeUniform)
          .Cases({"HeNormal", "he_normal"}, cnn::Initializer::HeNormal)
          .Cases({"LecunUniform", "lecun_uniform"},
                 cnn::Initializer::LecunUniform)
          .Default(std::nullopt);
  if (init)
    return *init;
  // The saved weights replace the initializer: it only matters when
  // cnnc-train starts from scratch.
  if (importer.file.weights)
    return fallback;
  return config().error(key, "'" + *name +
                                 "' is not supported (cnnc initializes with "
                                 "zeros, ones, glorot_uniform, glorot_normal, "
                                 "he_uniform, he_normal, lecun_uniform)");
}

llvm::Expected<ActivationSpec> LayerContext::activation(llvm::StringRef key) {
  const json::Value *value = config().get(key);
  std::string name = "linear";
  if (value) {
    std::optional<llvm::StringRef> text = value->getAsString();
    // Keras 3 may serialize a function as {"class_name": "function",
    // "config": "relu", ...}.
    if (const json::Object *object = value->getAsObject())
      text = object->getString("config");
    if (!text)
      return config().mismatch(key, "an activation name");
    name = text->str();
  }
  // Keras's aliases.
  name = llvm::StringSwitch<std::string>(name)
             .Case("swish", "silu")
             .Case("hard_silu", "hard_swish")
             .Default(name);
  ActivationSpec spec;
  if (name == "linear")
    return spec;
  if (name == "softmax") {
    spec.kind = ActivationSpec::Kind::Softmax;
    return spec;
  }
  if (!cnn::symbolizeActivation(name)) {
    std::string known = "linear, softmax";
    for (uint32_t i = 1; i <= cnn::getMaxEnumValForActivation(); ++i)
      if (std::optional<cnn::Activation> kind = cnn::symbolizeActivation(i))
        known += ", " + cnn::stringifyActivation(*kind).str();
    return config().error(key, "'" + name +
                                   "' is not supported by this cnnc (it "
                                   "has " +
                                   known + ")");
  }
  spec.kind = ActivationSpec::Kind::Function;
  spec.name = name;
  return spec;
}

llvm::Expected<Value>
LayerContext::applyActivation(Value input, const ActivationSpec &activation,
                              std::optional<double> alpha) {
  switch (activation.kind) {
  case ActivationSpec::Kind::None:
    return input;
  case ActivationSpec::Kind::Softmax:
    return cnn::SoftmaxOp::create(builder(), loc, input.getType(), input)
        .getResult();
  case ActivationSpec::Kind::Function:
    break;
  }
  OpBuilder &b = builder();
  auto alphaAttr = [&](double fallback) {
    return b.getF32FloatAttr(static_cast<float>(alpha.value_or(fallback)));
  };
  std::optional<cnn::Activation> kind =
      cnn::symbolizeActivation(activation.name);
  if (!kind)
    return error("unknown activation '" + activation.name + "'");
  switch (*kind) {
  case cnn::Activation::None:
    return input;
  case cnn::Activation::Relu:
    return cnn::ReluOp::create(b, loc, input).getResult();
  case cnn::Activation::Sigmoid:
    return cnn::SigmoidOp::create(b, loc, input).getResult();
  case cnn::Activation::Tanh:
    return cnn::TanhOp::create(b, loc, input).getResult();
  case cnn::Activation::LeakyRelu:
    // keras.activations.leaky_relu's slope is 0.2, the LeakyReLU layer's
    // 0.3 (cnn.leaky_relu's default): the function's must be explicit.
    return cnn::LeakyReluOp::create(b, loc, input,
                                    alphaAttr(cnn::LeakyReluOp::kFusedAlpha))
        .getResult();
  case cnn::Activation::Elu:
    return cnn::EluOp::create(b, loc, input, alphaAttr(cnn::EluOp::kFusedAlpha))
        .getResult();
  case cnn::Activation::Selu:
    return cnn::SeluOp::create(b, loc, input).getResult();
  case cnn::Activation::Relu6:
    return cnn::Relu6Op::create(b, loc, input).getResult();
  case cnn::Activation::Silu:
    return cnn::SiluOp::create(b, loc, input).getResult();
  case cnn::Activation::Gelu:
    // keras.activations.gelu (Activation("gelu")): approximate=False.
    return cnn::GeluOp::create(b, loc, input, /*approximate=*/false)
        .getResult();
  case cnn::Activation::Softplus:
    return cnn::SoftplusOp::create(b, loc, input).getResult();
  case cnn::Activation::HardSigmoid:
    return cnn::HardSigmoidOp::create(b, loc, input).getResult();
  case cnn::Activation::HardSwish:
    return cnn::HardSwishOp::create(b, loc, input).getResult();
  }
  llvm_unreachable("unknown activation");
}

std::string cnnc::keras::kerasShape(Type type) {
  std::string text = "(";
  for (auto [i, size] :
       llvm::enumerate(cast<RankedTensorType>(type).getShape()))
    text +=
        (i ? ", " : "") + (ShapedType::isDynamic(size) ? std::string("None")
                                                       : std::to_string(size));
  return text + ")";
}

llvm::Expected<RankedTensorType>
LayerContext::inputType(Value input, int64_t rank, llvm::StringRef what) {
  auto type = cast<RankedTensorType>(input.getType());
  if (rank && type.getRank() != rank)
    return error("expects a rank-" + llvm::Twine(rank) + " input " + what +
                 ", got shape " + kerasShape(type));
  return type;
}

llvm::Expected<Value> LayerContext::finish(Operation *op) {
  auto inferring = cast<InferTypeOpInterface>(op);
  SmallVector<Type> types;
  if (failed(inferring.inferReturnTypes(
          op->getContext(), op->getLoc(), op->getOperands(),
          op->getRawDictionaryAttrs(), op->getPropertiesStorage(),
          op->getRegions(), types))) {
    op->erase();
    return error(importer.takeDiagnostic());
  }
  for (auto [result, type] : llvm::zip(op->getResults(), types))
    result.setType(type);
  return op->getResult(0);
}
