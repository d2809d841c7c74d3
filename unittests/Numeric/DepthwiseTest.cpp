//===- DepthwiseTest.cpp - numeric tests (stub, filled by the Depthwise work) ===//
