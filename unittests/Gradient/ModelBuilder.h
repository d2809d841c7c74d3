//===- ModelBuilder.h - tiny cnn models with a reference graph --*- C++ -*-===//
//
// The gradient tests need two views of every model: the MLIR text that cnnc
// compiles and a double-precision reference that finite differences can be
// taken of. ModelBuilder writes both at once, one layer at a time: each call
// appends the op to the `forward` body and a node to the reference graph
// (built from the ops of unittests/Numeric/Reference.h). Because the graph
// keeps every intermediate value, a finite difference of a parameter only
// re-evaluates the nodes from the first one that reads it.
//
//===----------------------------------------------------------------------===//

#ifndef CNNC_UNITTESTS_GRADIENT_MODELBUILDER_H
#define CNNC_UNITTESTS_GRADIENT_MODELBUILDER_H

#include "Harness.h"
#include "LossReference.h"
#include "NormalizationReference.h"

#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace cnnc::gradient {

using numeric::Activation;
using numeric::ModelSpec;
using numeric::Padding;
using numeric::ParamSpec;
using numeric::ParamValues;
using numeric::PoolKind;
using numeric::Tensor;
using Pair = std::array<int64_t, 2>;

/// Where the inputs of a node's kinks lie: the piece of every piecewise
/// activation's input (relu, leaky_relu, elu and selu at 0, relu6 at 0 and
/// 6, hard_sigmoid and hard_swish at -3 and 3), the winner of every max/min
/// pooling window. A finite difference is taken across a kink when these
/// change between p and p +- h.
struct Branches {
  std::vector<int64_t> taken;
  /// The smallest distance to a kink: min distance of an activation's input
  /// to its kinks, min non-zero gap between the winner and the runner-up of
  /// a max/min window.
  double margin = std::numeric_limits<double>::infinity();
  /// Windows whose winner ties exactly with the runner-up. In relu networks
  /// these are windows of zeros (dead units), whose gradient is zero
  /// whichever element takes it.
  int64_t ties = 0;
};

/// One op of the reference graph. Value 0 is the model input; node i
/// defines value i + 1 from earlier values.
struct Node {
  std::vector<int> inputs;
  /// The parameter tensors the node reads (by name).
  std::vector<std::string> params;
  /// The node's value; records its branches when `branches` is non-null
  /// (left empty by smooth ops).
  std::function<Tensor(const std::vector<const Tensor *> &inputs,
                       const ParamValues &params, Branches *branches)>
      apply;
};

/// A model for the gradient tests: what cnnc compiles (`spec`: name, MLIR,
/// input, classes, parameter table, input range), its reference graph and
/// the loss it is trained with.
struct GradModel {
  ModelSpec spec;
  std::vector<Node> nodes;
  Loss loss = Loss::SparseCategoricalCrossentropy;

  /// Every value of the graph at `params`: [0] is `input`, back() the
  /// logits. Fills `branches` (one per node) when non-null.
  std::vector<Tensor> evaluate(const Tensor &input, const ParamValues &params,
                               std::vector<Branches> *branches = nullptr) const;
  /// The logits, re-evaluating only nodes >= `firstNode`; earlier values are
  /// taken from `values` (a result of evaluate). Fills `branches` with those
  /// of nodes firstNode, firstNode + 1, ... when non-null.
  Tensor evaluateFrom(const std::vector<Tensor> &values, size_t firstNode,
                      const ParamValues &params,
                      std::vector<Branches> *branches = nullptr) const;
  /// The first node that reads parameter `name`.
  size_t firstUser(const std::string &name) const;
};

/// Appends layers to a model; see the file comment.
class ModelBuilder {
public:
  /// A value of `forward`: its SSA name, its extents without the batch and
  /// its index in the reference graph.
  struct Value {
    std::string ssa;
    std::vector<int64_t> dims;
    int id = 0;
  };

  ModelBuilder(std::string name, std::array<int64_t, 3> inputHWC);

  /// The model input %x.
  Value input() const;

