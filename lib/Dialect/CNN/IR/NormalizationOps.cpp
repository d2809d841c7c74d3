//===- NormalizationOps.cpp - batch normalization and dropout ===//
//
// Verifiers, shape inference and the layer interfaces (CNNInterfaces.td) of
// batch normalization and dropout.
//
//===----------------------------------------------------------------------===//

#include "LayerSemantics.h"
