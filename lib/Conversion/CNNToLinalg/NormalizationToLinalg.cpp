//===- NormalizationToLinalg.cpp - lower normalization ops to linalg ===//

#include "LoweringUtils.h"

using namespace mlir;
using namespace cnnc::cnn;
using namespace cnnc::cnn::lowering;

void cnnc::cnn::lowering::populateNormalizationPatterns(RewritePatternSet &patterns) {}
