//===- ModelSummary.cpp - Keras-style model summary -----------------------===//
//
// Builds and prints the per-layer table of `cnnc --summary`.
//
//===----------------------------------------------------------------------===//

#include "cnnc/Driver/ModelSummary.h"
#include "cnnc/Dialect/CNN/Analysis/FlopCount.h"

#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Format.h"

using namespace mlir;
using namespace cnnc;
using namespace cnnc::cnn;

/// Formats a tensor type as Keras does: "(None, 26, 26, 32)".
static std::string formatShape(Type type) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << "(";
  llvm::interleaveComma(cast<RankedTensorType>(type).getShape(), os,
                        [&](int64_t d) {
                          if (ShapedType::isDynamic(d))
                            os << "None";
                          else
                            os << d;
                        });
  os << ")";
  return text;
}

/// Formats an integer with thousands separators: 93322 -> "93,322".
static std::string withCommas(int64_t value) {
  std::string digits = std::to_string(value);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0)
      out += ',';
    out += digits[i];
  }
  return out;
}

/// Formats a byte count as Keras does (1 KB = 1024 B).
static std::string formatBytes(double bytes) {
  const char *units[] = {"B", "KB", "MB", "GB", "TB", "PB", "EB"};
  double value = bytes;
  int unit = 0;
  while (value >= 1024.0 && unit < 6) {
    value /= 1024.0;
    ++unit;
  }
  return llvm::formatv("{0:F2} {1}", value, units[unit]).str();
}

SmallVector<LayerSummary> cnnc::summarizeLayers(const ModelInfo &model) {
  llvm::DenseMap<Operation *, const ParamInfo *> paramOf;
  for (const ParamInfo &p : model.params)
    paramOf[p.op] = &p;
  llvm::StringMap<int> kindCounts;
  llvm::DenseSet<Operation *> counted;
  SmallVector<LayerSummary> layers;
  func::FuncOp forward = model.forward;
  for (Operation &op : forward.getBody().getOps()) {
    auto layerOp = dyn_cast<LayerOpInterface>(op);
    if (!layerOp)
      continue;
    LayerSummary layer;
    layer.opName = op.getName().getStringRef().str();
    layer.outputShape = formatShape(op.getResult(0).getType());
    for (Value operand : op.getOperands()) {
      Operation *def = operand.getDefiningOp();
      auto it = def ? paramOf.find(def) : paramOf.end();
      if (it == paramOf.end())
        continue;
      if (layer.name.empty()) {
        StringRef name = it->second->name;
        layer.name = name.rsplit('/').first.str();
      }
      if (counted.insert(def).second)
        layer.paramCount += it->second->size;
    }
    if (layer.name.empty()) {
      if (auto nameLoc = dyn_cast<NameLoc>(op.getLoc())) {
        layer.name = nameLoc.getName().str();
      } else {
        StringRef base = layerOp.getKerasLayerName();
        int index = kindCounts[base]++;
        layer.name = index ? llvm::formatv("{0}_{1}", base, index).str()
                           : base.str();
      }
    }
    layers.push_back(std::move(layer));
  }
  return layers;
}

LogicalResult cnnc::printModelSummary(const ModelInfo &model,
                                      raw_ostream &os) {
  constexpr int kLayerWidth = 34, kShapeWidth = 26;
  std::string rule(kLayerWidth + kShapeWidth + 12, '=');
  std::string thin(rule.size(), '_');
  os << "Model: \"" << model.name << "\"\n" << thin << "\n";
  os << llvm::left_justify(" Layer (type)", kLayerWidth)
     << llvm::left_justify("Output Shape", kShapeWidth) << "Param #\n"
     << rule << "\n";
  for (const LayerSummary &layer : summarizeLayers(model)) {
    std::string label = " " + layer.name + " (" + layer.opName + ")";
    os << llvm::left_justify(label, kLayerWidth);
    if (label.size() >= kLayerWidth)
      os << "\n" << std::string(kLayerWidth, ' ');
    os << llvm::left_justify(layer.outputShape, kShapeWidth)
       << withCommas(layer.paramCount) << "\n";
  }
  // Float32 bytes, in double: a huge model must not wrap.
  auto count = [](int64_t elements) {
    return withCommas(elements) + " (" + formatBytes(4.0 * elements) + ")";
  };
  os << rule << "\n"
     << "Total params: " << count(model.paramElements) << "\n"
     << "Trainable params: " << count(model.trainableElements) << "\n"
     << "Non-trainable params: "
     << count(model.paramElements - model.trainableElements) << "\n";
  FailureOr<int64_t> flops = countFlopsPerImage(model.forward);
  if (failed(flops))
    return failure();
  os << "Forward FLOPs per image: " << withCommas(*flops) << "\n"
     << thin << "\n";
  return success();
}
