//===- ModelInfoTest.cpp - model analysis and parameter layout ------------===//
//
// Parses the example models and checks the parameter table the generated
// library will export: order, offsets, sizes, Keras initializers and fans.
//
//===----------------------------------------------------------------------===//

#include "cnnc/Dialect/CNN/Analysis/ModelInfo.h"
#include "cnnc/InitAllDialects.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include <gtest/gtest.h>

using namespace mlir;
using namespace cnnc::cnn;

namespace {

class ModelInfoTest : public ::testing::Test {
protected:
  ModelInfoTest() {
    DialectRegistry registry;
    cnnc::registerAllDialects(registry);
    context.appendDialectRegistry(registry);
    context.getDiagEngine().registerHandler(
        [this](Diagnostic &diag) { lastError = diag.str(); });
  }
  OwningOpRef<ModuleOp> parseFile(const std::string &path) {
    return parseSourceFile<ModuleOp>(path, &context);
  }
  OwningOpRef<ModuleOp> parse(StringRef text) {
    return parseSourceString<ModuleOp>(text, &context);
  }
  MLIRContext context;
  std::string lastError;
};

TEST_F(ModelInfoTest, FashionMnistParameterTable) {
  auto module = parseFile(CNNC_EXAMPLES_DIR "/fashion_mnist_cnn.mlir");
  ASSERT_TRUE(module);
  FailureOr<ModelInfo> info = ModelInfo::analyze(*module, "unused");
  ASSERT_TRUE(succeeded(info)) << lastError;
  EXPECT_EQ(info->name, "fashion_mnist_cnn");
  EXPECT_EQ(info->paramElements, 93322);
  EXPECT_EQ(info->numClasses(), 10);
  ASSERT_EQ(info->params.size(), 10u);
  // Offsets are the running sum of sizes, in declaration order.
  int64_t offset = 0;
  for (const ParamInfo &p : info->params) {
    EXPECT_EQ(p.offset, offset) << p.name;
    offset += p.size;
  }
  const ParamInfo &k1 = info->params[0];
  EXPECT_EQ(k1.name, "conv2d/kernel");
  EXPECT_EQ(k1.size, 288);
  EXPECT_EQ(k1.init, Initializer::GlorotUniform);
  EXPECT_EQ(k1.fanIn, 9);   // 3 * 3 * 1
  EXPECT_EQ(k1.fanOut, 288); // 3 * 3 * 32
  EXPECT_EQ(info->params[1].init, Initializer::Zeros);
  EXPECT_EQ(info->params[8].fanIn, 64); // dense_1/kernel 64x10
  EXPECT_EQ(info->params[8].fanOut, 10);
}

TEST_F(ModelInfoTest, Cifar10ParameterCount) {
  auto module = parseFile(CNNC_EXAMPLES_DIR "/cifar10_cnn.mlir");
  ASSERT_TRUE(module);
  FailureOr<ModelInfo> info = ModelInfo::analyze(*module, "unused");
  ASSERT_TRUE(succeeded(info)) << lastError;
  EXPECT_EQ(info->paramElements, 122570);
  EXPECT_EQ(info->inputType.getShape(), ArrayRef<int64_t>({ShapedType::kDynamic, 32, 32, 3}));
}

TEST_F(ModelInfoTest, RejectsModelWithoutForward) {
  auto module = parse("module @m { func.func private @f() }");
  ASSERT_TRUE(module);
  EXPECT_TRUE(failed(ModelInfo::analyze(*module, "m")));
  EXPECT_NE(lastError.find("no model function"), std::string::npos);
}

TEST_F(ModelInfoTest, RejectsNonIdentifierName) {
  auto module = parse("module { func.func @forward(%x: tensor<?x4xf32>) -> "
                      "tensor<?x4xf32> { return %x : tensor<?x4xf32> } }");
  ASSERT_TRUE(module);
  EXPECT_TRUE(failed(ModelInfo::analyze(*module, "my-model")));
  EXPECT_NE(lastError.find("not a C identifier"), std::string::npos);
  EXPECT_TRUE(succeeded(ModelInfo::analyze(*module, "my_model")));
}

TEST_F(ModelInfoTest, RejectsLogitsOfWrongRank) {
  auto module = parse("module @m { func.func @forward(%x: tensor<?x4x4x1xf32>)"
                      " -> tensor<?x4x4x1xf32> { return %x : "
                      "tensor<?x4x4x1xf32> } }");
  ASSERT_TRUE(module);
  EXPECT_TRUE(failed(ModelInfo::analyze(*module, "m")));
  EXPECT_NE(lastError.find("[batch, classes]"), std::string::npos);
}

using Fans = std::pair<int64_t, int64_t>;

TEST(ComputeFans, MatchesKeras) {
  EXPECT_EQ(computeFans({}), Fans(1, 1));
  EXPECT_EQ(computeFans({7}), Fans(7, 7));
  EXPECT_EQ(computeFans({576, 64}), Fans(576, 64));
  EXPECT_EQ(computeFans({3, 3, 32, 64}),
            Fans(288, 576));
}
} // namespace
