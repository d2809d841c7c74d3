//===- EntryGuards.cpp - runtime begin/end calls around C entry points ----===//

#include "cnnc/GPU/Passes.h"

#include "mlir/IR/SymbolTable.h"

namespace cnnc::gpu {
#define GEN_PASS_DEF_CNNGPUENTRYGUARDS
#include "cnnc/GPU/Passes.h.inc"
} // namespace cnnc::gpu

using namespace mlir;
using namespace cnnc::gpu;

namespace {

/// Declares `name` with `type` in `module` unless it exists.
func::FuncOp declare(ModuleOp module, StringRef name, FunctionType type) {
  if (auto existing = module.lookupSymbol<func::FuncOp>(name))
    return existing;
  OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
  auto fn = func::FuncOp::create(b, module.getLoc(), name, type);
  fn.setPrivate();
  return fn;
}

/// The call of the private implementation inside a public C wrapper
/// (`@m_forward` calls `@m_forward_impl`), or null.
func::CallOp findImplCall(func::FuncOp wrapper) {
  func::CallOp found;
  wrapper.walk([&](func::CallOp call) {
    if (call.getCallee().ends_with("_impl"))
      found = call;
  });
  return found;
}

struct EntryGuardsPass
    : cnnc::gpu::impl::CNNGPUEntryGuardsBase<EntryGuardsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    Builder builder(&getContext());
    Type i32 = builder.getI32Type();
    func::FuncOp begin =
        declare(module, kEntryBeginFn, builder.getFunctionType({}, {i32}));
    func::FuncOp end =
        declare(module, kEntryEndFn, builder.getFunctionType({i32}, {i32}));

    for (auto wrapper : module.getOps<func::FuncOp>()) {
      if (wrapper.isPrivate() || wrapper.isDeclaration() ||
          wrapper.getFunctionType().getResults() != ArrayRef<Type>{i32})
        continue;
      func::CallOp impl = findImplCall(wrapper);
      if (!impl)
        continue;
      // The wrapper yields 0 after the call; that becomes end's status.
      auto yield = dyn_cast<scf::YieldOp>(impl->getBlock()->getTerminator());
      if (!yield || yield.getNumOperands() != 1) {
        wrapper.emitError("unexpected C wrapper shape for the GPU entry "
                          "guards");
        return signalPassFailure();
      }
      Location loc = impl.getLoc();
      OpBuilder b(impl);
      Value status = func::CallOp::create(b, loc, begin).getResult(0);
      Value zero = arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(0));
      Value ready = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                          status, zero);
      auto guarded = scf::IfOp::create(b, loc, ready, /*withElse=*/false);
      impl->moveBefore(guarded.thenBlock()->getTerminator());
      b.setInsertionPointAfter(guarded);
      Value result =
          func::CallOp::create(b, loc, end, ValueRange{status}).getResult(0);
      yield->setOperand(0, result);
    }
  }
};

} // namespace
