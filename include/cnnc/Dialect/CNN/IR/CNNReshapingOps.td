//===- CNNReshapingOps.td - pooling, padding, concat -------*- tablegen -*-===//
//
// Layers that reduce or rearrange whole tensors: global pooling, zero
// padding and concatenation, and the training ops their gradients need
// (global pooling gradients, cnn.slice). Included from CNNOps.td.
//
//===----------------------------------------------------------------------===//

#ifndef CNNC_DIALECT_CNN_IR_CNNRESHAPINGOPS_TD
#define CNNC_DIALECT_CNN_IR_CNNRESHAPINGOPS_TD

//===----------------------------------------------------------------------===//
// Global pooling
//===----------------------------------------------------------------------===//

class CNN_GlobalPool2DOp<string mnemonic, string kerasName, string reduction,
                         string gradientRule>
    : CNN_LayerOp<mnemonic, [Pure, InferTypeOpAdaptor]> {
  let summary = "global 2-D " # reduction # " pooling (Keras " # kerasName # ")";
  let description = [{
    Reduces the whole height and width of an NHWC batch per channel: the
    result is `[N, C]`, or `[N, 1, 1, C]` with `keepdims`, as Keras
    `}] # kerasName # [{(data_format="channels_last", keepdims=False)`
    (keras/src/layers/pooling/global_*_pooling2d.py: `ops.}] # reduction #
    [{(inputs, axis=[1, 2], keepdims=self.keepdims)`).

    }] # gradientRule # [{

    It lowers to one reduction over H and W that is parallel over N and C,
    with C innermost, never to a window op (no window is unrolled, whatever
    the image size).

    Example:

    ```mlir
    %y = cnn.}] # mnemonic # [{ %x : tensor<?x7x7x64xf32>
    // %y : tensor<?x64xf32>
    %z = cnn.}] # mnemonic # [{ %x keepdims : tensor<?x7x7x64xf32>
    // %z : tensor<?x1x1x64xf32>
    ```
  }];
  let arguments = (ins CNN_Tensor4D:$input, UnitAttr:$keepdims);
  let results = (outs CNN_Tensor:$output);
  let assemblyFormat = [{
    $input (`keepdims` $keepdims^)? attr-dict `:` type($input)
  }];
}

def CNN_GlobalAvgPool2DOp : CNN_GlobalPool2DOp<"global_avg_pool2d",
    "GlobalAveragePooling2D", "mean",
    "The gradient spreads `dy / (H * W)` over every position.">;

def CNN_GlobalMaxPool2DOp : CNN_GlobalPool2DOp<"global_max_pool2d",
    "GlobalMaxPooling2D", "max", [{
    The gradient is TensorFlow's for `tf.reduce_max` (the op Keras's
    `ops.max` calls; JAX's `jnp.max` agrees): positions equal to the
    maximum share `dy` equally. This differs on purpose from `cnn.max_pool2d`,
    whose Keras layer calls `tf.nn.max_pool`, whose gradient goes to the
    first maximum of each window only.}]>;

def CNN_GlobalAvgPool2DGradOp : CNN_Op<"global_avg_pool2d_grad", [Pure]> {
  let summary = "gradient of global average pooling w.r.t. its input";
  let description = [{
    Broadcasts an `[N, C]` gradient over the `[N, H, W, C]` result type,
    divided by `H * W`.

    ```mlir
    %dx = cnn.global_avg_pool2d_grad %dy : tensor<?x64xf32> -> tensor<?x7x7x64xf32>
    ```
  }];
  let arguments = (ins CNN_Tensor2D:$output_grad);
  let results = (outs CNN_Tensor4D:$input_grad);
  let assemblyFormat = [{
    $output_grad attr-dict `:` type($output_grad) `->` type($input_grad)
  }];
  let hasVerifier = 1;
}

