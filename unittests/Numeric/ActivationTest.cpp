//===- ActivationTest.cpp - numeric tests (stub, filled by the Activation work) ===//
