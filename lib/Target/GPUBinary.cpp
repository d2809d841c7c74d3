//===- GPUBinary.cpp - PTX, cubin and the embedded GPU image --------------===//

#include "cnnc/Target/GPUBinary.h"
#include "cnnc/Runtime/gpu_binary.h"
#include "cnnc/Target/NativeCodegen.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/TargetParser/Triple.h"

#include <cstring>

using namespace llvm;
using namespace cnnc;

static constexpr StringLiteral kNVPTXTriple = "nvptx64-nvidia-cuda";

std::optional<uint32_t> cnnc::parseGPUArch(StringRef chip) {
  uint32_t arch;
  if (!chip.consume_front("sm_") || chip.getAsInteger(10, arch) || arch < 10 ||
      arch > 1000)
    return std::nullopt;
  return arch;
}

std::optional<SmallVector<std::string>>
cnnc::parseGPUArchList(StringRef chips) {
  SmallVector<StringRef> parts;
  chips.split(parts, ',');
  SmallVector<std::pair<uint32_t, std::string>> archs;
  for (StringRef part : parts) {
    std::optional<uint32_t> arch = parseGPUArch(part.trim());
    if (!arch || llvm::any_of(archs, [&](const auto &seen) {
          return seen.first == *arch;
        }))
      return std::nullopt;
    archs.push_back({*arch, part.trim().str()});
  }
  llvm::sort(archs);
  SmallVector<std::string> sorted;
  for (auto &arch : archs)
    sorted.push_back(std::move(arch.second));
  return sorted;
}

static Expected<std::unique_ptr<TargetMachine>>
createNVPTXMachine(StringRef chip, unsigned optLevel) {
  LLVMInitializeNVPTXTarget();
  LLVMInitializeNVPTXTargetInfo();
  LLVMInitializeNVPTXTargetMC();
  LLVMInitializeNVPTXAsmPrinter();
  Triple triple(kNVPTXTriple);
  std::string error;
  const Target *target = TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return createStringError("no NVPTX target in this LLVM: %s", error.c_str());
  std::unique_ptr<MCSubtargetInfo> subtarget(
      target->createMCSubtargetInfo(triple, "", ""));
  if (!parseGPUArch(chip) || !subtarget || !subtarget->isCPUStringValid(chip))
    return createStringError("unknown --gpu-arch '%s' (expected sm_80, "
                             "sm_90, ...)",
                             chip.str().c_str());
  CodeGenOptLevel level = optLevel >= 3   ? CodeGenOptLevel::Aggressive
                          : optLevel == 2 ? CodeGenOptLevel::Default
                          : optLevel == 1 ? CodeGenOptLevel::Less
                                          : CodeGenOptLevel::None;
  // Multiply-adds contract to fma.rn.f32, as nvcc's default --fmad=true.
  TargetOptions options;
  options.AllowFPOpFusion = FPOpFusion::Fast;
  std::unique_ptr<TargetMachine> machine(target->createTargetMachine(
      triple, chip, "", options, std::nullopt, std::nullopt, level));
  if (!machine)
    return createStringError("cannot create an NVPTX target machine for %s",
                             chip.str().c_str());
  return machine;
}

Expected<std::string> cnnc::compileToPTX(Module &module, StringRef chip,
                                         unsigned optLevel) {
  Expected<std::unique_ptr<TargetMachine>> machine =
      createNVPTXMachine(chip, optLevel);
  if (!machine)
    return machine.takeError();
  module.setTargetTriple((*machine)->getTargetTriple());
  module.setDataLayout((*machine)->createDataLayout());
  runLLVMPipeline(module, **machine, optLevel);
  for (const Function &fn : module)
    if (fn.isDeclaration() && !fn.isIntrinsic() && !fn.use_empty())
      return createStringError("GPU kernels call '%s', which is not defined "
                               "(cnnc links no libdevice)",
                               fn.getName().str().c_str());

  SmallString<0> ptx;
  raw_svector_ostream os(ptx);
  legacy::PassManager passes;
  if ((*machine)->addPassesToEmitFile(passes, os, nullptr,
                                      CodeGenFileType::AssemblyFile))
    return createStringError("the NVPTX target cannot emit PTX");
  passes.run(module);
  return std::string(ptx);
}

Expected<std::optional<std::string>> cnnc::findPtxas(StringRef option) {
  if (option == "none")
    return std::optional<std::string>();
  if (option == "auto") {
    if (sys::fs::can_execute("/usr/local/cuda/bin/ptxas"))
      return std::optional<std::string>("/usr/local/cuda/bin/ptxas");
    if (ErrorOr<std::string> path = sys::findProgramByName("ptxas"))
      return std::optional<std::string>(*path);
    return std::optional<std::string>();
  }
  if (!sys::fs::can_execute(option))
    return createStringError("--ptxas '%s' is not an executable",
                             option.str().c_str());
  return std::optional<std::string>(option.str());
}

