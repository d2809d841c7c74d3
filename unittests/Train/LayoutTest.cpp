//===- LayoutTest.cpp - struct sizes reported to bindings -----------------===//
//
// cnnrt_train_sizeof answers with the compiler's sizeof for every struct a
// binding declares, and 0 for names it does not know.
//
//===----------------------------------------------------------------------===//

#include "cnnc/Runtime/train.h"

#include <gtest/gtest.h>

namespace {

TEST(Layout, SizesOfTheApiStructs) {
  EXPECT_EQ(cnnrt_train_sizeof("cnnc_param_info"), sizeof(cnnc_param_info));
  EXPECT_EQ(cnnrt_train_sizeof("cnnc_model_desc"), sizeof(cnnc_model_desc));
  EXPECT_EQ(cnnrt_train_sizeof("cnnrt_dataset"), sizeof(cnnrt_dataset));
  EXPECT_EQ(cnnrt_train_sizeof("cnnrt_data_view"), sizeof(cnnrt_data_view));
  EXPECT_EQ(cnnrt_train_sizeof("cnnrt_train_state"), sizeof(cnnrt_train_state));
  EXPECT_EQ(cnnrt_train_sizeof("cnnrt_history"), sizeof(cnnrt_history));
  EXPECT_EQ(cnnrt_train_sizeof("cnnrt_fit_callbacks"),
            sizeof(cnnrt_fit_callbacks));
  EXPECT_EQ(cnnrt_train_sizeof("cnnrt_fit_options"), sizeof(cnnrt_fit_options));
  EXPECT_EQ(cnnrt_train_sizeof("cnnrt_fit_stats"), sizeof(cnnrt_fit_stats));
  EXPECT_EQ(cnnrt_train_sizeof("cnnrt_eval_result"), sizeof(cnnrt_eval_result));
}

TEST(Layout, UnknownNamesAreZero) {
  EXPECT_EQ(cnnrt_train_sizeof("cnnrt_no_such_struct"), 0u);
  EXPECT_EQ(cnnrt_train_sizeof(""), 0u);
  EXPECT_EQ(cnnrt_train_sizeof(nullptr), 0u);
}

} // namespace
