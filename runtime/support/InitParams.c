//===- InitParams.c - Keras initializers for generated models -------------===//
//
// Implements cnnc_support_init_params (abi.h), which every generated library
// links statically. Element e of tensor t gets its random bits from
// Philox4x32-10 with key = seed and counter = (e, t, attempt), so a tensor's
// values depend only on the seed, its index and its own table entry.
//
// Determinism across machines: only IEEE double +, -, *, / and sqrt (all
// correctly rounded; the library is compiled with -ffp-contract=off) and one
// final rounding to float. exp(), whose libm implementations differ in the
// last bit, is replaced by a fixed series.
//
// Keras definitions (fan_avg = (fan_in + fan_out) / 2):
//   glorot_uniform  U(-l, l), l = sqrt(6 / (fan_in + fan_out))
//   he_uniform      U(-l, l), l = sqrt(6 / fan_in)
//   lecun_uniform   U(-l, l), l = sqrt(3 / fan_in)
//   glorot_normal   truncated normal, stddev sqrt(2 / (fan_in + fan_out)) / c
//   he_normal       truncated normal, stddev sqrt(2 / fan_in) / c
// where the truncated normal is cut at 2 stddev and c = 0.87962566103423978
// (the stddev of a unit normal truncated at +-2) restores the intended
// variance.
//
//===----------------------------------------------------------------------===//

#include "cnnc/Runtime/abi.h"

#include "ParamTable.h"
#include "Philox.h"

#include <math.h>

/// Standard deviation of a unit normal truncated to [-2, 2].
static const double kTruncatedStddev = 0.87962566103423978;

/// Proposals per element before giving up on the truncated normal (each is
/// accepted with probability 0.598, so 64 failures have probability 3e-26).
enum { kMaxAttempts = 64 };

/// The random stream of one tensor.
typedef struct Stream {
  uint32_t key0, key1; ///< the seed
  uint32_t tensor;     ///< the tensor's index in the table
} Stream;

/// The 128 random bits of proposal `attempt` for element `element`.
static void draw(const Stream *stream, int64_t element, uint32_t attempt,
                 uint32_t bits[4]) {
  bits[0] = (uint32_t)element;
  bits[1] = (uint32_t)((uint64_t)element >> 32);
  bits[2] = stream->tensor;
  bits[3] = attempt;
  cnnc_philox4x32_10(bits, stream->key0, stream->key1);
}

/// exp(-s) for s in [0, 2]: Taylor series of exp(-s/8), squared three times.
/// Relative error below 1e-15, and the same bits everywhere.
static double expNeg(double s) {
  double x = -s / 8.0;
  double sum = 1.0, term = 1.0;
  for (int n = 1; n <= 14; ++n) {
    term = term * x / n;
    sum += term;
  }
  sum *= sum;
  sum *= sum;
  return sum * sum;
}

static void fillConstant(float *out, int64_t count, float value) {
  for (int64_t i = 0; i < count; ++i)
    out[i] = value;
}

/// U(-limit, limit) as Keras computes it: minval + (maxval - minval) * u.
static void fillUniform(float *out, int64_t count, double limit,
                        const Stream *stream) {
  uint32_t bits[4];
  for (int64_t i = 0; i < count; ++i) {
    draw(stream, i, 0, bits);
    out[i] = (float)(-limit + 2.0 * limit * cnnc_uniform53(bits[0], bits[1]));
  }
}

/// Normal(0, stddev) truncated to [-2 stddev, 2 stddev], by rejection from
/// the uniform proposal x in [-2, 2) accepted with probability exp(-x^2/2).
static void fillTruncatedNormal(float *out, int64_t count, double stddev,
                                const Stream *stream) {
  uint32_t bits[4];
  for (int64_t i = 0; i < count; ++i) {
    double value = 0.0;
    for (uint32_t attempt = 0; attempt < kMaxAttempts; ++attempt) {
      draw(stream, i, attempt, bits);
      double x = 4.0 * cnnc_uniform53(bits[0], bits[1]) - 2.0;
      double v = cnnc_uniform53(bits[2], bits[3]);
      if (v < expNeg(0.5 * x * x)) {
        value = x;
        break;
      }
    }
    out[i] = (float)(stddev * value);
  }
}

static void initTensor(const cnnc_param_info *info, float *out,
                       const Stream *stream) {
  double fanIn = (double)info->fan_in;
  double fanSum = (double)info->fan_in + (double)info->fan_out;
  switch ((cnnc_initializer)info->initializer) {
  case CNNC_INIT_ZEROS:
    fillConstant(out, info->size, 0.0f);
    return;
  case CNNC_INIT_ONES:
    fillConstant(out, info->size, 1.0f);
    return;
  case CNNC_INIT_GLOROT_UNIFORM:
    fillUniform(out, info->size, sqrt(6.0 / fanSum), stream);
    return;
  case CNNC_INIT_HE_UNIFORM:
    fillUniform(out, info->size, sqrt(6.0 / fanIn), stream);
    return;
  case CNNC_INIT_LECUN_UNIFORM:
    fillUniform(out, info->size, sqrt(3.0 / fanIn), stream);
    return;
  case CNNC_INIT_GLOROT_NORMAL:
    fillTruncatedNormal(out, info->size, sqrt(2.0 / fanSum) / kTruncatedStddev,
                        stream);
    return;
  case CNNC_INIT_HE_NORMAL:
    fillTruncatedNormal(out, info->size, sqrt(2.0 / fanIn) / kTruncatedStddev,
                        stream);
    return;
  }
}

int32_t cnnc_support_init_params(const cnnc_model_desc *desc, float *params,
                                 uint64_t seed) {
  if (!desc || !params || desc->abi_version != CNNC_ABI_VERSION)
    return CNNC_ERR_ARGUMENT;
  int64_t badParam;
  if (cnnc_support_check_params(desc, &badParam))
    return CNNC_ERR_ARGUMENT;
  for (int64_t t = 0; t < desc->num_params; ++t) {
    const cnnc_param_info *info = &desc->params[t];
    Stream stream = {(uint32_t)seed, (uint32_t)(seed >> 32), (uint32_t)t};
    initTensor(info, params + info->offset, &stream);
  }
  return CNNC_OK;
}
