//===- ExportCInterface.cpp - bare-pointer C entry points -----------------===//
//
// After bufferization every entry point takes memrefs. The generated
// library's C ABI takes raw pointers plus one batch size, so this pass adds,
// for `@m_<entry>_impl`, a public wrapper
//
//   func.func @m_<entry>(ptr..., i64 batch, ...) -> i32
//
// that rejects a negative batch, a batch whose buffers could not exist, or a
// null buffer (status 1), builds each
// memref descriptor (row-major, batch as the dynamic leading size) and calls
// the implementation, which becomes private so LLVM can inline it. Inside the
// implementation all batch sizes are then read from one argument.
//
//===----------------------------------------------------------------------===//

#include "cnnc/Dialect/CNN/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

#include <limits>

namespace cnnc::cnn {
#define GEN_PASS_DEF_CNNEXPORTCINTERFACE
#include "cnnc/Dialect/CNN/Transforms/Passes.h.inc"
} // namespace cnnc::cnn

using namespace mlir;
using namespace cnnc::cnn;

namespace {

/// Builds the LLVM memref descriptor of a dense row-major buffer at `ptr`
/// and casts it to `type`; the casts cancel out once memrefs are lowered.
Value createMemRefFromPointer(OpBuilder &b, Location loc, MemRefType type,
                              Value ptr, Value batch) {
  MLIRContext *ctx = b.getContext();
  Type i64 = b.getI64Type();
  Type ptrType = LLVM::LLVMPointerType::get(ctx);
  SmallVector<Type> fields = {ptrType, ptrType, i64};
  int64_t rank = type.getRank();
  if (rank > 0) {
    fields.push_back(LLVM::LLVMArrayType::get(i64, rank));
    fields.push_back(LLVM::LLVMArrayType::get(i64, rank));
  }
  auto descriptorType = LLVM::LLVMStructType::getLiteral(ctx, fields);
  auto constant = [&](int64_t v) -> Value {
    return arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(v));
  };
  Value descriptor = LLVM::PoisonOp::create(b, loc, descriptorType);
  descriptor = LLVM::InsertValueOp::create(b, loc, descriptor, ptr, ArrayRef<int64_t>{0});
  descriptor = LLVM::InsertValueOp::create(b, loc, descriptor, ptr, ArrayRef<int64_t>{1});
  descriptor = LLVM::InsertValueOp::create(b, loc, descriptor, constant(0),
                                           ArrayRef<int64_t>{2});
  int64_t stride = 1;
  for (int64_t i = rank - 1; i >= 0; --i) {
    int64_t size = type.getDimSize(i);
    Value sizeValue = ShapedType::isDynamic(size) ? batch : constant(size);
    descriptor = LLVM::InsertValueOp::create(
        b, loc, descriptor, sizeValue, ArrayRef<int64_t>{3, i});
    descriptor = LLVM::InsertValueOp::create(
        b, loc, descriptor, constant(stride), ArrayRef<int64_t>{4, i});
    // Only the leading (batch) dimension may be dynamic.
    if (!ShapedType::isDynamic(size))
      stride *= size;
  }
  return UnrealizedConversionCastOp::create(b, loc, TypeRange{type},
                                            ValueRange{descriptor})
      .getResult(0);
}

/// Adds the C wrapper of one entry point.
/// Inside `impl`, reads every batch-sized argument's leading size from the
/// first such argument: the wrapper gives all of them the same batch, and
/// later passes then see one batch-size value (loop fusion, for one, needs
/// loops with identical bounds).
void useOneBatchSize(func::FuncOp impl) {
  Block &entry = impl.getBody().front();
  BlockArgument first;
  SmallVector<memref::DimOp> batchDims;
  for (BlockArgument arg : entry.getArguments()) {
    auto type = dyn_cast<MemRefType>(arg.getType());
    if (!type || type.getRank() == 0 || !type.isDynamicDim(0))
      continue;
    if (!first)
      first = arg;
    for (Operation *user : arg.getUsers())
      if (auto dim = dyn_cast<memref::DimOp>(user);
          dim && dim.getSource() == arg && dim.getConstantIndex() == 0)
        batchDims.push_back(dim);
  }
  if (batchDims.empty())
    return;
  OpBuilder b = OpBuilder::atBlockBegin(&entry);
  Location loc = impl.getLoc();
  Value batch = memref::DimOp::create(b, loc, first, 0);
  for (memref::DimOp dim : batchDims) {
    dim.replaceAllUsesWith(batch);
    dim.erase();
  }
}

