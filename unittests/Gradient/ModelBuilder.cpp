//===- ModelBuilder.cpp - tiny cnn models with a reference graph ----------===//
//
// Each builder method prints one op in the `cnn` dialect's assembly format
// (the same spelling as unittests/Numeric) and records the matching
// reference op as a graph node.
//
//===----------------------------------------------------------------------===//

#include "ModelBuilder.h"
#include "ReshapingReference.h"

#include "DepthwiseReference.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace cnnc::gradient {

using numeric::computeWindow;
using numeric::pairText;
using numeric::staticTensorType;
using numeric::tensorType;
using numeric::WindowDim;

//===----------------------------------------------------------------------===//
// Kinks
//===----------------------------------------------------------------------===//

namespace {

/// The inputs where an activation's derivative jumps (elu with alpha 1 only
/// in its second derivative, which a central difference notices too).
std::vector<double> kinksOf(Activation activation) {
  switch (activation) {
  case Activation::Relu:
  case Activation::LeakyRelu:
  case Activation::Elu:
  case Activation::Selu:
    return {0.0};
  case Activation::Relu6:
    return {0.0, 6.0};
  case Activation::HardSigmoid:
  case Activation::HardSwish:
    return {-3.0, 3.0};
  default:
    return {};
  }
}

/// Records, for every element of `pre`, the piece between `kinks` it lies
/// in and its distance to the nearest kink.
void recordKinks(const Tensor &pre, const std::vector<double> &kinks,
                 Branches *branches) {
  if (!branches || kinks.empty())
    return;
  for (double x : pre.data) {
    int64_t piece = 0;
    for (double kink : kinks) {
      piece += x > kink;
      branches->margin = std::min(branches->margin, std::fabs(x - kink));
    }
    branches->taken.push_back(piece);
  }
}

/// A fused or standalone activation with its defaults applied to the
/// pre-activation `pre`, recording its kinks.
Tensor activateLayer(const Tensor &pre, Activation activation,
                     Branches *branches) {
  recordKinks(pre, kinksOf(activation), branches);
  return numeric::applyActivation(pre, activation);
}

/// Records which element wins every window of a max/min pooling (the same
/// window geometry as numeric::pool2d) and the gap to the runner-up.
void recordWinners(PoolKind kind, const Tensor &input, Pair window,
                   Pair strides, Padding padding, Branches &branches) {
  int64_t height = input.dim(1), width = input.dim(2);
  WindowDim rows = computeWindow(height, window[0], strides[0], 1, padding);
  WindowDim cols = computeWindow(width, window[1], strides[1], 1, padding);
  double sign = kind == PoolKind::Max ? 1.0 : -1.0; // min = -max(-x)
  for (int64_t n = 0; n < input.dim(0); ++n)
    for (int64_t oh = 0; oh < rows.output; ++oh)
      for (int64_t ow = 0; ow < cols.output; ++ow)
        for (int64_t c = 0; c < input.dim(3); ++c) {
          double best = -std::numeric_limits<double>::infinity();
          double second = best;
          int64_t winner = -1;
          for (int64_t kh = 0; kh < window[0]; ++kh) {
            int64_t ih = oh * strides[0] - rows.padBefore + kh;
            for (int64_t kw = 0; kw < window[1]; ++kw) {
              int64_t iw = ow * strides[1] - cols.padBefore + kw;
              if (ih < 0 || ih >= height || iw < 0 || iw >= width)
                continue;
              double x = sign * input.at(n, ih, iw, c);
              if (x > best) {
                second = best;
                best = x;
                winner = ih * width + iw;
              } else if (x > second) {
                second = x;
              }
            }
          }
          branches.taken.push_back(winner);
          if (best == second)
            ++branches.ties;
          else
            branches.margin = std::min(branches.margin, best - second);
        }
}

} // namespace

//===----------------------------------------------------------------------===//
// GradModel
//===----------------------------------------------------------------------===//

std::vector<Tensor> GradModel::evaluate(const Tensor &input,
                                        const ParamValues &params,
                                        std::vector<Branches> *branches) const {
  std::vector<Tensor> values = {input};
  values.reserve(nodes.size() + 1);
  if (branches)
    branches->assign(nodes.size(), Branches());
  for (size_t i = 0; i < nodes.size(); ++i) {
    std::vector<const Tensor *> args;
    for (int id : nodes[i].inputs)
      args.push_back(&values[id]);
    values.push_back(
        nodes[i].apply(args, params, branches ? &(*branches)[i] : nullptr));
  }
  return values;
}

