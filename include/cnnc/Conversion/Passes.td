//===- Passes.td - cnnc conversion passes ------------------*- tablegen -*-===//

#ifndef CNNC_CONVERSION_PASSES_TD
#define CNNC_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertCNNToLinalg : Pass<"convert-cnn-to-linalg"> {
  let summary = "Lower cnn layer ops to linalg and tensor ops on tensors";
  let description = [{
    Rewrites every `cnn` layer op into named linalg ops where one fits and
    `linalg.generic` elsewhere, on tensors:

    - `cnn.conv2d` -> `tensor.pad` (same padding) + `linalg.broadcast` of the
      bias into the accumulator + `linalg.conv_2d_nhwc_hwcf` + an element-wise
      activation;
    - pooling -> `linalg.pooling_nhwc_{max,sum,min}` over an input padded with
      the reduction's identity; average pooling divides by the number of
      valid (non-padding) elements of each window, as Keras does;
    - `cnn.dense` -> `linalg.matmul` accumulating onto the broadcast bias;
    - `cnn.flatten` -> `tensor.collapse_shape`;
    - activations, `cnn.add` -> element-wise `linalg.generic`;
    - `cnn.softmax` -> the decomposition of `linalg.softmax`.

    `cnn.param` is not touched: the entry-point synthesis replaces it first.
  }];
  let dependentDialects = [
    "mlir::arith::ArithDialect",
    "mlir::linalg::LinalgDialect",
    "mlir::math::MathDialect",
    "mlir::tensor::TensorDialect",
  ];
}

#endif // CNNC_CONVERSION_PASSES_TD
