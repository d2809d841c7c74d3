//===- PreprocessingOps.cpp - constant input transforms -------------------===//
//
// The verifier and the layer interfaces (CNNInterfaces.td) of cnn.rescale.
//
//===----------------------------------------------------------------------===//

#include "LayerSemantics.h"

using namespace mlir;
using namespace cnnc::cnn;
using namespace cnnc::cnn::detail;

LogicalResult RescaleOp::verify() {
  if (!getScale().isFinite())
    return emitOpError("scale must be finite");
  if (!getOffset().isFinite())
    return emitOpError("offset must be finite");
  return success();
}

StringRef RescaleOp::getKerasClassName() { return "Rescaling"; }
StringRef RescaleOp::getKerasLayerName() { return "rescaling"; }

std::optional<int64_t> RescaleOp::getFlopsPerImage() {
  std::optional<int64_t> elements = perImageElements(getType());
  if (!elements)
    return std::nullopt;
  return checkedProduct({2, *elements});
}

FailureOr<SmallVector<Value>>
RescaleOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGrads,
                          ArrayRef<bool> wanted) {
  // d(x * s + o) / dx = s: the output gradient rescaled without offset.
  // Nothing when no gradient is wanted (a rescale of the model's input).
  SmallVector<Value> grads(1);
  if (wanted[0])
    grads[0] =
        RescaleOp::create(b, getLoc(), resultGrads[0].getType(), resultGrads[0],
                          getScaleAttr(), b.getF32FloatAttr(0.0f));
  return grads;
}