Tensor GradModel::evaluateFrom(const std::vector<Tensor> &values,
                               size_t firstNode, const ParamValues &params,
                               std::vector<Branches> *branches) const {
  // Values 0..firstNode come from `values`; the rest are recomputed.
  std::vector<Tensor> fresh;
  fresh.reserve(nodes.size() - firstNode);
  if (branches)
    branches->assign(nodes.size() - firstNode, Branches());
  auto value = [&](int id) -> const Tensor * {
    return static_cast<size_t>(id) <= firstNode ? &values[id]
                                                : &fresh[id - firstNode - 1];
  };
  for (size_t i = firstNode; i < nodes.size(); ++i) {
    std::vector<const Tensor *> args;
    for (int id : nodes[i].inputs)
      args.push_back(value(id));
    fresh.push_back(nodes[i].apply(
        args, params, branches ? &(*branches)[i - firstNode] : nullptr));
  }
  return fresh.empty() ? values.back() : fresh.back();
}

size_t GradModel::firstUser(const std::string &name) const {
  for (size_t i = 0; i < nodes.size(); ++i)
    if (std::count(nodes[i].params.begin(), nodes[i].params.end(), name))
      return i;
  std::fprintf(stderr, "gradient test: no node reads parameter %s\n",
               name.c_str());
  std::abort();
}

//===----------------------------------------------------------------------===//
// ModelBuilder
//===----------------------------------------------------------------------===//

ModelBuilder::ModelBuilder(std::string name, std::array<int64_t, 3> inputHWC) {
  model.spec.name = std::move(name);
  model.spec.inputHWC = inputHWC;
}

ModelBuilder::Value ModelBuilder::input() const {
  auto [h, w, c] = model.spec.inputHWC;
  return {"%x", {h, w, c}, 0};
}

void ModelBuilder::setInputRange(double low, double high) {
  model.spec.inputLow = low;
  model.spec.inputHigh = high;
}

ModelBuilder::Value ModelBuilder::define(std::vector<int64_t> dims, Node node) {
  model.nodes.push_back(std::move(node));
  return {"%v" + std::to_string(counter++), std::move(dims),
          static_cast<int>(model.nodes.size())};
}

std::string ModelBuilder::param(const std::string &name,
                                std::vector<int64_t> shape) {
  std::string ssa = "%p" + std::to_string(model.spec.params.size());
  body += "    " + ssa + " = cnn.param \"" + name +
          "\" : " + staticTensorType(shape) + "\n";
  model.spec.params.push_back({name, std::move(shape)});
  return ssa;
}

ModelBuilder::Value
ModelBuilder::conv2d(const Value &x, const std::string &layer, int64_t filters,
                     Pair kernel, std::optional<Pair> strides,
                     std::optional<Pair> dilations, Padding padding, bool bias,
                     Activation activation) {
  Pair s = strides.value_or(Pair{1, 1}), d = dilations.value_or(Pair{1, 1});
  WindowDim rows = computeWindow(x.dims[0], kernel[0], s[0], d[0], padding);
  WindowDim cols = computeWindow(x.dims[1], kernel[1], s[1], d[1], padding);
  std::vector<int64_t> kernelDims = {kernel[0], kernel[1], x.dims[2], filters};
  std::string k = param(layer + "/kernel", kernelDims);
  std::string b = bias ? param(layer + "/bias", {filters}) : "";

  Node node;
  node.inputs = {x.id};
  node.params = {layer + "/kernel"};
  if (bias)
    node.params.push_back(layer + "/bias");
  node.apply = [=](const std::vector<const Tensor *> &in, const ParamValues &p,
                   Branches *branches) {
    const Tensor *biasTensor = bias ? &p.at(layer + "/bias") : nullptr;
    return activateLayer(numeric::conv2d(*in[0], p.at(layer + "/kernel"),
                                         biasTensor, s, d, padding,
                                         Activation::None),
                         activation, branches);
  };
  Value y = define({rows.output, cols.output, filters}, std::move(node));

  body += "    " + y.ssa + " = cnn.conv2d " + x.ssa + ", " + k +
          (bias ? ", " + b : "");
  if (strides)
    body += " strides = [" + pairText(*strides, ", ") + "]";
  if (dilations)
    body += " dilations = [" + pairText(*dilations, ", ") + "]";
  body += std::string(" padding = ") + toString(padding);
  if (activation != Activation::None)
    body += std::string(" activation = ") + toString(activation);
  body += "\n        : " + tensorType(x.dims) + ", " +
          staticTensorType(kernelDims) +
          (bias ? ", " + staticTensorType({filters}) : "") + "\n";
  return y;
}

