//===- TestModel.cpp - hand-written models and data for the tests ---------===//

#include "TestModel.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <filesystem>
#include <fstream>
#include <iterator>

using namespace cnnrt_train_test;

namespace {

uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

/// Uniform in [-0.5, 0.5) from (seed, index).
float uniform(uint64_t seed, uint64_t index) {
  return static_cast<float>(splitmix64(seed * 1000003u + index) >> 40) /
             16777216.0f -
         0.5f;
}

template <int P, int C> int32_t initParams(float *params, uint64_t seed) {
  for (int i = 0; i < P * C; ++i)
    params[i] = 0.5f * uniform(seed, i);
  for (int c = 0; c < C; ++c)
    params[P * C + c] = 0.0f;
  return CNNC_OK;
}

template <int P, int C>
void logitsOf(const float *params, const float *image, float *logits) {
  for (int c = 0; c < C; ++c) {
    float sum = params[P * C + c];
    for (int p = 0; p < P; ++p)
      sum += image[p] * params[p * C + c];
    logits[c] = sum;
  }
}

template <int P, int C>
int32_t forward(const float *params, const float *input, int64_t batch,
                float *logits) {
  for (int64_t b = 0; b < batch; ++b)
    logitsOf<P, C>(params, input + b * P, logits + b * C);
  return CNNC_OK;
}

/// Softmax cross-entropy of one image; adds d(loss)/d(logits) to `grad`.
template <int C>
float crossEntropy(const float *logits, int32_t label, float *grad,
                   int64_t *correct) {
  int best = 0;
  for (int c = 1; c < C; ++c)
    best = logits[c] > logits[best] ? c : best;
  *correct += best == label;
  float sum = 0.0f;
  for (int c = 0; c < C; ++c)
    sum += std::exp(logits[c] - logits[best]);
  for (int c = 0; c < C; ++c)
    grad[c] = std::exp(logits[c] - logits[best]) / sum - (c == label);
  return std::log(sum) - (logits[label] - logits[best]);
}

template <int P, int C>
int32_t evaluate(const float *params, const float *input, const int32_t *labels,
                 int64_t batch, float *loss, int64_t *correct) {
  float total = 0.0f, logits[C], grad[C];
  *correct = 0;
  for (int64_t b = 0; b < batch; ++b) {
    logitsOf<P, C>(params, input + b * P, logits);
    total += crossEntropy<C>(logits, labels[b], grad, correct);
  }
  *loss = total / static_cast<float>(batch);
  return CNNC_OK;
}

/// SGD with momentum 0.9 on the mean cross-entropy of the batch, with the
/// learning rate decayed by the step number (so a resumed run that passed
/// the wrong step would drift, as Adam's bias correction would).
template <int P, int C>
int32_t trainStep(float *params, float *velocity, const float *input,
                  const int32_t *labels, int64_t batch, float lr, int64_t step,
                  uint64_t, float *loss, int64_t *correct) {
  float rate = lr / (1.0f + 0.01f * static_cast<float>(step));
  float gradients[P * C + C] = {}, logits[C], grad[C], total = 0.0f;
  *correct = 0;
  for (int64_t b = 0; b < batch; ++b) {
    const float *image = input + b * P;
    logitsOf<P, C>(params, image, logits);
    total += crossEntropy<C>(logits, labels[b], grad, correct);
    for (int c = 0; c < C; ++c) {
      for (int p = 0; p < P; ++p)
        gradients[p * C + c] += image[p] * grad[c];
      gradients[P * C + c] += grad[c];
    }
  }
  for (int i = 0; i < P * C + C; ++i) {
    velocity[i] = 0.9f * velocity[i] - rate * gradients[i] / batch;
    params[i] += velocity[i];
  }
  *loss = total / static_cast<float>(batch);
  return CNNC_OK;
}

/// Reports loss = batch size and one correct image per batch.
int32_t countingStep(float *params, float *state, const float *,
                     const int32_t *, int64_t batch, float lr, int64_t step,
                     uint64_t, float *loss, int64_t *correct) {
  params[0] -= lr;
  state[0] = static_cast<float>(step);
  *loss = static_cast<float>(batch);
  *correct = 1;
  return CNNC_OK;
}

} // namespace

