//===- cnnc-train.c - train, evaluate and run cnnc-generated models -------===//
//
// A thin main: the command line and the commands are in runtime/train
// (cnnrt_train_tool_main); see docs/cnnc-train.md.
//
//===----------------------------------------------------------------------===//

#include "cnnc/Runtime/train.h"

int main(int argc, char **argv) { return cnnrt_train_tool_main(argc, argv); }
