//===- DepthwiseConvOps.cpp - depthwise convolution ===//
//
// Verifiers, shape inference and the layer interfaces (CNNInterfaces.td) of
// depthwise convolution.
//
//===----------------------------------------------------------------------===//

#include "LayerSemantics.h"