  /// cnn.conv2d with parameters "<layer>/kernel" and optionally
  /// "<layer>/bias"; unset strides/dilations are left to the op's default.
  Value conv2d(const Value &x, const std::string &layer, int64_t filters,
               Pair kernel, std::optional<Pair> strides,
               std::optional<Pair> dilations, Padding padding, bool bias,
               Activation activation);
  /// cnn.max/avg/min_pool2d; unset strides default to the window.
  Value pool2d(PoolKind kind, const Value &x, Pair window,
               std::optional<Pair> strides, Padding padding);
  /// cnn.dense with "<layer>/kernel" and optionally "<layer>/bias".
  Value dense(const Value &x, const std::string &layer, int64_t units,
              bool bias, Activation activation);
  Value flatten(const Value &x);
  /// A standalone activation layer with its defaults: `cnn.<kind>` (for
  /// leaky_relu the LeakyReLU layer's slope 0.3, not the fused form's 0.2).
  Value activation(Activation kind, const Value &x);
  Value softmax(const Value &x);
  Value add(const Value &lhs, const Value &rhs);

  // Activation layers beyond relu, sigmoid and tanh.

  /// cnn.leaky_relu with `alpha = <alpha>` spelled out.
  Value leakyRelu(const Value &x, float alpha);
  /// cnn.elu with `alpha = <alpha>` spelled out.
  Value elu(const Value &x, float alpha);
  /// cnn.gelu, with `approximate` when asked.
  Value gelu(const Value &x, bool approximate);

  // Depthwise convolution.

  /// cnn.depthwise_conv2d with parameters "<layer>/kernel" [KH, KW, C, M]
  /// and optionally "<layer>/bias" [C * M]; unset strides/dilations are left
  /// to the op's default.
  Value depthwiseConv2d(const Value &x, const std::string &layer,
                        int64_t multiplier, Pair kernel,
                        std::optional<Pair> strides,
                        std::optional<Pair> dilations, Padding padding,
                        bool bias, Activation activation);

  // Batch normalization and dropout.

  /// cnn.batch_norm with "<layer>/gamma" (init ones) when `scale`,
  /// "<layer>/beta" when `center`, and the non-trainable
  /// "<layer>/moving_mean" and "<layer>/moving_variance" (init ones). The
  /// reference node runs in training mode (batch statistics), as
  /// train_step does; a value at batch n depends on the whole batch. With
  /// `inferenceMode`, the op has `inference_mode` and the reference
  /// normalizes with the moving statistics (Keras's frozen layer).
  Value batchNorm(const Value &x, const std::string &layer, bool scale,
                  bool center, double epsilon = 1e-3, double momentum = 0.99,
                  bool inferenceMode = false);
  /// cnn.dropout (`seed = ` key.layerSeed when set). The reference node
  /// applies the mask train_step draws for `key` (stream: the number of
  /// dropout layers with a non-zero rate before this one).
  Value dropout(const Value &x, double rate, const numeric::DropoutKey &key);

  // Global pooling, zero padding, concatenation.

  /// cnn.global_avg_pool2d (kind Avg) / cnn.global_max_pool2d (kind Max),
  /// with `keepdims` the [1, 1, C] form.
  Value globalPool2d(PoolKind kind, const Value &x, bool keepdims);
  /// cnn.zero_pad2d with padding [top, bottom, left, right].
  Value zeroPad2d(const Value &x, const std::array<int64_t, 4> &padding);
  /// cnn.concat of two or more values along the last dimension.
  Value concat(const std::vector<Value> &inputs);

  /// The finished model returning `logits` (rank 2), trained with `loss`.
  /// `mlir`, when given, replaces the generated module text (for models read
  /// from a file whose ops the builder calls mirrored).
  GradModel finish(const Value &logits, Loss loss,
                   std::optional<std::string> mlir = std::nullopt);

  /// Input values are drawn from [low, high] (default [-2, 2]).
  void setInputRange(double low, double high);

private:
  Value define(std::vector<int64_t> dims, Node node);
  std::string param(const std::string &name, std::vector<int64_t> shape);

  GradModel model;
  std::string body;
  int counter = 0;
};

} // namespace cnnc::gradient

#endif // CNNC_UNITTESTS_GRADIENT_MODELBUILDER_H