ModelBuilder::Value ModelBuilder::pool2d(PoolKind kind, const Value &x,
                                         Pair window,
                                         std::optional<Pair> strides,
                                         Padding padding) {
  Pair s = strides.value_or(window);
  WindowDim rows = computeWindow(x.dims[0], window[0], s[0], 1, padding);
  WindowDim cols = computeWindow(x.dims[1], window[1], s[1], 1, padding);
  Node node;
  node.inputs = {x.id};
  node.apply = [=](const std::vector<const Tensor *> &in, const ParamValues &,
                   Branches *branches) {
    if (branches && kind != PoolKind::Avg)
      recordWinners(kind, *in[0], window, s, padding, *branches);
    return numeric::pool2d(kind, *in[0], window, strides, padding);
  };
  Value y = define({rows.output, cols.output, x.dims[2]}, std::move(node));
  body += "    " + y.ssa + " = cnn." + toString(kind) + " " + x.ssa +
          " window = [" + pairText(window, ", ") + "]";
  if (strides)
    body += " strides = [" + pairText(*strides, ", ") + "]";
  body += std::string(" padding = ") + toString(padding) + " : " +
          tensorType(x.dims) + "\n";
  return y;
}

ModelBuilder::Value ModelBuilder::dense(const Value &x,
                                        const std::string &layer, int64_t units,
                                        bool bias, Activation activation) {
  std::vector<int64_t> kernelDims = {x.dims[0], units};
  std::string k = param(layer + "/kernel", kernelDims);
  std::string b = bias ? param(layer + "/bias", {units}) : "";
  Node node;
  node.inputs = {x.id};
  node.params = {layer + "/kernel"};
  if (bias)
    node.params.push_back(layer + "/bias");
  node.apply = [=](const std::vector<const Tensor *> &in, const ParamValues &p,
                   Branches *branches) {
    const Tensor *biasTensor = bias ? &p.at(layer + "/bias") : nullptr;
    return activateLayer(numeric::dense(*in[0], p.at(layer + "/kernel"),
                                        biasTensor, Activation::None),
                         activation, branches);
  };
  Value y = define({units}, std::move(node));
  body += "    " + y.ssa + " = cnn.dense " + x.ssa + ", " + k +
          (bias ? ", " + b : "");
  if (activation != Activation::None)
    body += std::string(" activation = ") + toString(activation);
  body += "\n        : " + tensorType(x.dims) + ", " +
          staticTensorType(kernelDims) +
          (bias ? ", " + staticTensorType({units}) : "") + "\n";
  return y;
}

ModelBuilder::Value ModelBuilder::flatten(const Value &x) {
  int64_t features = 1;
  for (int64_t extent : x.dims)
    features *= extent;
  Node node;
  node.inputs = {x.id};
  node.apply = [](const std::vector<const Tensor *> &in, const ParamValues &,
                  Branches *) { return numeric::flatten(*in[0]); };
  Value y = define({features}, std::move(node));
  body += "    " + y.ssa + " = cnn.flatten " + x.ssa + " : " +
          tensorType(x.dims) + "\n";
  return y;
}

ModelBuilder::Value ModelBuilder::activation(Activation kind, const Value &x) {
  if (kind == Activation::LeakyRelu) // the op's default slope is the layer's
    return leakyRelu(x, 0.3f);
  Node node;
  node.inputs = {x.id};
  node.apply = [kind](const std::vector<const Tensor *> &in,
                      const ParamValues &, Branches *branches) {
    return activateLayer(*in[0], kind, branches);
  };
  Value y = define(x.dims, std::move(node));
  body += "    " + y.ssa + " = cnn." + toString(kind) + " " + x.ssa + " : " +
          tensorType(x.dims) + "\n";
  return y;
}

ModelBuilder::Value ModelBuilder::softmax(const Value &x) {
  Node node;
  node.inputs = {x.id};
  node.apply = [](const std::vector<const Tensor *> &in, const ParamValues &,
                  Branches *) { return numeric::softmax(*in[0]); };
  Value y = define(x.dims, std::move(node));
  body += "    " + y.ssa + " = cnn.softmax " + x.ssa + " : " +
          tensorType(x.dims) + "\n";
  return y;
}

