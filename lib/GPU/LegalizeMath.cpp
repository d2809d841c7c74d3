//===- LegalizeMath.cpp - kernel math without libdevice -------------------===//

#include "cnnc/GPU/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace cnnc::gpu {
#define GEN_PASS_DEF_CNNGPULEGALIZEMATH
#include "cnnc/GPU/Passes.h.inc"
} // namespace cnnc::gpu

using namespace mlir;

namespace {

/// The LLVM intrinsic `llvm.<name>.<f32|f64|f16>` for a scalar float type.
StringAttr intrinsicName(MLIRContext *ctx, StringRef name, Type type) {
  std::string suffix;
  llvm::raw_string_ostream os(suffix);
  os << type;
  return StringAttr::get(ctx, "llvm." + name + "." + suffix);
}

/// Replaces a math op by a call of the LLVM intrinsic that the NVPTX back
/// end selects directly (sqrt.rn.f32, abs.f32, fma.rn.f32, cvt.rmi.f32.f32,
/// ...). `llvm.call_intrinsic` rather than the LLVM dialect's intrinsic ops:
/// convert-gpu-to-nvvm rewrites those into libdevice calls.
template <typename MathOp>
struct ToIntrinsic : OpRewritePattern<MathOp> {
  ToIntrinsic(MLIRContext *ctx, StringRef name)
      : OpRewritePattern<MathOp>(ctx), name(name.str()) {}
  LogicalResult matchAndRewrite(MathOp op,
                                PatternRewriter &rewriter) const override {
    Type type = op.getType();
    if (!isa<FloatType>(type))
      return rewriter.notifyMatchFailure(op, "not a scalar float");
    auto call = LLVM::CallIntrinsicOp::create(
        rewriter, op.getLoc(), type,
        intrinsicName(op.getContext(), name, type), op->getOperands());
    rewriter.replaceOp(op, call.getResults());
    return success();
  }
  std::string name;
};

/// rsqrt(x) = 1 / sqrt(x), both correctly rounded.
struct RsqrtToSqrt : OpRewritePattern<math::RsqrtOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(math::RsqrtOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value one = arith::ConstantOp::create(
        rewriter, loc, rewriter.getFloatAttr(op.getType(), 1.0));
    Value root = math::SqrtOp::create(rewriter, loc, op.getOperand());
    rewriter.replaceOpWithNewOp<arith::DivFOp>(op, one, root);
    return success();
  }
};

struct LegalizeMathPass
    : cnnc::gpu::impl::CNNGPULegalizeMathBase<LegalizeMathPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    RewritePatternSet patterns(ctx);
    // pow, tanh, ... in terms of exp and log.
    math::populateExpansionPatterns(
        patterns, {"powf", "fpowi", "tanh", "sinh", "cosh", "asinh", "acosh",
                   "atanh", "exp2"});
    // exp, log, erf, ... as f32 polynomials (what MLIR's CPU vectorizer uses).
    populateMathPolynomialApproximationPatterns(
        patterns, [](StringRef name) {
          name.consume_front("math.");
          return llvm::is_contained(
              {"exp", "expm1", "log", "log1p", "log2", "erf", "erfc", "atan",
               "atan2", "sin", "cos"},
              name);
        });
    patterns.add<ToIntrinsic<math::SqrtOp>>(ctx, "sqrt");
    patterns.add<ToIntrinsic<math::AbsFOp>>(ctx, "fabs");
    patterns.add<ToIntrinsic<math::FmaOp>>(ctx, "fma");
    patterns.add<ToIntrinsic<math::FloorOp>>(ctx, "floor");
    patterns.add<ToIntrinsic<math::CeilOp>>(ctx, "ceil");
    patterns.add<ToIntrinsic<math::RoundEvenOp>>(ctx, "roundeven");
    patterns.add<ToIntrinsic<math::RoundOp>>(ctx, "round");
    patterns.add<ToIntrinsic<math::TruncOp>>(ctx, "trunc");
    patterns.add<ToIntrinsic<math::CopySignOp>>(ctx, "copysign");
    patterns.add<RsqrtToSqrt>(ctx);
    // NaN-ignoring max/min (softmax's row maximum, clamps): PTX max.f32 and
    // min.f32 have these semantics; convert-gpu-to-nvvm would call
    // libdevice's __nv_fmaxf/__nv_fminf.
    patterns.add<ToIntrinsic<arith::MaxNumFOp>>(ctx, "maxnum");
    patterns.add<ToIntrinsic<arith::MinNumFOp>>(ctx, "minnum");
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    // Whatever math remains would need libdevice: say which op.
    WalkResult result = getOperation().walk([](Operation *op) {
      if (isa<math::MathDialect>(op->getDialect())) {
        op->emitError("no libdevice-free GPU lowering for '")
            << op->getName() << "'";
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }
};

} // namespace
