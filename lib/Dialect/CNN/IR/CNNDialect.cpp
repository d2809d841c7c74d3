//===- CNNDialect.cpp - cnn dialect registration --------------------------===//
//
// Registers the operations and attributes of the `cnn` dialect.
//
//===----------------------------------------------------------------------===//

#include "cnnc/Dialect/CNN/IR/CNNDialect.h"
#include "cnnc/Dialect/CNN/IR/CNNOps.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/Sequence.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace cnnc::cnn;

#include "cnnc/Dialect/CNN/IR/CNNDialect.cpp.inc"
#include "cnnc/Dialect/CNN/IR/CNNEnums.cpp.inc"
#include "cnnc/Dialect/CNN/IR/CNNInterfaces.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "cnnc/Dialect/CNN/IR/CNNAttrs.cpp.inc"

LogicalResult
CPUTargetAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                      int64_t vectorWidth, int64_t vectorRegisters) {
  if (vectorWidth < 1 || vectorWidth > 64 || !llvm::isPowerOf2_64(vectorWidth))
    return emitError() << "cpu_target vector_width must be a power of two "
                          "from 1 to 64, got "
                       << vectorWidth;
  // A register tile needs at least one accumulator, one loaded vector and
  // one broadcast.
  if (vectorRegisters < 4 || vectorRegisters > 256)
    return emitError() << "cpu_target vector_registers must be from 4 to "
                          "256, got "
                       << vectorRegisters;
  return success();
}

CPUTargetAttr CPUTargetAttr::lookup(Operation *op) {
  for (; op; op = op->getParentOp())
    if (auto target = op->getAttrOfType<CPUTargetAttr>(getAttrName()))
      return target;
  return {};
}

LogicalResult CNNDialect::verifyOperationAttribute(Operation *op,
                                                   NamedAttribute attribute) {
  if (attribute.getName() != CPUTargetAttr::getAttrName())
    return success();
  if (!isa<ModuleOp>(op))
    return op->emitError() << "'" << CPUTargetAttr::getAttrName()
                           << "' belongs on a module";
  if (!isa<CPUTargetAttr>(attribute.getValue()))
    return op->emitError() << "'" << CPUTargetAttr::getAttrName()
                           << "' must be a #cnn.cpu_target, got "
                           << attribute.getValue();
  return success();
}

//===----------------------------------------------------------------------===//
// Enum attributes
//===----------------------------------------------------------------------===//

namespace {
/// Parses one keyword of the enum `EnumT` (whose cases are 0..maxValue). An
/// unknown keyword gets a single error naming what was expected and every
/// valid keyword, in the user's words (the generated parser names the C++
/// type and adds a second, redundant error).
template <typename EnumT>
FailureOr<EnumT> parseEnumKeyword(AsmParser &parser, StringRef what,
                                  std::optional<EnumT> (*symbolize)(StringRef),
                                  StringRef (*stringify)(EnumT),
                                  unsigned maxValue) {
  SMLoc loc = parser.getCurrentLocation();
  StringRef keyword;
  if (succeeded(parser.parseOptionalKeyword(&keyword)))
    if (std::optional<EnumT> value = symbolize(keyword))
      return *value;
  InFlightDiagnostic diag = parser.emitError(loc);
  if (keyword.empty())
    diag << "expected " << what << ", one of: ";
  else
    diag << "unknown " << what << " '" << keyword << "', expected one of: ";
  llvm::interleaveComma(
      llvm::seq<unsigned>(0, maxValue + 1), diag,
      [&](unsigned value) { diag << stringify(static_cast<EnumT>(value)); });
  return failure();
}
} // namespace

#define CNN_ENUM_ATTR_ASSEMBLY(AttrClass, Enum, what)                          \
  Attribute AttrClass::parse(AsmParser &parser, Type) {                        \
    FailureOr<Enum> value =                                                    \
        parseEnumKeyword<Enum>(parser, what, symbolize##Enum, stringify##Enum, \
                               getMaxEnumValFor##Enum());                      \
    if (failed(value))                                                         \
      return {};                                                               \
    return AttrClass::get(parser.getContext(), *value);                        \
  }                                                                            \
  void AttrClass::print(AsmPrinter &printer) const {                           \
    printer << " " << stringify##Enum(getValue());                             \
  }

CNN_ENUM_ATTR_ASSEMBLY(PaddingAttr, Padding, "padding")
CNN_ENUM_ATTR_ASSEMBLY(ActivationAttr, Activation, "activation")
CNN_ENUM_ATTR_ASSEMBLY(PoolKindAttr, PoolKind, "pooling kind")
CNN_ENUM_ATTR_ASSEMBLY(LossKindAttr, LossKind, "loss")
CNN_ENUM_ATTR_ASSEMBLY(InitializerAttr, Initializer, "initializer")
#undef CNN_ENUM_ATTR_ASSEMBLY

void CNNDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "cnnc/Dialect/CNN/IR/CNNOps.cpp.inc"
      >();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "cnnc/Dialect/CNN/IR/CNNAttrs.cpp.inc"
      >();
}

LogicalResult TilingAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                 int64_t rows, int64_t vectors, int64_t width,
                                 bool parallel, int64_t outerReductions) {
  if (rows < 1 || vectors < 1)
    return emitError() << "tiling needs at least one row and one vector, got "
                       << rows << " x " << vectors;
  if (width < 1 || !llvm::isPowerOf2_64(width))
    return emitError() << "tiling vector width must be a power of two, got "
                       << width;
  if (outerReductions < 0 || outerReductions > 1)
    return emitError() << "tiling outer_reductions must be 0 or 1, got "
                       << outerReductions;
  return success();
}
