//===- ModelInfo.cpp - what a cnn model file declares ---------------------===//
//
// Locates the forward function of a model, checks its signature and assigns
// each parameter its offset in the flat parameter buffer.
//
//===----------------------------------------------------------------------===//

#include "cnnc/Dialect/CNN/Analysis/ModelInfo.h"

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
    if (p.trainable)
      info.trainableElements = info.paramElements;
  }
  return info;
}
