//===- ActivationGradientTest.cpp - gradient checks (stub, filled by the Activation work) ===//
