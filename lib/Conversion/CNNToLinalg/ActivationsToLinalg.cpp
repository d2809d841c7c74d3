//===- ActivationsToLinalg.cpp - lower activations ops to linalg ===//

#include "LoweringUtils.h"

using namespace mlir;
using namespace cnnc::cnn;
using namespace cnnc::cnn::lowering;

void cnnc::cnn::lowering::populateActivationsPatterns(RewritePatternSet &patterns) {}
