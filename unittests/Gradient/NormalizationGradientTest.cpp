//===- NormalizationGradientTest.cpp - gradient checks (stub, filled by the Normalization work) ===//
