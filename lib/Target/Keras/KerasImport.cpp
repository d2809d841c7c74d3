//===- KerasImport.cpp - Keras models as cnn modules ----------------------===//
//
// The entry points of the Keras front end: read the file, build the
// module, decide about a final softmax, lay the saved weights out like the
// compiled library's parameter buffer, and the `--import-keras`
// translation of cnnc-translate.
//
//===----------------------------------------------------------------------===//

#include "cnnc/Target/Keras/KerasImport.h"

#include "Importer.h"
#include "TrainingConfig.h"

#include "cnnc/Dialect/CNN/Analysis/ModelInfo.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Tools/mlir-translate/Translation.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/WithColor.h"

using namespace mlir;
using namespace cnnc;
using namespace cnnc::keras;

bool cnnc::keras::isKerasModelPath(llvm::StringRef path) {
  std::string extension = llvm::sys::path::extension(path).lower();
  return extension == ".keras" || extension == ".h5" || extension == ".hdf5" ||
         extension == ".json";
}

/// cnn.loss works on logits. A model that ends in softmax, trained with a
/// cross-entropy on probabilities (Keras's from_logits=False, the default),
/// computes the same loss and gradient when the softmax moves into the
/// loss: the module returns the logits and the softmax is dropped.
static bool movesSoftmaxIntoLoss(const SavedTraining &saved,
                                 const ImportOptions &options) {
  llvm::StringRef loss = !options.loss.empty() ? llvm::StringRef(options.loss)
                         : !saved.loss.empty() ? llvm::StringRef(saved.loss)
                                               : "sparse_categorical_"
                                                 "crossentropy";
  bool fromLogits =
      options.loss.empty() && !saved.loss.empty() && saved.fromLogits;
  return loss.ends_with("categorical_crossentropy") && !fromLogits;
}

llvm::Expected<ImportedModel>
cnnc::keras::importKerasModel(llvm::MemoryBufferRef buffer,
                              MLIRContext &context,
                              const ImportOptions &options) {
  llvm::Expected<KerasFile> file = readKerasFile(buffer);
  if (!file)
    return file.takeError();
  llvm::Expected<SavedTraining> training =
      readTraining(*file, options, context);
  if (!training)
    return training.takeError();
  context
      .loadDialect<func::FuncDialect, cnn::CNNDialect, tensor::TensorDialect>();
  OwningOpRef<ModuleOp> module =
      ModuleOp::create(FileLineColLoc::get(&context, file->name, 0, 0));
  Importer importer(context, *file);
  llvm::Expected<Value> output = importer.importTopLevel(*module);
  if (!output)
    return output.takeError();

  if (auto softmax = output->getDefiningOp<cnn::SoftmaxOp>();
      softmax && movesSoftmaxIntoLoss(*training, options)) {
    Operation *terminator = softmax->getBlock()->getTerminator();
    terminator->setOperand(0, softmax.getInput());
    if (softmax->use_empty())
      softmax->erase();
  }
  if (training->attribute)
    (*module)->setAttr(kTrainingConfigAttrName, training->attribute);
  if (failed(verify(*module)))
    return importer.error(importer.takeDiagnostic());

  FailureOr<cnn::ModelInfo> info = cnn::ModelInfo::analyze(*module, "model");
  if (failed(info))
    return importer.error(importer.takeDiagnostic());
  ImportedModel result;
  if (file->weights) {
    result.weights.assign(info->paramElements, 0.0f);
    for (const cnn::ParamInfo &param : info->params) {
      const std::vector<float> &values = importer.values[param.name];
      if (static_cast<int64_t>(values.size()) != param.size)
        return importer.error("no saved values for parameter '" + param.name +
                              "'");
      llvm::copy(values, result.weights.begin() + param.offset);
    }
  }
  result.module = std::move(module);
  result.warnings = std::move(importer.warnings);
  return result;
}

llvm::Expected<ImportedModel>
cnnc::keras::importKerasFile(llvm::StringRef path, MLIRContext &context,
                             const ImportOptions &options) {
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buffer =
      llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                  /*RequiresNullTerminator=*/false);
  if (!buffer)
    return makeError("cannot read '" + path +
                     "': " + buffer.getError().message());
  return importKerasModel((*buffer)->getMemBufferRef(), context, options);
}

llvm::Error cnnc::keras::writeWeightsFile(llvm::StringRef path,
                                          const std::vector<float> &weights) {
  return llvm::writeToOutput(path, [&](llvm::raw_ostream &os) {
    os.write(reinterpret_cast<const char *>(weights.data()),
             weights.size() * sizeof(float));
    return llvm::Error::success();
  });
}

void cnnc::keras::registerKerasImportTranslation() {
  static llvm::cl::opt<std::string> weightsPath(
      "keras-weights",
      llvm::cl::desc("With --import-keras: also write the saved weights as "
                     "a raw float32 parameter file (the compiled library's "
                     "parameter order) to this path"),
      llvm::cl::value_desc("file"));
  static TranslateToMLIRRegistration registration(
      "import-keras",
      "import a Keras model (.keras, legacy .h5, model.to_json()) into the "
      "cnn dialect",
      [](llvm::SourceMgr &sourceMgr,
         MLIRContext *context) -> OwningOpRef<Operation *> {
        const llvm::MemoryBuffer *buffer =
            sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID());
        llvm::Expected<ImportedModel> model =
            importKerasModel(buffer->getMemBufferRef(), *context);
        llvm::Error error = model ? llvm::Error::success() : model.takeError();
        if (!error && !weightsPath.empty())
          error = model->weights.empty()
                      ? makeError(buffer->getBufferIdentifier() +
                                  ": the file holds no weights to write to "
                                  "--keras-weights")
                      : writeWeightsFile(weightsPath, model->weights);
        if (error) {
          // One line naming the file; no location of MLIR's to add.
          llvm::WithColor::error(llvm::errs(), "cnnc-translate")
              << llvm::toString(std::move(error)) << "\n";
          return nullptr;
        }
        for (const std::string &warning : model->warnings)
          llvm::WithColor::warning(llvm::errs(), "cnnc-translate")
              << warning << "\n";
        return OwningOpRef<Operation *>(model->module.release());
      },
      [](DialectRegistry &registry) {
        registry.insert<cnn::CNNDialect, func::FuncDialect,
                        tensor::TensorDialect>();
      });
}
