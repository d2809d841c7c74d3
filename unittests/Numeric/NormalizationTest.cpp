//===- NormalizationTest.cpp - numeric tests (stub, filled by the Normalization work) ===//