/// Whether some label of the i32 buffer `labels` (`batch` of them) lies
/// outside [0, classes): one unsigned comparison per label.
Value anyLabelOutOfRange(OpBuilder &b, Location loc, Value labels, Value batch,
                         int64_t classes) {
  Type i32 = b.getI32Type();
  Value zero = arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(0));
  Value one = arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(1));
  Value limit = arith::ConstantOp::create(
      b, loc, b.getI32IntegerAttr(static_cast<int32_t>(classes)));
  Value none = arith::ConstantOp::create(b, loc, b.getBoolAttr(false));
  auto loop = scf::ForOp::create(
      b, loc, zero, batch, one, ValueRange{none},
      [&](OpBuilder &nb, Location l, Value i, ValueRange found) {
        Value address = LLVM::GEPOp::create(
            nb, l, labels.getType(), i32, labels, ValueRange{i});
        Value label = LLVM::LoadOp::create(nb, l, i32, address);
        Value outside = arith::CmpIOp::create(
            nb, l, arith::CmpIPredicate::uge, label, limit);
        scf::YieldOp::create(
            nb, l, ValueRange{arith::OrIOp::create(nb, l, found[0], outside)});
      });
  return loop.getResult(0);
}

/// The private declaration of `name` in `module` (created on first use).
func::FuncOp declareSupport(ModuleOp module, StringRef name,
                            FunctionType type) {
  if (auto existing = module.lookupSymbol<func::FuncOp>(name))
    return existing;
  OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
  auto decl = func::FuncOp::create(b, module.getLoc(), name, type);
  decl.setPrivate();
  return decl;
}

/// Calls `impl` inside an allocation guard of the support library
/// (abi.h): `_setjmp` on the guard's jmp_buf first, so that an allocation
/// the system refuses during the call comes back here with the call's
/// temporaries freed. Returns the status: CNNC_OK or CNNC_ERR_MEMORY.
Value callGuarded(OpBuilder &b, Location loc, func::FuncOp impl,
                  ValueRange args) {
  MLIRContext *ctx = b.getContext();
  auto module = impl->getParentOfType<ModuleOp>();
  Type ptr = LLVM::LLVMPointerType::get(ctx);
  Type i32 = b.getI32Type();
  auto enter = declareSupport(module, "cnnc_support_guard_enter",
                              FunctionType::get(ctx, {}, {ptr}));
  auto leave = declareSupport(module, "cnnc_support_guard_leave",
                              FunctionType::get(ctx, {}, {}));
  auto unwind = declareSupport(module, "cnnc_support_guard_unwind",
                               FunctionType::get(ctx, {}, {}));
  // setjmp returns twice: LLVM must know, so it is declared with that
  // attribute directly in the LLVM dialect.
  auto setjmp = module.lookupSymbol<LLVM::LLVMFuncOp>("_setjmp");
  if (!setjmp) {
    OpBuilder top = OpBuilder::atBlockBegin(module.getBody());
    setjmp = LLVM::LLVMFuncOp::create(
        top, loc, "_setjmp", LLVM::LLVMFunctionType::get(i32, {ptr}));
    setjmp.setPassthroughAttr(b.getArrayAttr({b.getStringAttr("returns_twice")}));
  }
  Value target = func::CallOp::create(b, loc, enter).getResult(0);
  Value jumped =
      LLVM::CallOp::create(b, loc, setjmp, ValueRange{target}).getResult();
  Value failed = arith::CmpIOp::create(
      b, loc, arith::CmpIPredicate::ne, jumped,
      arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(0)));
  auto branch = scf::IfOp::create(b, loc, TypeRange{i32}, failed,
                                  /*withElseRegion=*/true);
  OpBuilder::InsertionGuard restore(b);
  b.setInsertionPointToStart(branch.thenBlock());
  func::CallOp::create(b, loc, unwind);
  scf::YieldOp::create(b, loc,
                       ValueRange{arith::ConstantOp::create(
                           b, loc, b.getI32IntegerAttr(3 /*CNNC_ERR_MEMORY*/))});
  b.setInsertionPointToStart(branch.elseBlock());
  func::CallOp::create(b, loc, impl, args);
  func::CallOp::create(b, loc, leave);
  scf::YieldOp::create(b, loc,
                       ValueRange{arith::ConstantOp::create(
                           b, loc, b.getI32IntegerAttr(0 /*CNNC_OK*/))});
  return branch.getResult(0);
}

