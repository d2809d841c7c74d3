//===- ActivationOps.cpp - the activation layers beyond relu/sigmoid/tanh ===//
//
// Verifiers, shape inference and the layer interfaces (CNNInterfaces.td) of
// the activation layers beyond relu/sigmoid/tanh.
//
//===----------------------------------------------------------------------===//

#include "LayerSemantics.h"