ModelBuilder::Value ModelBuilder::add(const Value &lhs, const Value &rhs) {
  Node node;
  node.inputs = {lhs.id, rhs.id};
  node.apply = [](const std::vector<const Tensor *> &in, const ParamValues &,
                  Branches *) { return numeric::add(*in[0], *in[1]); };
  Value y = define(lhs.dims, std::move(node));
  body += "    " + y.ssa + " = cnn.add " + lhs.ssa + ", " + rhs.ssa + " : " +
          tensorType(lhs.dims) + "\n";
  return y;
}

GradModel ModelBuilder::finish(const Value &logits, Loss loss,
                               std::optional<std::string> mlir) {
  if (logits.dims.size() != 1 || logits.id != int(model.nodes.size())) {
    std::fprintf(stderr,
                 "gradient test: %s must return its last value, of "
                 "rank 2\n",
                 model.spec.name.c_str());
    std::abort();
  }
  model.loss = loss;
  model.spec.numClasses = logits.dims[0];
  model.spec.mlir =
      mlir ? *mlir
           : numeric::makeModule(model.spec.name, model.spec.inputHWC,
                                 logits.dims[0], body, logits.ssa);
  std::vector<Node> nodes = model.nodes;
  model.spec.reference = [nodes](const Tensor &input, const ParamValues &p) {
    GradModel graph;
    graph.nodes = nodes;
    return graph.evaluate(input, p).back();
  };
  return model;
}

//===----------------------------------------------------------------------===//
// Activation layers beyond relu, sigmoid and tanh
//===----------------------------------------------------------------------===//

namespace {
/// `alpha` as the op's assembly format spells an f32 attribute.
std::string alphaText(float alpha) {
  char text[32];
  std::snprintf(text, sizeof(text), "%e", double(alpha));
  return text;
}
} // namespace

ModelBuilder::Value ModelBuilder::leakyRelu(const Value &x, float alpha) {
  Node node;
  node.inputs = {x.id};
  node.apply = [alpha](const std::vector<const Tensor *> &in,
                       const ParamValues &, Branches *branches) {
    recordKinks(*in[0], {0.0}, branches);
    return numeric::mapElements(
        *in[0], [alpha](double v) { return numeric::leakyRelu(v, alpha); });
  };
  Value y = define(x.dims, std::move(node));
  body += "    " + y.ssa + " = cnn.leaky_relu " + x.ssa +
          " alpha = " + alphaText(alpha) + " : " + tensorType(x.dims) + "\n";
  return y;
}

ModelBuilder::Value ModelBuilder::elu(const Value &x, float alpha) {
  Node node;
  node.inputs = {x.id};
  node.apply = [alpha](const std::vector<const Tensor *> &in,
                       const ParamValues &, Branches *branches) {
    recordKinks(*in[0], {0.0}, branches);
    return numeric::mapElements(
        *in[0], [alpha](double v) { return numeric::elu(v, alpha); });
  };
  Value y = define(x.dims, std::move(node));
  body += "    " + y.ssa + " = cnn.elu " + x.ssa +
          " alpha = " + alphaText(alpha) + " : " + tensorType(x.dims) + "\n";
  return y;
}

ModelBuilder::Value ModelBuilder::gelu(const Value &x, bool approximate) {
  Node node;
  node.inputs = {x.id};
  node.apply = [approximate](const std::vector<const Tensor *> &in,
                             const ParamValues &, Branches *) {
    return numeric::mapElements(*in[0], [approximate](double v) {
      return numeric::gelu(v, approximate);
    });
  };
  Value y = define(x.dims, std::move(node));
  body += "    " + y.ssa + " = cnn.gelu " + x.ssa +
          (approximate ? " approximate" : "") + " : " + tensorType(x.dims) +
          "\n";
  return y;
}

//===----------------------------------------------------------------------===//
// Depthwise convolution
//===----------------------------------------------------------------------===//