def CNN_GlobalMaxPool2DGradOp : CNN_Op<"global_max_pool2d_grad",
    [Pure, AllTypesMatch<["input", "input_grad"]>,
     AllTypesMatch<["output", "output_grad"]>]> {
  let summary = "gradient of global max pooling w.r.t. its input";
  let description = [{
    `dx[n, h, w, c] = x[n, h, w, c] == y[n, c] ? dy[n, c] / count[n, c] : 0`
    where `count[n, c]` is the number of positions equal to the maximum
    `y[n, c]` (TensorFlow's `_MinOrMaxGrad`: ties share the gradient).

    ```mlir
    %dx = cnn.global_max_pool2d_grad %x, %y, %dy
        : tensor<?x7x7x64xf32>, tensor<?x64xf32>
    ```
  }];
  let arguments = (ins CNN_Tensor4D:$input, CNN_Tensor2D:$output,
                       CNN_Tensor2D:$output_grad);
  let results = (outs CNN_Tensor4D:$input_grad);
  let assemblyFormat = [{
    $input `,` $output `,` $output_grad attr-dict `:` type($input) `,`
    type($output)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// cnn.zero_pad2d
//===----------------------------------------------------------------------===//

def CNN_ZeroPad2DOp : CNN_LayerOp<"zero_pad2d", [Pure, InferTypeOpAdaptor]> {
  let summary = "zero padding of height and width (Keras ZeroPadding2D)";
  let description = [{
    Adds `top` rows of zeros above, `bottom` below, `left` columns before and
    `right` after every image of an NHWC batch, as Keras
    `ZeroPadding2D(padding=((top, bottom), (left, right)))`
    (keras/src/layers/reshaping/zero_padding2d.py; its other spellings,
    `padding=p` and `padding=(h, w)`, are `[p, p, p, p]` and `[h, h, w, w]`).
    Keras's default `padding=(1, 1)` is `[1, 1, 1, 1]`. The gradient is the
    interior `cnn.slice` of the output gradient.

    Example:

    ```mlir
    %y = cnn.zero_pad2d %x padding = [1, 2, 0, 3] : tensor<?x5x5x3xf32>
    // %y : tensor<?x8x8x3xf32>
    ```
  }];
  let arguments = (ins CNN_Tensor4D:$input, DenseI64ArrayAttr:$padding);
  let results = (outs CNN_Tensor4D:$output);
  let assemblyFormat = [{
    $input `padding` `=` $padding attr-dict `:` type($input)
  }];
}

//===----------------------------------------------------------------------===//
// cnn.concat
//===----------------------------------------------------------------------===//

def CNN_ConcatOp : CNN_LayerOp<"concat", [Pure, InferTypeOpAdaptor]> {
  let summary = "concatenation along the channel axis (Keras Concatenate)";
  let description = [{
    Joins two or more tensors along their last dimension, as Keras
    `Concatenate(axis=-1)` (keras/src/layers/merging/concatenate.py), the
    join of Inception and DenseNet blocks. The inputs have one rank (at
    least 2: a batch and a channel dimension), static extents except for
    the batch, and equal extents except for the last dimension; batch sizes
    must agree where they are static. The gradient of each input is its
    `cnn.slice` of the output gradient.

    Example:

    ```mlir
    %y = cnn.concat %a, %b, %c
        : tensor<?x8x8x16xf32>, tensor<?x8x8x32xf32>, tensor<?x8x8x8xf32>
    // %y : tensor<?x8x8x56xf32>
    ```
  }];
  let arguments = (ins Variadic<CNN_Tensor>:$inputs);
  let results = (outs CNN_Tensor:$output);
  let assemblyFormat = "$inputs attr-dict `:` type($inputs)";
}

//===----------------------------------------------------------------------===//
// cnn.slice
//===----------------------------------------------------------------------===//

def CNN_SliceOp : CNN_Op<"slice", [Pure]> {
  let summary = "a box of a tensor that keeps the batch (padding/concat gradient)";
  let description = [{
    The elements of `input` from `offsets` on, in the extents of the
    result type; the batch dimension is kept whole (its offset must be 0).
    The gradient of `cnn.zero_pad2d` (the interior) and of `cnn.concat` (each
    input's channels).

    ```mlir
    %g = cnn.slice %dy offsets = [0, 1, 0, 0] : tensor<?x8x8x3xf32> -> tensor<?x5x5x3xf32>
    ```
  }];
  let arguments = (ins CNN_Tensor:$input, DenseI64ArrayAttr:$offsets);
  let results = (outs CNN_Tensor:$result);
  let assemblyFormat = [{
    $input `offsets` `=` $offsets attr-dict `:` type($input) `->` type($result)
  }];
  let hasVerifier = 1;
}

#endif // CNNC_DIALECT_CNN_IR_CNNRESHAPINGOPS_TD
