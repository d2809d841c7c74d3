//===- ReshapingOps.cpp - global pooling, zero padding, concatenation ===//
//
// Verifiers, shape inference and the layer interfaces (CNNInterfaces.td) of
// global pooling, zero padding, concatenation.
//
//===----------------------------------------------------------------------===//

#include "LayerSemantics.h"