ModelBuilder::Value ModelBuilder::depthwiseConv2d(
    const Value &x, const std::string &layer, int64_t multiplier, Pair kernel,
    std::optional<Pair> strides, std::optional<Pair> dilations, Padding padding,
    bool bias, Activation activation) {
  Pair s = strides.value_or(Pair{1, 1}), d = dilations.value_or(Pair{1, 1});
  WindowDim rows = computeWindow(x.dims[0], kernel[0], s[0], d[0], padding);
  WindowDim cols = computeWindow(x.dims[1], kernel[1], s[1], d[1], padding);
  int64_t outChannels = x.dims[2] * multiplier;
  std::vector<int64_t> kernelDims = {kernel[0], kernel[1], x.dims[2],
                                     multiplier};
  std::string k = param(layer + "/kernel", kernelDims);
  std::string b = bias ? param(layer + "/bias", {outChannels}) : "";

  Node node;
  node.inputs = {x.id};
  node.params = {layer + "/kernel"};
  if (bias)
    node.params.push_back(layer + "/bias");
  node.apply = [=](const std::vector<const Tensor *> &in, const ParamValues &p,
                   Branches *branches) {
    const Tensor *biasTensor = bias ? &p.at(layer + "/bias") : nullptr;
    return activateLayer(
        numeric::depthwiseConv2d(*in[0], p.at(layer + "/kernel"), biasTensor, s,
                                 d, padding, Activation::None),
        activation, branches);
  };
  Value y = define({rows.output, cols.output, outChannels}, std::move(node));

  body += "    " + y.ssa + " = cnn.depthwise_conv2d " + x.ssa + ", " + k +
          (bias ? ", " + b : "");
  if (strides)
    body += " strides = [" + pairText(*strides, ", ") + "]";
  if (dilations)
    body += " dilations = [" + pairText(*dilations, ", ") + "]";
  body += std::string(" padding = ") + toString(padding);
  if (activation != Activation::None)
    body += std::string(" activation = ") + toString(activation);
  body += "\n        : " + tensorType(x.dims) + ", " +
          staticTensorType(kernelDims) +
          (bias ? ", " + staticTensorType({outChannels}) : "") + "\n";
  return y;
}

//===----------------------------------------------------------------------===//
// Batch normalization and dropout
//===----------------------------------------------------------------------===//

ModelBuilder::Value ModelBuilder::batchNorm(const Value &x,
                                            const std::string &layer,
                                            bool scale, bool center,
                                            double epsilon, double momentum,
                                            bool inferenceMode) {
  int64_t channels = x.dims.back();
  auto declare = [&](const std::string &role, const char *attributes,
                     bool trainable) {
    std::string ssa = "%p" + std::to_string(model.spec.params.size());
    body += "    " + ssa + " = cnn.param \"" + layer + "/" + role + "\"" +
            attributes + " : " + staticTensorType({channels}) + "\n";
    model.spec.params.push_back({layer + "/" + role, {channels}, trainable});
    return ssa;
  };
  std::string gamma = scale ? declare("gamma", " init = ones", true) : "";
  std::string beta = center ? declare("beta", "", true) : "";
  std::string mean = declare("moving_mean", " trainable = false", false);
  std::string variance =
      declare("moving_variance", " init = ones trainable = false", false);

  Node node;
  node.inputs = {x.id};
  if (scale)
    node.params.push_back(layer + "/gamma");
  if (center)
    node.params.push_back(layer + "/beta");
  node.apply = [=](const std::vector<const Tensor *> &in, const ParamValues &p,
                   Branches *) {
    const Tensor *gamma = scale ? &p.at(layer + "/gamma") : nullptr;
    const Tensor *beta = center ? &p.at(layer + "/beta") : nullptr;
    if (inferenceMode)
      return numeric::batchNormInference(*in[0], p.at(layer + "/moving_mean"),
                                         p.at(layer + "/moving_variance"),
                                         gamma, beta, epsilon);
    return numeric::batchNormTraining(*in[0], gamma, beta, epsilon);
  };
  Value y = define(x.dims, std::move(node));
  char attributes[96];
  std::snprintf(attributes, sizeof(attributes),
                " epsilon = %.17e momentum = %.17e", epsilon, momentum);
  body += "    " + y.ssa + " = cnn.batch_norm " + x.ssa + ", " + mean + ", " +
          variance + (scale ? " gamma = " + gamma : "") +
          (center ? " beta = " + beta : "") + attributes +
          (inferenceMode ? " inference_mode" : "") + " : " +
          tensorType(x.dims) + "\n";
  return y;
}

