# lit configuration that runs cnnc's GoogleTest binaries as lit tests, so
# one `lit` run covers IR tests, end-to-end tests and unit tests.

import os

import lit.formats

config.name = "cnnc-unit"
config.suffixes = []
config.test_exec_root = config.unittests_dir
config.test_source_root = config.unittests_dir
config.test_format = lit.formats.GoogleTest(".", "Tests")
config.environment["GTEST_COLOR"] = "no"