LogicalResult exportEntry(func::FuncOp impl, bool checkLabels) {
  StringRef implName = impl.getSymName();
  if (!implName.consume_back("_impl"))
    return impl.emitError("entry point name must end in `_impl`");
  // Without a batch position the entry point's buffers are all static and
  // its C signature has no batch argument.
  auto batchPosition = impl->getAttrOfType<IntegerAttr>(kBatchPositionAttrName);
  bool batched = bool(batchPosition);
  if (!batched && llvm::any_of(impl.getArgumentTypes(), [](Type t) {
        auto memref = dyn_cast<MemRefType>(t);
        return memref && !memref.hasStaticShape();
      }))
    return impl.emitError("entry point with a batch-sized buffer but without "
                          "'")
           << kBatchPositionAttrName << "'";

  MLIRContext *ctx = impl.getContext();
  Location loc = impl.getLoc();
  OpBuilder b(impl);
  Type ptrType = LLVM::LLVMPointerType::get(ctx);
  Type i64 = b.getI64Type();

  // C argument list: memrefs become pointers, the batch goes in its slot.
  SmallVector<Type> cArgs;
  for (Type t : impl.getArgumentTypes())
    cArgs.push_back(isa<MemRefType>(t) ? ptrType : t);
  int64_t batchIndex = batched ? batchPosition.getInt() : -1;
  if (batched && (batchIndex < 0 || batchIndex > int64_t(cArgs.size())))
    return impl.emitError("batch position out of range");
  if (batched)
    cArgs.insert(cArgs.begin() + batchIndex, i64);

  auto wrapper = func::FuncOp::create(
      b, loc, implName, FunctionType::get(ctx, cArgs, {b.getI32Type()}));
  Block *body = wrapper.addEntryBlock();
  b.setInsertionPointToStart(body);
  Value zero = arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(0));
  Value batch = batched ? body->getArgument(batchIndex) : zero;
  SmallVector<Value> cValues;
  for (auto [i, arg] : llvm::enumerate(body->getArguments()))
    if (int64_t(i) != batchIndex)
      cValues.push_back(arg);

  // Reject a negative batch or any null buffer.
  Value invalid = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt,
                                        batch, zero);
  // A batch whose buffers would exceed the address space is an error, not
  // a wrapped size: batch * bytes-per-entry must fit in int64.
  int64_t largestEntry = 1;
  for (Type t : impl.getArgumentTypes())
    if (auto memref = dyn_cast<MemRefType>(t); memref && !memref.hasStaticShape()) {
      int64_t bytes = memref.getElementTypeBitWidth() / 8;
      for (int64_t d : memref.getShape())
        if (!ShapedType::isDynamic(d))
          bytes *= d;
      largestEntry = std::max(largestEntry, bytes);
    }
  Value maxBatch = arith::ConstantOp::create(
      b, loc,
      b.getI64IntegerAttr(std::numeric_limits<int64_t>::max() / largestEntry));
  invalid = arith::OrIOp::create(
      b, loc, invalid,
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, batch,
                            maxBatch));
  Value null = LLVM::ZeroOp::create(b, loc, ptrType);
  for (Value v : cValues) {
    if (v.getType() != ptrType)
      continue;
    Value isNull =
        LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::eq, v, null);
    invalid = arith::OrIOp::create(b, loc, invalid, isNull);
  }

  Type i32 = b.getI32Type();
  auto branch = scf::IfOp::create(b, loc, TypeRange{i32}, invalid,
                                  /*withElseRegion=*/true);
  b.setInsertionPointToStart(branch.thenBlock());
  scf::YieldOp::create(b, loc,
                       ValueRange{arith::ConstantOp::create(
                           b, loc, b.getI32IntegerAttr(1))});
  b.setInsertionPointToStart(branch.elseBlock());
  // Labels outside [0, classes), the other CNNC_ERR_ARGUMENT of abi.h.
  auto classes = impl->getAttrOfType<IntegerAttr>(kNumClassesAttrName);
  if (checkLabels && classes) {
    auto isLabels = [](Type t) {
      auto memref = dyn_cast<MemRefType>(t);
      return memref && memref.getRank() == 1 &&
             memref.getElementType().isInteger(32);
    };
    auto position = llvm::find_if(impl.getArgumentTypes(), isLabels);
    if (position == impl.getArgumentTypes().end())
      return impl.emitError("entry point with '")
             << kNumClassesAttrName << "' has no i32 label buffer";
    Value labels = cValues[position - impl.getArgumentTypes().begin()];
    auto labelCheck = scf::IfOp::create(
        b, loc, TypeRange{i32},
        anyLabelOutOfRange(b, loc, labels, batch, classes.getInt()),
        /*withElseRegion=*/true);
    scf::YieldOp::create(b, loc, labelCheck.getResults());
    b.setInsertionPointToStart(labelCheck.thenBlock());
    scf::YieldOp::create(b, loc,
                         ValueRange{arith::ConstantOp::create(
                             b, loc, b.getI32IntegerAttr(1))});
    b.setInsertionPointToStart(labelCheck.elseBlock());
  }
  SmallVector<Value> implArgs;
  for (auto [type, value] : llvm::zip(impl.getArgumentTypes(), cValues)) {
    if (auto memref = dyn_cast<MemRefType>(type))
      implArgs.push_back(createMemRefFromPointer(b, loc, memref, value, batch));
    else
      implArgs.push_back(value);
  }
  scf::YieldOp::create(b, loc, callGuarded(b, loc, impl, implArgs));
  b.setInsertionPointAfter(branch);
  func::ReturnOp::create(b, loc, branch.getResults());

  useOneBatchSize(impl);
  // The ABI's buffers are distinct (abi.h): the implementation's buffer
  // arguments do not alias.
  for (auto [i, type] : llvm::enumerate(impl.getArgumentTypes()))
    if (isa<MemRefType>(type))
      impl.setArgAttr(i, LLVM::LLVMDialect::getNoAliasAttrName(),
                      UnitAttr::get(ctx));
  // Private in MLIR and internal in LLVM, so it is not exported and can be
  // inlined into its wrapper.
  impl.setPrivate();
  impl->removeAttr(kEntryAttrName);
  impl->removeAttr(kBatchPositionAttrName);
  impl->removeAttr(kNumClassesAttrName);
  impl->setAttr("llvm.linkage",
                LLVM::LinkageAttr::get(ctx, LLVM::Linkage::Internal));
  return success();
}

struct ExportCInterfacePass
    : cnnc::cnn::impl::CNNExportCInterfaceBase<ExportCInterfacePass> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<func::FuncOp> entries;
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (func->hasAttr(kEntryAttrName))
        entries.push_back(func);
    for (func::FuncOp entry : entries)
      if (failed(exportEntry(entry, checkLabels)))
        return signalPassFailure();
  }
};

} // namespace