ModelBuilder::Value ModelBuilder::dropout(const Value &x, double rate,
                                          const numeric::DropoutKey &key) {
  Node node;
  node.inputs = {x.id};
  node.apply = [=](const std::vector<const Tensor *> &in, const ParamValues &,
                   Branches *) {
    return rate > 0.0 ? numeric::dropoutTraining(*in[0], rate, key) : *in[0];
  };
  Value y = define(x.dims, std::move(node));
  char attributes[64];
  std::snprintf(attributes, sizeof(attributes), " rate = %.17e", rate);
  body += "    " + y.ssa + " = cnn.dropout " + x.ssa + attributes;
  if (key.layerSeed)
    body += " seed = " + std::to_string(*key.layerSeed);
  body += " : " + tensorType(x.dims) + "\n";
  return y;
}

//===----------------------------------------------------------------------===//
// Global pooling, zero padding, concatenation
//===----------------------------------------------------------------------===//

namespace {

/// Records which element wins every (image, channel) of a global max
/// pooling and the gap to the runner-up (ties are counted, as for windows).
void recordGlobalWinners(const Tensor &input, Branches &branches) {
  int64_t height = input.dim(1), width = input.dim(2);
  for (int64_t n = 0; n < input.dim(0); ++n)
    for (int64_t c = 0; c < input.dim(3); ++c) {
      double best = -std::numeric_limits<double>::infinity();
      double second = best;
      int64_t winner = -1;
      for (int64_t h = 0; h < height; ++h)
        for (int64_t w = 0; w < width; ++w) {
          double x = input.at(n, h, w, c);
          if (x > best) {
            second = best;
            best = x;
            winner = h * width + w;
          } else if (x > second) {
            second = x;
          }
        }
      branches.taken.push_back(winner);
      if (best == second)
        ++branches.ties;
      else
        branches.margin = std::min(branches.margin, best - second);
    }
}

} // namespace

ModelBuilder::Value ModelBuilder::globalPool2d(PoolKind kind, const Value &x,
                                               bool keepdims) {
  Node node;
  node.inputs = {x.id};
  node.apply = [=](const std::vector<const Tensor *> &in, const ParamValues &,
                   Branches *branches) {
    if (branches && kind == PoolKind::Max)
      recordGlobalWinners(*in[0], *branches);
    return numeric::globalPool2d(kind, *in[0], keepdims);
  };
  int64_t channels = x.dims[2];
  Value y = define(keepdims ? std::vector<int64_t>{1, 1, channels}
                            : std::vector<int64_t>{channels},
                   std::move(node));
  body +=
      "    " + y.ssa + " = cnn." +
      (kind == PoolKind::Max ? "global_max_pool2d " : "global_avg_pool2d ") +
      x.ssa + (keepdims ? " keepdims" : "") + " : " + tensorType(x.dims) + "\n";
  return y;
}

ModelBuilder::Value
ModelBuilder::zeroPad2d(const Value &x, const std::array<int64_t, 4> &padding) {
  Node node;
  node.inputs = {x.id};
  node.apply = [=](const std::vector<const Tensor *> &in, const ParamValues &,
                   Branches *) { return numeric::zeroPad2d(*in[0], padding); };
  Value y = define({x.dims[0] + padding[0] + padding[1],
                    x.dims[1] + padding[2] + padding[3], x.dims[2]},
                   std::move(node));
  body += "    " + y.ssa + " = cnn.zero_pad2d " + x.ssa + " padding = [" +
          std::to_string(padding[0]) + ", " + std::to_string(padding[1]) +
          ", " + std::to_string(padding[2]) + ", " +
          std::to_string(padding[3]) + "] : " + tensorType(x.dims) + "\n";
  return y;
}

ModelBuilder::Value ModelBuilder::concat(const std::vector<Value> &inputs) {
  Node node;
  std::vector<int64_t> dims = inputs.front().dims;
  dims.back() = 0;
  std::string operands, types;
  for (const Value &input : inputs) {
    node.inputs.push_back(input.id);
    dims.back() += input.dims.back();
    operands += (operands.empty() ? "" : ", ") + input.ssa;
    types += (types.empty() ? "" : ", ") + tensorType(input.dims);
  }
  node.apply = [](const std::vector<const Tensor *> &in, const ParamValues &,
                  Branches *) { return numeric::concat(in); };
  Value y = define(dims, std::move(node));
  body += "    " + y.ssa + " = cnn.concat " + operands + " : " + types + "\n";
  return y;
}

} // namespace cnnc::gradient
