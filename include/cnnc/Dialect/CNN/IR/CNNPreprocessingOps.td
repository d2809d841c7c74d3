//===- CNNPreprocessingOps.td - constant input transforms -*- tablegen -*-===//
//
// Layers that transform values by constants, such as Keras's Rescaling in
// front of a model. Included from CNNOps.td.
//
//===----------------------------------------------------------------------===//

#ifndef CNNC_DIALECT_CNN_IR_CNNPREPROCESSINGOPS_TD
#define CNNC_DIALECT_CNN_IR_CNNPREPROCESSINGOPS_TD

def CNN_RescaleOp : CNN_LayerOp<"rescale", [Pure, SameOperandsAndResultType]> {
  let summary = "x * scale + offset with constants (Keras Rescaling)";
  let description = [{
    Computes `x * scale + offset` for every element, as Keras's
    `Rescaling(scale, offset=0.0)` layer (keras/src/layers/preprocessing/
    rescaling.py), which casts both constants to the layer's float32
    first: `scale` and `offset` are f32. Both must be finite. Per-channel
    (list) scales are not part of the op.

    The gradient is `scale * dy`: a `cnn.rescale` of the output gradient
    without offset.

    Example (pixels in [0, 255] to [-1, 1]):

    ```mlir
    %y = cnn.rescale %x scale = 0.00784313772 offset = -1.0
        : tensor<?x28x28x1xf32>
    %z = cnn.rescale %y scale = 2.0 : tensor<?x28x28x1xf32>
    ```
  }];
  let arguments = (ins CNN_Tensor:$input, F32Attr:$scale,
                       DefaultValuedAttr<F32Attr, "0.0f">:$offset);
  let results = (outs CNN_Tensor:$output);
  let assemblyFormat = [{
    $input `scale` `=` $scale (`offset` `=` $offset^)? attr-dict
    `:` type($input)
  }];
  let hasVerifier = 1;
}

#endif // CNNC_DIALECT_CNN_IR_CNNPREPROCESSINGOPS_TD
