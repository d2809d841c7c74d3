//===- cnnc.cpp - the cnnc compiler ---------------------------------------===//
//
// `cnnc model.mlir -o model.so`: see lib/Driver for everything it does.
//
//===----------------------------------------------------------------------===//

#include "cnnc/Driver/Driver.h"

int main(int argc, char **argv) { return cnnc::runCompilerDriver(argc, argv); }
