//===- ReshapingGradientTest.cpp - gradient checks (stub, filled by the Reshaping work) ===//
