//===- ModelDescriptor.cpp - descriptor, parameter table, header ----------===//
//
// The struct types below must match cnnc_param_info and cnnc_model_desc in
// include/cnnc/Runtime/abi.h field for field. The descriptor records its
// LLVM allocation size in desc_size; the numeric tests assert that it equals
// the C compiler's sizeof(cnnc_model_desc), and libcnnrt refuses a smaller
// descriptor.
//
//===----------------------------------------------------------------------===//

#include "cnnc/Target/ModelDescriptor.h"
#include "cnnc/Runtime/abi.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/DerivedTypes.h"
#include "llvm/IR/GlobalVariable.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/Module.h"

using namespace llvm;
using namespace cnnc;

namespace {

/// LLVM types of the ABI structs.
struct AbiTypes {
  Type *i32, *i64, *ptr;
  StructType *paramInfo, *modelDesc;

  explicit AbiTypes(LLVMContext &ctx) {
    i32 = Type::getInt32Ty(ctx);
    i64 = Type::getInt64Ty(ctx);
    ptr = PointerType::getUnqual(ctx);
    auto *shape = ArrayType::get(i64, CNNC_MAX_PARAM_RANK);
    // name, offset, size, rank, initializer, shape, fan_in, fan_out,
    // trainable, reserved
    paramInfo = StructType::create(
        ctx, {ptr, i64, i64, i32, i32, shape, i64, i64, i32, i32},
        "cnnc_param_info");
    // abi_version, desc_size, name, target, input_shape, num_classes,
    // num_params, param_elements, params, opt_state_elements, optimizer,
    // loss, init_params, forward, train_step, evaluate, forward_flops,
    // trainable_elements, compute_gradients, apply_gradients
    modelDesc = StructType::create(
        ctx,
        {i32, i32, ptr, ptr, ArrayType::get(i64, 4), i64, i64, i64, ptr, i64,
         ptr, ptr, ptr, ptr, ptr, ptr, i64, i64, ptr, ptr},
        "cnnc_model_desc");
  }
};

Constant *createString(Module &module, StringRef value, const Twine &name) {
  LLVMContext &ctx = module.getContext();
  Constant *data = ConstantDataArray::getString(ctx, value);
  auto *global = new GlobalVariable(module, data->getType(), /*isConstant=*/true,
                                    GlobalValue::PrivateLinkage, data, name);
  global->setUnnamedAddr(GlobalValue::UnnamedAddr::Global);
  global->setAlignment(Align(1));
  return global;
}

Constant *createI64Array(ArrayType *type, ArrayRef<int64_t> values) {
  SmallVector<Constant *> elements;
  for (unsigned i = 0; i < type->getNumElements(); ++i)
    elements.push_back(ConstantInt::get(type->getElementType(),
                                        i < values.size() ? values[i] : 0));
  return ConstantArray::get(type, elements);
}

Constant *createParamTable(Module &module, const AbiTypes &types,
                           const ModelDescription &model) {
  if (model.params.empty())
    return ConstantPointerNull::get(cast<PointerType>(types.ptr));
  auto *shapeType = cast<ArrayType>(types.paramInfo->getElementType(5));
  SmallVector<Constant *> rows;
  for (const ParamTableEntry &param : model.params) {
    rows.push_back(ConstantStruct::get(
        types.paramInfo,
        {createString(module, param.name, model.name + ".param_name"),
         ConstantInt::get(types.i64, param.offset),
         ConstantInt::get(types.i64, param.size),
         ConstantInt::get(types.i32, param.shape.size()),
         ConstantInt::get(types.i32, param.initializer),
         createI64Array(shapeType, param.shape),
         ConstantInt::get(types.i64, param.fanIn),
         ConstantInt::get(types.i64, param.fanOut),
         ConstantInt::get(types.i32, param.trainable ? 1 : 0),
         ConstantInt::get(types.i32, 0)}));
  }
  auto *tableType = ArrayType::get(types.paramInfo, rows.size());
  return new GlobalVariable(module, tableType, /*isConstant=*/true,
                            GlobalValue::PrivateLinkage,
                            ConstantArray::get(tableType, rows),
                            model.name + ".params");
}

/// A public function `name() -> ptr` returning `value`.
void createGetter(Module &module, StringRef name, Constant *value) {
  LLVMContext &ctx = module.getContext();
  auto *type = FunctionType::get(PointerType::getUnqual(ctx), false);
  Function *fn =
      Function::Create(type, GlobalValue::ExternalLinkage, name, module);
  IRBuilder<> b(BasicBlock::Create(ctx, "entry", fn));
  b.CreateRet(value);
}

} // namespace

