//===- ModelInfo.cpp - what a cnn model file declares ---------------------===//
//
// Locates the forward function of a model, checks its signature and assigns
// each parameter its offset in the flat parameter buffer.
//
//===----------------------------------------------------------------------===//

#include "cnnc/Dialect/CNN/Analysis/ModelInfo.h"

#include "cnnc/Dialect/CNN/IR/WindowGeometry.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CheckedArithmetic.h"

using namespace mlir;
using namespace cnnc::cnn;

std::pair<int64_t, int64_t> cnnc::cnn::computeFans(ArrayRef<int64_t> shape) {
  if (shape.empty())
    return {1, 1};
  if (shape.size() == 1)
    return {shape[0], shape[0]};
  int64_t receptiveField = 1;
  for (int64_t d : shape.drop_back(2))
    receptiveField *= d;
  return {shape[shape.size() - 2] * receptiveField,
          shape.back() * receptiveField};
}

bool cnnc::cnn::isCIdentifier(StringRef name) {
  if (name.empty() || llvm::isDigit(name.front()))
    return false;
  return llvm::all_of(
      name, [](char c) { return llvm::isAlnum(c) || c == '_'; });
}

/// Picks the forward function: public `forward`, else the only public one.
/// Entry points that training synthesis already added (marked `cnn.entry`)
/// are not candidates.
static func::FuncOp findForward(ModuleOp module) {
  func::FuncOp onlyPublic;
  int publicCount = 0;
  for (auto func : module.getOps<func::FuncOp>()) {
    if (func.isPrivate() || func.isDeclaration() || func->hasAttr("cnn.entry"))
      continue;
    if (func.getSymName() == "forward")
      return func;
    onlyPublic = func;
    ++publicCount;
  }
  return publicCount == 1 ? onlyPublic : func::FuncOp();
}

/// Elements of one batch entry of a [batch, ...] tensor type, if every other
/// dimension is static and the product fits in int64.
static std::optional<int64_t> elementsPerImage(Type type) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (!tensor || tensor.getRank() == 0)
    return std::nullopt;
  int64_t count = 1;
  for (int64_t d : tensor.getShape().drop_front()) {
    std::optional<int64_t> next =
        ShapedType::isDynamic(d) ? std::nullopt : llvm::checkedMul(count, d);
    if (!next)
      return std::nullopt;
    count = *next;
  }
  return count;
}

/// Every tensor of the model has at most kMaxElementsPerImage elements per
/// image, so the sizes derived from it (bytes, strides, batch limits) fit in
/// int64; parameters are not batched.
static LogicalResult verifyTensorSizes(func::FuncOp forward) {
  auto check = [](Value value, Operation *at) -> LogicalResult {
    if (isa<ParamOp>(at) || !isa<RankedTensorType>(value.getType()))
      return success();
    std::optional<int64_t> count = elementsPerImage(value.getType());
    if (count && *count <= kMaxElementsPerImage)
      return success();
    return at->emitError("the tensor ")
           << value.getType()
           << " has more than 2^40 elements per image, more than cnnc "
              "supports";
  };
  for (BlockArgument arg : forward.getArguments())
    if (failed(check(arg, forward)))
      return failure();
  WalkResult walk = forward.walk([&](Operation *op) {
    for (Value result : op->getResults())
      if (failed(check(result, op)))
        return WalkResult::interrupt();
    return WalkResult::advance();
  });
  return failure(walk.wasInterrupted());
}

FailureOr<ModelInfo> ModelInfo::analyze(ModuleOp module,
                                        StringRef defaultName) {
  ModelInfo info;
  info.name = module.getSymName().value_or(defaultName).str();
  if (!isCIdentifier(info.name))
    return module.emitError("model name '")
           << info.name
           << "' is not a C identifier; name the module, e.g. `module "
              "@my_model`";

  info.forward = findForward(module);
  if (!info.forward)
    return module.emitError(
        "no model function: expected a public `func.func @forward` (or "
        "exactly one public function)");
  FunctionType type = info.forward.getFunctionType();
  auto input = type.getNumInputs() == 1
                   ? dyn_cast<RankedTensorType>(type.getInput(0))
                   : RankedTensorType();
  if (!input || input.getRank() < 2 || !input.getElementType().isF32() ||
      llvm::any_of(input.getShape().drop_front(), ShapedType::isDynamic))
    return info.forward.emitError(
               "the model function must take one f32 tensor [batch, ...] "
               "with static non-batch dimensions, got ")
           << type;
  auto output = type.getNumResults() == 1
                    ? dyn_cast<RankedTensorType>(type.getResult(0))
                    : RankedTensorType();
  if (!output || output.getRank() != 2 || !output.getElementType().isF32() ||
      output.isDynamicDim(1))
    return info.forward.emitError(
               "the model function must return one f32 tensor [batch, "
               "classes] of logits, got ")
           << type;
  if (input.getDimSize(0) != output.getDimSize(0))
    return info.forward.emitError("input batch dimension (")
           << input.getDimSize(0) << ") and output batch dimension ("
           << output.getDimSize(0) << ") differ";
  info.inputType = input;
  info.outputType = output;
  if (failed(verifyTensorSizes(info.forward)))
    return failure();

  WalkResult walk = module.walk([&](ParamOp param) {
    if (param->getParentOp() != info.forward.getOperation()) {
      param.emitError("parameters must be declared in the body of the model "
                      "function @")
          << info.forward.getSymName();
      return WalkResult::interrupt();
    }
    ParamInfo p;
    p.op = param;
    p.name = param.getName().str();
    p.shape.assign(param.getType().getShape().begin(),
                   param.getType().getShape().end());
    p.init = param.getEffectiveInit();
    p.size = param.getType().getNumElements();
    p.trainable = param.getTrainable();
    std::tie(p.fanIn, p.fanOut) = computeFans(p.shape);
    info.params.push_back(std::move(p));
    return WalkResult::advance();
  });
  if (walk.wasInterrupted())
    return failure();

  // Trainable tensors first, so the optimizer covers one prefix.
  SmallVector<ParamInfo> ordered;
  for (bool trainable : {true, false})
    llvm::append_range(ordered, llvm::make_filter_range(info.params, [&](auto &p) {
                         return p.trainable == trainable;
                       }));
  info.params = std::move(ordered);
  for (ParamInfo &p : info.params) {
    p.offset = info.paramElements;
    std::optional<int64_t> end = llvm::checkedAdd(p.offset, p.size);
    if (!end)
      return p.op.emitError("total parameter count overflows int64");
    info.paramElements = *end;
    if (info.paramElements > kMaxElementsPerImage)
      return p.op.emitError("the model has more than 2^40 parameters, more "
                            "than cnnc supports");
    if (p.trainable)
      info.trainableElements = info.paramElements;
  }
  return info;
}
