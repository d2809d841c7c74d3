//===- ActivationOps.cpp - activation layers with parameters --------------===//
//
// Verifiers and layer interfaces (CNNInterfaces.td) of the activation layers
// that carry parameters (cnn.leaky_relu and cnn.elu with `alpha`, cnn.gelu
// with `approximate`), and the verifier of cnn.activation_grad. The layers
// without parameters (cnn.relu, cnn.selu, ...) get theirs from the
// CNN_UnaryOp class in CNNOps.td. Semantics and defaults are Keras 3's
// (keras/src/activations/activations.py, keras/src/layers/activations/).
//
//===----------------------------------------------------------------------===//

#include "LayerSemantics.h"

#include <cmath>

using namespace mlir;
using namespace cnnc::cnn;
using namespace cnnc::cnn::detail;

/// Checks an activation slope: finite and non-negative (Keras's LeakyReLU
/// rejects negative slopes; ELU is defined for alpha > 0, 0 being relu).
static LogicalResult verifyAlpha(Operation *op, FloatAttr alpha) {
  double value = alpha.getValueAsDouble();
  if (!std::isfinite(value) || value < 0)
    return op->emitOpError("alpha must be finite and non-negative, got ")
           << alpha.getValue().convertToFloat();
  return success();
}

/// `kind` when the layer's alpha equals the fused form's default.
static std::optional<Activation>
fusedFormIfAlpha(FloatAttr alpha, double fusedAlpha, Activation kind) {
  // Compare in f32, the attribute's type: 0.2 is not exactly representable.
  if (alpha.getValue().convertToFloat() != static_cast<float>(fusedAlpha))
    return std::nullopt;
  return kind;
}

//===----------------------------------------------------------------------===//
// LeakyReluOp
//===----------------------------------------------------------------------===//

LogicalResult LeakyReluOp::verify() {
  return verifyAlpha(*this, getAlphaAttr());
}

std::optional<Activation> LeakyReluOp::getFusedForm() {
  return fusedFormIfAlpha(getAlphaAttr(), kFusedAlpha, kActivation);
}

StringRef LeakyReluOp::getKerasClassName() { return "LeakyReLU"; }
StringRef LeakyReluOp::getKerasLayerName() { return "leaky_re_lu"; }
std::optional<int64_t> LeakyReluOp::getFlopsPerImage() {
  return activationLayerFlops(getType(), kActivation);
}

FailureOr<SmallVector<Value>>
LeakyReluOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGrads,
                            ArrayRef<bool>) {
  return SmallVector<Value>{
      activationGradient(b, getLoc(), {kActivation, getAlphaAttr()}, getInput(),
                         getResult(), resultGrads[0])};
}

//===----------------------------------------------------------------------===//
// EluOp
//===----------------------------------------------------------------------===//

LogicalResult EluOp::verify() { return verifyAlpha(*this, getAlphaAttr()); }

std::optional<Activation> EluOp::getFusedForm() {
  return fusedFormIfAlpha(getAlphaAttr(), kFusedAlpha, kActivation);
}

StringRef EluOp::getKerasClassName() { return "ELU"; }
StringRef EluOp::getKerasLayerName() { return "elu"; }
std::optional<int64_t> EluOp::getFlopsPerImage() {
  return activationLayerFlops(getType(), kActivation);
}

FailureOr<SmallVector<Value>> EluOp::buildGradients(OpBuilder &b,
                                                    ArrayRef<Value> resultGrads,
                                                    ArrayRef<bool>) {
  return SmallVector<Value>{
      activationGradient(b, getLoc(), {kActivation, getAlphaAttr()}, getInput(),
                         getResult(), resultGrads[0])};
}

//===----------------------------------------------------------------------===//
// GeluOp
//===----------------------------------------------------------------------===//

// Keras has no GELU layer class: `Activation("gelu")`.
StringRef GeluOp::getKerasClassName() { return "Activation"; }
StringRef GeluOp::getKerasLayerName() { return "activation"; }
std::optional<int64_t> GeluOp::getFlopsPerImage() {
  return activationLayerFlops(getType(), kActivation);
}

FailureOr<SmallVector<Value>>
GeluOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGrads,
                       ArrayRef<bool>) {
  return SmallVector<Value>{activationGradient(
      b, getLoc(), {kActivation, FloatAttr(), getApproximate()}, getInput(),
      getResult(), resultGrads[0])};
}

//===----------------------------------------------------------------------===//
// ActivationGradOp
//===----------------------------------------------------------------------===//

LogicalResult ActivationGradOp::verify() {
  Activation kind = getActivation();
  bool hasAlpha = kind == Activation::LeakyRelu || kind == Activation::Elu;
  if (FloatAttr alpha = getAlphaAttr()) {
    if (!hasAlpha)
      return emitOpError("'alpha' is only meaningful for leaky_relu and elu, "
                         "not ")
             << stringifyActivation(kind);
    if (failed(verifyAlpha(*this, alpha)))
      return failure();
  }
  if (getApproximate() && kind != Activation::Gelu)
    return emitOpError("'approximate' is only meaningful for gelu, not ")
           << stringifyActivation(kind);
  return success();
}

double ActivationGradOp::getEffectiveAlpha() {
  if (FloatAttr alpha = getAlphaAttr())
    return alpha.getValueAsDouble();
  switch (getActivation()) {
  case Activation::LeakyRelu:
    return LeakyReluOp::kFusedAlpha;
  case Activation::Elu:
    return EluOp::kFusedAlpha;
  default:
    return 0.0;
  }
}