TestModel::TestModel(const char *name_, int pixels, int classes, Kind kind,
                     const char *optimizer_, uint64_t seed)
    : name(name_), optimizer(kind == Kind::InferenceOnly ? "" : optimizer_) {
  bool small = pixels == 3;
  EXPECT_TRUE((pixels == 4 && classes == 3) || (pixels == 3 && classes == 4));
  int64_t kernel = pixels * classes;
  table[0] = {
      "dense/kernel",          0,      kernel,  2, CNNC_INIT_GLOROT_UNIFORM,
      {pixels, classes, 0, 0}, pixels, classes, 1, 0};
  table[1] = {"dense/bias",       kernel, classes, 1, CNNC_INIT_ZEROS,
              {classes, 0, 0, 0}, 1,      1,       1, 0};
  std::memset(&desc, 0, sizeof desc);
  desc.abi_version = CNNC_ABI_VERSION;
  desc.desc_size = sizeof desc;
  desc.name = name.c_str();
  desc.target = "cpu";
  desc.input_shape[0] = -1;
  desc.input_shape[1] = 1;
  desc.input_shape[2] = pixels;
  desc.input_shape[3] = 1;
  desc.num_classes = classes;
  desc.num_params = 2;
  desc.param_elements = kernel + classes;
  desc.trainable_elements = kernel + classes;
  desc.params = table;
  desc.opt_state_elements = kind == Kind::InferenceOnly ? 0 : kernel + classes;
  desc.optimizer = optimizer.c_str();
  desc.loss =
      kind == Kind::InferenceOnly ? "" : "sparse_categorical_crossentropy";
  desc.init_params = small ? initParams<3, 4> : initParams<4, 3>;
  desc.forward = small ? forward<3, 4> : forward<4, 3>;
  if (kind != Kind::InferenceOnly) {
    desc.evaluate = small ? evaluate<3, 4> : evaluate<4, 3>;
    desc.train_step = kind == Kind::Counting ? countingStep
                      : small                ? trainStep<3, 4>
                                             : trainStep<4, 3>;
  }
  model = cnnrt_model_wrap(&desc, (name + ".so").c_str());
  EXPECT_NE(model, nullptr) << cnnrt_last_error();
  instance = model ? cnnrt_instance_create(model, seed) : nullptr;
  EXPECT_NE(instance, nullptr) << cnnrt_last_error();
}

TestModel::~TestModel() {
  cnnrt_instance_destroy(instance);
  cnnrt_unload(model);
}

std::vector<float> TestModel::params() const {
  const float *p = cnnrt_instance_params(instance);
  return std::vector<float>(p, p + cnnrt_instance_param_elements(instance));
}

std::vector<float> TestModel::optState() const {
  const float *p = cnnrt_instance_opt_state(instance);
  return std::vector<float>(p, p + cnnrt_instance_opt_state_elements(instance));
}

TestData::TestData(int64_t count, int pixels, int classes, uint64_t seed)
    : images(static_cast<size_t>(count * pixels)),
      labels(static_cast<size_t>(count)) {
  for (int64_t i = 0; i < count; ++i) {
    float *image = &images[static_cast<size_t>(i * pixels)];
    int best = 0;
    for (int p = 0; p < pixels; ++p) {
      image[p] = uniform(seed, static_cast<uint64_t>(i * pixels + p)) + 0.5f;
      if (p < classes && image[p] > image[best])
        best = p;
    }
    labels[static_cast<size_t>(i)] = best;
  }
  dataset = {count,         1,      pixels, 1, classes, images.data(),
             labels.data(), nullptr};
}

TempDir::TempDir() {
  const char *base = std::getenv("TMPDIR");
  std::string pattern =
      std::string(base && base[0] ? base : "/tmp") + "/cnnrt-train-XXXXXX";
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (!mkdtemp(buffer.data()))
    ADD_FAILURE() << "mkdtemp failed for " << pattern;
  dir = buffer.data();
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::permissions(dir, std::filesystem::perms::owner_all,
                               std::filesystem::perm_options::add, ignored);
  std::filesystem::remove_all(dir, ignored);
}

std::vector<std::string> TempDir::list() const {
  std::vector<std::string> names;
  for (const auto &entry : std::filesystem::directory_iterator(dir))
    names.push_back(entry.path().filename().string());
  return names;
}

Bytes cnnrt_train_test::readBytes(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in),
               std::istreambuf_iterator<char>());
}

void cnnrt_train_test::writeBytes(const std::string &path, const Bytes &bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char *>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  if (!out)
    ADD_FAILURE() << "cannot write " << path;
}
