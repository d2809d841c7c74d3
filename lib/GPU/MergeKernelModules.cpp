//===- MergeKernelModules.cpp - one gpu.module for all kernels ------------===//

#include "cnnc/GPU/Passes.h"

#include "mlir/IR/SymbolTable.h"

namespace cnnc::gpu {
#define GEN_PASS_DEF_CNNGPUMERGEKERNELMODULES
#include "cnnc/GPU/Passes.h.inc"
} // namespace cnnc::gpu

using namespace mlir;

namespace {

struct MergeKernelModulesPass
    : cnnc::gpu::impl::CNNGPUMergeKernelModulesBase<MergeKernelModulesPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto modules = llvm::to_vector(module.getOps<mlir::gpu::GPUModuleOp>());
    if (modules.empty())
      return;
    if (SymbolTable::lookupSymbolIn(module, moduleName) &&
        !(modules.size() == 1 && modules[0].getName() == moduleName)) {
      module.emitError("symbol '") << moduleName << "' already exists";
      return signalPassFailure();
    }
    OpBuilder b(modules.front());
    auto merged = mlir::gpu::GPUModuleOp::create(
        b, modules.front().getLoc(), moduleName,
        modules.front().getTargetsAttr());
    SymbolTable mergedSymbols(merged);
    // "module::kernel" of every moved kernel -> its name in `merged`.
    llvm::StringMap<StringAttr> renamed;
    for (mlir::gpu::GPUModuleOp source : modules) {
      // Kernels and helpers of different functions may share a name: rename
      // the clashing ones first, with their uses in their own module.
      SymbolTable sourceSymbols(source);
      llvm::StringMap<StringAttr> originalNames;
      for (Operation &op : source.getBody()->getOperations()) {
        auto symbol = dyn_cast<SymbolOpInterface>(op);
        if (!symbol || symbol.isDeclaration() ||
            !mergedSymbols.lookup(symbol.getName()))
          continue;
        StringAttr original = symbol.getNameAttr();
        FailureOr<StringAttr> unique =
            sourceSymbols.renameToUnique(&op, {&mergedSymbols});
        if (failed(unique)) {
          op.emitError("cannot rename '") << original.getValue() << "'";
          return signalPassFailure();
        }
        originalNames[unique->getValue()] = original;
      }
      for (Operation &op :
           llvm::make_early_inc_range(source.getBody()->getOperations())) {
        auto symbol = dyn_cast<SymbolOpInterface>(op);
        if (!symbol)
          continue;
        if (symbol.isDeclaration() && mergedSymbols.lookup(symbol.getName()))
          continue; // the same intrinsic declared in several modules
        StringAttr original = originalNames.lookup(symbol.getName());
        std::string key = (source.getName() + "::" +
                           (original ? original : symbol.getNameAttr())
                               .getValue())
                              .str();
        op.moveBefore(merged.getBody(), merged.getBody()->end());
        renamed[key] = mergedSymbols.insert(&op);
      }
    }
    for (mlir::gpu::GPUModuleOp source : modules)
      source.erase();
    StringAttr root = merged.getNameAttr();
    WalkResult result = module.walk([&](mlir::gpu::LaunchFuncOp launch) {
      auto it = renamed.find((launch.getKernelModuleName().getValue() + "::" +
                              launch.getKernelName().getValue())
                                 .str());
      if (it == renamed.end()) {
        launch.emitError("launch of a kernel outside the gpu.modules");
        return WalkResult::interrupt();
      }
      launch.setKernelAttr(
          SymbolRefAttr::get(root, {FlatSymbolRefAttr::get(it->second)}));
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }
};

} // namespace
