//===- Serialize.cpp - NVVM kernel modules to a PTX/cubin gpu.binary ------===//

#include "cnnc/GPU/Passes.h"
#include "cnnc/Runtime/gpu_binary.h"
#include "cnnc/Target/GPUBinary.h"

#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/NVVM/NVVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"

namespace cnnc::gpu {
#define GEN_PASS_DEF_CNNGPUSERIALIZE
#include "cnnc/GPU/Passes.h.inc"
} // namespace cnnc::gpu

using namespace mlir;
using namespace cnnc;

namespace {

struct SerializePass : cnnc::gpu::impl::CNNGPUSerializeBase<SerializePass> {
  using Base::Base;

  void getDependentDialects(DialectRegistry &registry) const override {
    Base::getDependentDialects(registry);
    registry.insert<NVVM::NVVMDialect>();
    registerLLVMDialectTranslation(registry);
    registerNVVMDialectTranslation(registry);
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    std::optional<SmallVector<std::string>> chips = parseGPUArchList(chip);
    if (!chips) {
      module.emitError("unknown GPU architecture '") << chip << "'";
      return signalPassFailure();
    }
    llvm::Expected<std::optional<std::string>> assembler = findPtxas(ptxas);
    if (!assembler) {
      module.emitError(llvm::toString(assembler.takeError()));
      return signalPassFailure();
    }
    for (auto kernels :
         llvm::make_early_inc_range(module.getOps<mlir::gpu::GPUModuleOp>()))
      if (failed(serialize(kernels, *chips, *assembler)))
        return signalPassFailure();
  }

  LogicalResult serialize(mlir::gpu::GPUModuleOp kernels,
                          ArrayRef<std::string> chips,
                          const std::optional<std::string> &assembler) {
    SmallVector<GPUImage, 4> images;
    for (const std::string &target : chips) {
      // A fresh translation each time: compileToPTX optimizes the module.
      llvm::LLVMContext llvmContext;
      std::unique_ptr<llvm::Module> llvmModule =
          translateModuleToLLVMIR(kernels, llvmContext, kernels.getName());
      if (!llvmModule)
        return kernels.emitError("cannot translate the kernels to LLVM IR");
      llvm::Expected<std::string> ptx =
          compileToPTX(*llvmModule, target, optLevel);
      if (!ptx)
        return kernels.emitError(llvm::toString(ptx.takeError()));
      uint32_t arch = *parseGPUArch(target);
      if (assembler) {
        llvm::Expected<std::string> cubin =
            assemblePTX(*ptx, target, *assembler);
        if (!cubin)
          return kernels.emitError(llvm::toString(cubin.takeError()));
        images.push_back({CNNC_GPU_IMAGE_CUBIN, arch, std::move(*cubin)});
      }
      std::string ptxImage = *ptx;
      ptxImage.push_back('\0');
      images.push_back({CNNC_GPU_IMAGE_PTX, arch, std::move(ptxImage)});
    }

    MLIRContext *ctx = &getContext();
    Attribute target =
        kernels.getTargetsAttr() && !kernels.getTargetsAttr().empty()
            ? kernels.getTargetsAttr()[0]
            : NVVM::NVVMTargetAttr::get(ctx, optLevel, "nvptx64-nvidia-cuda",
                                        chips.front());
    auto object = mlir::gpu::ObjectAttr::get(
        ctx, target, mlir::gpu::CompilationTarget::Binary,
        StringAttr::get(ctx, packGPUImages(images)),
        DictionaryAttr::get(
            ctx, {NamedAttribute(StringAttr::get(ctx, "cnnc.images"),
                                 IntegerAttr::get(IntegerType::get(ctx, 32),
                                                  images.size()))}),
        /*kernels=*/nullptr);
    OpBuilder b(kernels);
    mlir::gpu::BinaryOp::create(b, kernels.getLoc(), kernels.getName(),
                                /*offloadingHandler=*/nullptr,
                                b.getArrayAttr({object}));
    kernels.erase();
    return success();
  }
};

} // namespace
