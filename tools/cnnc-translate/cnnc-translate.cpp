//===- cnnc-translate.cpp - cnnc's translation driver ---------------------===//
//
// mlir-translate for cnnc: `cnnc-translate --import-keras model.keras`
// prints the cnn module of a Keras model (docs/keras.md).
//
//===----------------------------------------------------------------------===//

#include "cnnc/Target/Keras/KerasImport.h"

#include "mlir/Tools/mlir-translate/MlirTranslateMain.h"

int main(int argc, char **argv) {
  cnnc::keras::registerKerasImportTranslation();
  return mlir::failed(
      mlir::mlirTranslateMain(argc, argv, "cnnc translation driver\n"));
}
