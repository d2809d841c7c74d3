//===- OptionsFuzzer.c - libFuzzer target: cnnc-train's command line ------===//
//
// Splits the input at NUL bytes into arguments and parses them as
// `cnnc-train` does (runtime/train/Options.c). Any argument list must parse
// or fail with one message, without touching memory it does not own.
//
//===----------------------------------------------------------------------===//

#include "Tool.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { kMaxArguments = 64 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *text = malloc(size + 1);
  if (!text)
    return 0;
  memcpy(text, data, size);
  text[size] = '\0';
  static char program[] = "cnnc-train";
  char *argv[kMaxArguments + 2] = {program};
  int argc = 1;
  for (size_t start = 0; start <= size && argc <= kMaxArguments;) {
    argv[argc++] = text + start;
    start += strlen(text + start) + 1;
  }
  argv[argc] = NULL;
  cnnrt_tool_options options;
  (void)cnnrt_tool_parse(argc, argv, &options);
  free(text);
  return 0;
}
