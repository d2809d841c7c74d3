//===- Passes.td - cnn dialect transformations -------------*- tablegen -*-===//

#ifndef CNNC_DIALECT_CNN_TRANSFORMS_PASSES_TD
#define CNNC_DIALECT_CNN_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def CNNSynthesizeEntryPoints : Pass<"cnn-synthesize-entry-points", "mlir::ModuleOp"> {
  let summary = "Turn the model's forward function into buffer-based entry points";
  let description = [{
    Replaces the model's `@forward` (images -> logits, weights declared with
    `cnn.param`) by `@<model>_forward_impl(%params, %images, %logits)`, whose
    arguments are the caller's buffers as memrefs: the flat parameter buffer,
    the input batch and the output batch. Every `cnn.param` becomes a slice
    of the parameter buffer at the offset of the model's parameter table
    (declaration order), and the logits are materialized in the output
    buffer. The entry point is marked with the `cnn.entry` attribute.
  }];
  let options = [
    Option<"modelName", "model-name", "std::string", "\"model\"",
           "Model name when the module has no symbol name">,
  ];
  let dependentDialects = [
    "mlir::bufferization::BufferizationDialect",
    "mlir::memref::MemRefDialect",
    "mlir::tensor::TensorDialect",
  ];
}

def CNNExportCInterface : Pass<"cnn-export-c-interface", "mlir::ModuleOp"> {
  let summary = "Add bare-pointer C entry points around the memref entry points";
  let description = [{
    For every function marked `cnn.entry` (after bufferization), adds a
    public function with the generated library's C ABI: raw pointers and an
    i64 batch size in, an i32 status out. It checks its arguments (negative
    batch, null buffers), builds the memref descriptors (static shapes except
    the batch) and calls the memref entry point, which becomes private.
  }];
  let dependentDialects = [
    "mlir::LLVM::LLVMDialect",
    "mlir::arith::ArithDialect",
    "mlir::scf::SCFDialect",
  ];
}

#endif // CNNC_DIALECT_CNN_TRANSFORMS_PASSES_TD
