//===- WorkgroupBuffers.cpp - workgroup allocas -> launch attributions ----===//

#include "cnnc/GPU/Passes.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"

namespace cnnc::gpu {
#define GEN_PASS_DEF_CNNGPUWORKGROUPBUFFERS
#include "cnnc/GPU/Passes.h.inc"
} // namespace cnnc::gpu

using namespace mlir;

namespace {

bool isWorkgroupMemory(MemRefType type) {
  auto space =
      dyn_cast_or_null<mlir::gpu::AddressSpaceAttr>(type.getMemorySpace());
  return space && space.getValue() == mlir::gpu::AddressSpace::Workgroup;
}

struct WorkgroupBuffersPass
    : cnnc::gpu::impl::CNNGPUWorkgroupBuffersBase<WorkgroupBuffersPass> {
  void runOnOperation() override {
    SmallVector<memref::AllocaOp> allocas;
    getOperation().walk([&](memref::AllocaOp alloca) {
      if (isWorkgroupMemory(alloca.getType()))
        allocas.push_back(alloca);
    });
    for (memref::AllocaOp alloca : allocas) {
      auto launch = dyn_cast<mlir::gpu::LaunchOp>(alloca->getParentOp());
      if (!launch) {
        alloca.emitError("workgroup memory must be allocated at the top level "
                         "of a gpu.launch body");
        return signalPassFailure();
      }
      if (!alloca.getType().hasStaticShape() ||
          !alloca.getDynamicSizes().empty()) {
        alloca.emitError("workgroup memory needs a static shape");
        return signalPassFailure();
      }
      BlockArgument buffer =
          launch.addWorkgroupAttribution(alloca.getType(), alloca.getLoc());
      alloca.replaceAllUsesWith(buffer);
      alloca.erase();
    }
  }
};

} // namespace
