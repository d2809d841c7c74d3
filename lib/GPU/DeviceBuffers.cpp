//===- DeviceBuffers.cpp - host allocations become device allocations -----===//

#include "cnnc/GPU/Passes.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/PatternMatch.h"

namespace cnnc::gpu {
#define GEN_PASS_DEF_CNNGPUDEVICEBUFFERS
#include "cnnc/GPU/Passes.h.inc"
} // namespace cnnc::gpu

using namespace mlir;

namespace {

struct DeviceBuffersPass
    : cnnc::gpu::impl::CNNGPUDeviceBuffersBase<DeviceBuffersPass> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    WalkResult result = getOperation().walk([&](Operation *op) {
      if (op->getParentOfType<mlir::gpu::LaunchOp>())
        return WalkResult::skip();
      rewriter.setInsertionPoint(op);
      if (auto alloc = dyn_cast<memref::AllocOp>(op)) {
        // Device allocations are 256-byte aligned, more than any alignment
        // the pipeline asks for.
        if (!alloc.getSymbolOperands().empty()) {
          alloc.emitError("cannot move an allocation with symbol operands "
                          "to the device");
          return WalkResult::interrupt();
        }
        // gpu-to-llvm lowers only the async form: a stream (gpu.wait
        // async), the allocation on it, and a wait. In an entry point all
        // three map to the entry's stream (runtime/cuda), so this costs no
        // synchronization.
        Location loc = alloc.getLoc();
        Type token = mlir::gpu::AsyncTokenType::get(&getContext());
        Value stream = mlir::gpu::WaitOp::create(rewriter, loc, token,
                                                 ValueRange())
                           .getAsyncToken();
        auto device = mlir::gpu::AllocOp::create(
            rewriter, loc, alloc.getType(), token, ValueRange{stream},
            alloc.getDynamicSizes(), /*symbolOperands=*/ValueRange(),
            /*hostShared=*/false);
        mlir::gpu::WaitOp::create(rewriter, loc, Type(),
                                  ValueRange{device.getAsyncToken()});
        rewriter.replaceOp(alloc, device.getMemref());
        return WalkResult::skip();
      }
      if (auto dealloc = dyn_cast<memref::DeallocOp>(op)) {
        // Temporaries live until the end of the entry call (workspace).
        rewriter.eraseOp(dealloc);
        return WalkResult::skip();
      }
      if (isa<memref::LoadOp, memref::StoreOp, memref::CopyOp>(op)) {
        // Every buffer of an entry point is device memory.
        op->emitError("host code of a GPU entry point reads or writes a "
                      "buffer, which is device memory");
        return WalkResult::interrupt();
      }
      if (isa<memref::AllocaOp>(op)) {
        op->emitError("host code of a GPU entry point cannot hold a stack "
                      "buffer");
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }
};

} // namespace
