//===- ReshapingTest.cpp - numeric tests (stub, filled by the Reshaping work) ===//
