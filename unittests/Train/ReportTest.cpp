//===- ReportTest.cpp - classification report and top-k accuracy ----------===//
//
// scikit-learn's documented classification_report example, reproduced from
// its confusion matrix: the per-class values, the averages, the printed
// layout, the CSV and JSON files; classes that never occur are left out;
// top-k accuracy counted by evaluate.
//
//===----------------------------------------------------------------------===//

#include "TestModel.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>

using namespace cnnrt_train_test;

namespace {

// y_true = [0, 1, 2, 2, 2], y_pred = [0, 0, 2, 2, 1] (sklearn's example),
// plus a fourth class that never occurs.
const int64_t kConfusion[16] = {1, 0, 0, 0, //
                                1, 0, 0, 0, //
                                0, 1, 2, 0, //
                                0, 0, 0, 0};
const char *const kNames[4] = {"class 0", "class 1", "class \"2\", big",
                               "never"};

TEST(Report, MatchesScikitLearn) {
  cnnrt_class_metrics metrics[4], macro, weighted;
  cnnrt_classification_report(kConfusion, 4, metrics, &macro, &weighted);
  EXPECT_DOUBLE_EQ(metrics[0].precision, 0.5);
  EXPECT_DOUBLE_EQ(metrics[0].recall, 1.0);
  EXPECT_DOUBLE_EQ(metrics[0].f1, 2.0 / 3.0);
  EXPECT_EQ(metrics[1].precision, 0.0); // zero_division=0
  EXPECT_DOUBLE_EQ(metrics[2].recall, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(metrics[2].f1, 0.8);
  EXPECT_EQ(metrics[2].support, 3);
  EXPECT_EQ(cnnrt_class_occurs(kConfusion, 4, 3), 0);
  EXPECT_DOUBLE_EQ(macro.precision, 0.5);
  EXPECT_NEAR(macro.recall, 0.5556, 5e-5);
  EXPECT_NEAR(macro.f1, 0.4889, 5e-5);
  EXPECT_DOUBLE_EQ(weighted.precision, 0.7);
  EXPECT_DOUBLE_EQ(weighted.recall, 0.6);
  EXPECT_NEAR(weighted.f1, 0.6133, 5e-5);
  EXPECT_EQ(weighted.support, 5);
}

TEST(Report, PrintsTheScikitLearnLayout) {
  char *text = nullptr;
  size_t size = 0;
  FILE *out = open_memstream(&text, &size);
  cnnrt_report_print(out, kConfusion, 4, kNames, 4);
  std::fclose(out);
  EXPECT_EQ(std::string(text),
            "                precision     recall   f1-score    support\n"
            "\n"
            "       class 0     0.5000     1.0000     0.6667          1\n"
            "       class 1     0.0000     0.0000     0.0000          1\n"
            "class \"2\", big     1.0000     0.6667     0.8000          3\n"
            "\n"
            "      accuracy                           0.6000          5\n"
            "     macro avg     0.5000     0.5556     0.4889          5\n"
            "  weighted avg     0.7000     0.6000     0.6133          5\n");
  std::free(text);
}

std::string contents(const std::string &path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(Report, WritesCsvAndJson) {
  TempDir dir;
  std::string csv = dir.file("r.csv"), json = dir.file("r.json");
  ASSERT_EQ(cnnrt_report_write(csv.c_str(), kConfusion, 4, kNames, 2, 2, 0.8),
            0)
      << lastError();
  EXPECT_EQ(contents(csv), "class,precision,recall,f1-score,support\n"
                           "class 0,0.5,1,0.666666667,1\n"
                           "class 1,0,0,0,1\n"
                           "2,1,0.666666667,0.8,3\n"
                           "accuracy,,,0.6,5\n"
                           "top_2_accuracy,,,0.8,5\n"
                           "macro avg,0.5,0.555555556,0.488888889,5\n"
                           "weighted avg,0.7,0.6,0.613333333,5\n");
  ASSERT_EQ(cnnrt_report_write(json.c_str(), kConfusion, 4, kNames, 4, 0, 0),
            0);
  std::string text = contents(json);
  EXPECT_NE(text.find("  \"class \\\"2\\\", big\": {\"precision\": 1, "
                      "\"recall\": 0.666666667, \"f1-score\": 0.8, "
                      "\"support\": 3},\n  \"accuracy\": 0.6,\n"),
            std::string::npos)
      << text;
  std::string quoted = dir.file("q.csv");
  ASSERT_EQ(cnnrt_report_write(quoted.c_str(), kConfusion, 4, kNames, 4, 0, 0),
            0);
  EXPECT_NE(contents(quoted).find("\"class \"\"2\"\", big\",1,"),
            std::string::npos);
  EXPECT_EQ(cnnrt_report_write(dir.file("r.txt").c_str(), kConfusion, 4, kNames,
                               4, 0, 0),
            -1);
}

TEST(Report, TopKAccuracyCountsTheLabelAmongTheLargestLogits) {
  TestModel model("test_model", 4, 3);
  TestData data(40, 4, 3);
  cnnrt_data_view view = cnnrt_data_view_first(&data.dataset, -1);
  cnnrt_eval_result one, two, three;
  ASSERT_EQ(
      cnnrt_evaluate_view_top_k(model.instance, view, 7, &one, nullptr, 1), 0);
  ASSERT_EQ(
      cnnrt_evaluate_view_top_k(model.instance, view, 7, &two, nullptr, 2), 0);
  ASSERT_EQ(
      cnnrt_evaluate_view_top_k(model.instance, view, 7, &three, nullptr, 3),
      0);
  EXPECT_EQ(one.top_k_correct, one.correct);
  EXPECT_GE(two.top_k_correct, one.top_k_correct);
  EXPECT_EQ(three.top_k_correct, 40);
}

} // namespace