Error cnnc::emitModelDescriptor(Module &module, const ModelDescription &model) {
  LLVMContext &ctx = module.getContext();
  AbiTypes types(ctx);
  auto lookup = [&](StringRef suffix) -> Function * {
    return module.getFunction((model.name + suffix).str());
  };
  Function *forward = lookup("_forward");
  if (!forward)
    return createStringError("generated module has no '%s_forward'",
                             model.name.c_str());
  Function *trainStep = lookup("_train_step");
  Function *evaluate = lookup("_evaluate");
  Function *computeGradients = lookup("_compute_gradients");
  Function *applyGradients = lookup("_apply_gradients");
  if (!model.optimizer.empty() &&
      (!trainStep || !evaluate || !computeGradients || !applyGradients))
    return createStringError("generated module lacks the training entry "
                             "points of '%s'",
                             model.name.c_str());

  // <model>_init_params(params, seed) forwards to the support library with
  // this library's descriptor.
  auto *initType =
      FunctionType::get(types.i32, {types.ptr, types.i64}, false);
  Function *init = Function::Create(initType, GlobalValue::ExternalLinkage,
                                    model.name + "_init_params", module);
  FunctionCallee support = module.getOrInsertFunction(
      "cnnc_support_init_params",
      FunctionType::get(types.i32, {types.ptr, types.ptr, types.i64}, false));
  if (auto *decl = dyn_cast<Function>(support.getCallee()))
    decl->setVisibility(GlobalValue::HiddenVisibility);

  Constant *nullPtr = ConstantPointerNull::get(cast<PointerType>(types.ptr));
  auto orNull = [&](Function *fn) -> Constant * {
    return fn ? static_cast<Constant *>(fn) : nullPtr;
  };
  const DataLayout &layout = module.getDataLayout();
  Constant *descriptorValue = ConstantStruct::get(
      types.modelDesc,
      {ConstantInt::get(types.i32, CNNC_ABI_VERSION),
       ConstantInt::get(types.i32,
                        layout.getTypeAllocSize(types.modelDesc).getFixedValue()),
       createString(module, model.name, model.name + ".name"),
       createString(module, model.target, model.name + ".target"),
       createI64Array(cast<ArrayType>(types.modelDesc->getElementType(4)),
                      model.inputShape),
       ConstantInt::get(types.i64, model.numClasses),
       ConstantInt::get(types.i64, model.params.size()),
       ConstantInt::get(types.i64, model.paramElements),
       createParamTable(module, types, model),
       ConstantInt::get(types.i64, model.optStateElements),
       createString(module, model.optimizer, model.name + ".optimizer"),
       createString(module, model.loss, model.name + ".loss"), init, forward,
       orNull(trainStep), orNull(evaluate),
       ConstantInt::get(types.i64, model.forwardFlops),
       ConstantInt::get(types.i64, model.trainableElements),
       orNull(computeGradients), orNull(applyGradients)});
  auto *descriptor = new GlobalVariable(
      module, types.modelDesc, /*isConstant=*/true,
      GlobalValue::PrivateLinkage, descriptorValue, model.name + ".descriptor");

  IRBuilder<> b(BasicBlock::Create(ctx, "entry", init));
  Value *status = b.CreateCall(
      support, {descriptor, init->getArg(0), init->getArg(1)});
  b.CreateRet(status);

  createGetter(module, model.name + "_model", descriptor);
  createGetter(module, CNNC_MODEL_ENTRY_SYMBOL, descriptor);
  return Error::success();
}

void cnnc::emitModelHeader(const ModelDescription &model, raw_ostream &os) {
  std::string upper = StringRef(model.name).upper();
  std::string guard = upper + "_H";
  const std::string &m = model.name;
  os << "/* Generated by cnnc for model '" << m << "'. Do not edit. */\n"
     << "#ifndef " << guard << "\n#define " << guard << "\n\n"
     << "#include \"cnnc/Runtime/abi.h\"\n\n"
     << "#define " << upper << "_PARAM_ELEMENTS " << model.paramElements
     << "\n"
     << "#define " << upper << "_TRAINABLE_ELEMENTS "
     << model.trainableElements << "\n"
     << "#define " << upper << "_OPT_STATE_ELEMENTS "
     << model.optStateElements << "\n"
     << "#define " << upper << "_INPUT_HEIGHT " << model.inputShape[1] << "\n"
     << "#define " << upper << "_INPUT_WIDTH " << model.inputShape[2] << "\n"
     << "#define " << upper << "_INPUT_CHANNELS " << model.inputShape[3]
     << "\n"
     << "#define " << upper << "_NUM_CLASSES " << model.numClasses << "\n\n"
     << "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n"
     << "const cnnc_model_desc *" << m << "_model(void);\n"
     << "int32_t " << m << "_init_params(float *params, uint64_t seed);\n"
     << "int32_t " << m
     << "_forward(const float *params, const float *input, int64_t batch, "
        "float *logits);\n";
  if (!model.optimizer.empty())
    os << "int32_t " << m
       << "_train_step(float *params, float *opt_state, const float *input,\n"
          "    const int32_t *labels, int64_t batch, float learning_rate, "
          "int64_t step,\n    uint64_t seed, float *loss, int64_t *correct);\n"
       << "int32_t " << m
       << "_evaluate(const float *params, const float *input, const int32_t "
          "*labels,\n    int64_t batch, float *loss, int64_t *correct);\n"
       << "int32_t " << m
       << "_compute_gradients(float *params, const float *input,\n"
          "    const int32_t *labels, int64_t batch, int64_t step, uint64_t "
          "seed,\n    float *gradient, float *loss, int64_t *correct);\n"
       << "int32_t " << m
       << "_apply_gradients(float *params, float *opt_state,\n"
          "    const float *gradient, float learning_rate, int64_t step);\n";
  os << "\n#ifdef __cplusplus\n} /* extern \"C\" */\n#endif\n\n#endif /* "
     << guard << " */\n";
}
