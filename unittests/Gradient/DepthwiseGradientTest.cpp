//===- DepthwiseGradientTest.cpp - gradient checks (stub, filled by the Depthwise work) ===//