Expected<std::string> cnnc::assemblePTX(StringRef ptx, StringRef chip,
                                        StringRef ptxas) {
  SmallString<128> ptxPath, cubinPath, logPath;
  if (std::error_code ec =
          sys::fs::createTemporaryFile("cnnc-kernels", "ptx", ptxPath))
    return createStringError(ec, "cannot create a temporary PTX file");
  FileRemover removePtx(ptxPath);
  if (std::error_code ec =
          sys::fs::createTemporaryFile("cnnc-kernels", "cubin", cubinPath))
    return createStringError(ec, "cannot create a temporary cubin file");
  FileRemover removeCubin(cubinPath);
  if (std::error_code ec =
          sys::fs::createTemporaryFile("cnnc-ptxas", "txt", logPath))
    return createStringError(ec, "cannot create a temporary file");
  FileRemover removeLog(logPath);
  {
    std::error_code ec;
    raw_fd_ostream os(ptxPath, ec);
    if (ec)
      return createStringError(ec, "cannot write '%s'", ptxPath.c_str());
    os << ptx;
  }
  std::string arch = ("-arch=" + chip).str();
  SmallVector<StringRef> args = {ptxas, arch, "-O3", ptxPath, "-o", cubinPath};
  std::optional<StringRef> redirects[] = {std::nullopt, StringRef(logPath),
                                          StringRef(logPath)};
  std::string execError;
  int rc = sys::ExecuteAndWait(ptxas, args, std::nullopt, redirects, 0, 0,
                               &execError);
  if (rc != 0) {
    std::string log;
    if (auto buffer = MemoryBuffer::getFile(logPath))
      log = (*buffer)->getBuffer().trim().str();
    return createStringError("%s failed for %s%s%s%s", ptxas.str().c_str(),
                             chip.str().c_str(), execError.empty() ? "" : ": ",
                             execError.c_str(),
                             log.empty() ? "" : ("\n" + log).c_str());
  }
  auto cubin = MemoryBuffer::getFile(cubinPath, /*IsText=*/false);
  if (!cubin)
    return createStringError(cubin.getError(), "ptxas wrote no cubin");
  return (*cubin)->getBuffer().str();
}

/// Appends `value` little-endian.
template <typename T> static void append(std::string &out, T value) {
  for (size_t i = 0; i < sizeof(T); ++i)
    out.push_back(static_cast<char>((uint64_t(value) >> (8 * i)) & 0xff));
}

template <typename T> static T read(StringRef bytes, size_t at) {
  uint64_t value = 0;
  for (size_t i = 0; i < sizeof(T); ++i)
    value |= uint64_t(uint8_t(bytes[at + i])) << (8 * i);
  return static_cast<T>(value);
}

std::string cnnc::packGPUImages(ArrayRef<GPUImage> images) {
  static_assert(sizeof(cnnc_gpu_binary_header) == 16 &&
                    sizeof(cnnc_gpu_image) == 24,
                "gpu_binary.h layout");
  std::string out(CNNC_GPU_BINARY_MAGIC, 8);
  append<uint32_t>(out, CNNC_GPU_BINARY_VERSION);
  append<uint32_t>(out, images.size());
  uint64_t offset =
      sizeof(cnnc_gpu_binary_header) + images.size() * sizeof(cnnc_gpu_image);
  for (const GPUImage &image : images) {
    offset = alignTo(offset, 16);
    append<uint32_t>(out, image.kind);
    append<uint32_t>(out, image.arch);
    append<uint64_t>(out, offset);
    append<uint64_t>(out, image.bytes.size());
    offset += image.bytes.size();
  }
  for (const GPUImage &image : images) {
    out.resize(alignTo(out.size(), 16), '\0');
    out += image.bytes;
  }
  return out;
}

Expected<std::vector<GPUImage>> cnnc::unpackGPUImages(StringRef blob) {
  auto malformed = [] {
    return createStringError("malformed GPU image container");
  };
  if (blob.size() < sizeof(cnnc_gpu_binary_header) ||
      !blob.starts_with(StringRef(CNNC_GPU_BINARY_MAGIC, 8)) ||
      read<uint32_t>(blob, 8) != CNNC_GPU_BINARY_VERSION)
    return malformed();
  uint64_t count = read<uint32_t>(blob, 12);
  if (count > (blob.size() - 16) / sizeof(cnnc_gpu_image))
    return malformed();
  std::vector<GPUImage> images;
  for (uint64_t i = 0; i < count; ++i) {
    size_t entry = 16 + i * sizeof(cnnc_gpu_image);
    uint64_t offset = read<uint64_t>(blob, entry + 8);
    uint64_t size = read<uint64_t>(blob, entry + 16);
    if (offset > blob.size() || size > blob.size() - offset)
      return malformed();
    images.push_back({read<uint32_t>(blob, entry),
                      read<uint32_t>(blob, entry + 4),
                      blob.substr(offset, size).str()});
  }
  return images;
}
