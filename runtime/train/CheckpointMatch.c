//===- CheckpointMatch.c - does a checkpoint belong to this model? --------===//
//
// Walks the header of a checkpoint whose bytes are known to be intact (size
// and CRC were checked by CheckpointRead.c) and compares it with the model:
// a checkpoint of another model, another optimizer or another layer shape
// is named precisely ("tensor 2 'conv2d_1/kernel' [3, 3, 32, 64] at byte
// offset 253 ... the model has [3, 3, 32, 32]") instead of failing on a size.
// An inference-only library accepts any optimizer: it takes the parameters.
//
//===----------------------------------------------------------------------===//

#include "CheckedMath.h"
#include "CheckpointFormat.h"
#include "Internal.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

enum { kMaxShownName = 200 }; ///< longest stored name quoted in a message

/// A read position in the header bytes.
typedef struct Cursor {
  const char *path;
  const unsigned char *header;
  uint32_t size;
  uint32_t offset;
} Cursor;

/// Advances past `count` bytes and returns their start, or NULL (with the
/// error recorded) when they are not inside the header.
static const unsigned char *take(Cursor *cursor, uint32_t count,
                                 const char *what) {
  if (count > cursor->size - cursor->offset) {
    cnnrt_train_fail(cursor->path,
                     "%s at byte offset %u runs past the end of the header "
                     "(%u bytes)",
                     what, cursor->offset, cursor->size);
    return NULL;
  }
  const unsigned char *start = cursor->header + cursor->offset;
  cursor->offset += count;
  return start;
}

static int sameText(const unsigned char *stored, uint32_t length,
                    const char *text) {
  return strlen(text) == length && memcmp(stored, text, length) == 0;
}

static int shown(uint32_t length) {
  return length < kMaxShownName ? (int)length : kMaxShownName;
}

/// Compares a stored string field with the model's value (a NULL `expected`
/// accepts any).
static int matchText(Cursor *cursor, uint32_t length, const char *what,
                     const char *expected, const char *modelPath) {
  uint32_t offset = cursor->offset;
  const unsigned char *stored = take(cursor, length, what);
  if (!stored)
    return -1;
  if (!expected || sameText(stored, length, expected))
    return 0;
  return cnnrt_train_fail(cursor->path,
                          "%s '%.*s' at byte offset %u does not match '%s' "
                          "of %s",
                          what, shown(length), (const char *)stored, offset,
                          expected, modelPath);
}

/// "[3, 3, 32, 64]" for the first `rank` entries of `shape`.
static void formatShape(char *out, size_t capacity, const int64_t *shape,
                        uint32_t rank) {
  size_t used = (size_t)snprintf(out, capacity, "[");
  for (uint32_t d = 0; d < rank && used < capacity; ++d)
    used += (size_t)snprintf(out + used, capacity - used, d ? ", %lld" : "%lld",
                             (long long)shape[d]);
  if (used < capacity)
    snprintf(out + used, capacity - used, "]");
}

/// Compares table entry `index` with the model's tensor of that index.
static int matchTensor(Cursor *cursor, uint32_t index,
                       const cnnc_param_info *param, const char *modelPath) {
  uint32_t offset = cursor->offset;
  const unsigned char *entry =
      take(cursor, kCheckpointTensorEntrySize, "tensor table entry");
  if (!entry)
    return -1;
  uint32_t nameLength = cnnrt_get_u32(entry), rank = cnnrt_get_u32(entry + 4);
  const unsigned char *name = take(cursor, nameLength, "tensor name");
  if (!name)
    return -1;
  if (rank < 1 || rank > CNNC_MAX_PARAM_RANK)
    return cnnrt_train_fail(cursor->path,
                            "tensor %u at byte offset %u has rank %u, not "
                            "1..%d",
                            index, offset + 4, rank, CNNC_MAX_PARAM_RANK);
  int64_t shape[CNNC_MAX_PARAM_RANK];
  int same =
      sameText(name, nameLength, param->name) && (int32_t)rank == param->rank;
  for (uint32_t d = 0; d < rank; ++d) {
    shape[d] = (int64_t)cnnrt_get_u64(entry + 8 + 8 * d);
    same = same && shape[d] == param->shape[d];
  }
  if (same)
    return 0;
  char storedShape[128], modelShape[128];
  formatShape(storedShape, sizeof storedShape, shape, rank);
  formatShape(modelShape, sizeof modelShape, param->shape,
              (uint32_t)param->rank);
  return cnnrt_train_fail(cursor->path,
                          "tensor %u '%.*s' %s at byte offset %u does not "
                          "match tensor %u '%s' %s of %s",
                          index, shown(nameLength), (const char *)name,
                          storedShape, offset, index, param->name, modelShape,
                          modelPath);
}

static int64_t getI64(const unsigned char *header, int offset) {
  return (int64_t)cnnrt_get_u64(header + offset);
}

static double getF64(const unsigned char *bytes) {
  return cnnrt_get_f64(bytes);
}

/// Compares an i64 header field with the model's value.
static int matchSize(const char *path, const unsigned char *header, int offset,
                     const char *what, int64_t expected,
                     const char *modelPath) {
  int64_t stored = getI64(header, offset);
  if (stored == expected)
    return 0;
  return cnnrt_train_fail(
      path, "%s %lld at byte offset %d does not match %lld of %s", what,
      (long long)stored, offset, (long long)expected, modelPath);
}

/// Reads the training state and checks that its values are possible.
static int readState(const char *path, const unsigned char *header,
                     cnnrt_train_state *state) {
  *state = cnnrt_train_state_initial(cnnrt_get_u64(header + kOffsetSeed));
  state->step = getI64(header, kOffsetStep);
  state->epoch = getI64(header, kOffsetEpoch);
  state->batch = getI64(header, kOffsetBatch);
  state->batch_size = getI64(header, kOffsetBatchSize);
  state->train_examples = getI64(header, kOffsetTrainExamples);
  state->loss_sum = getF64(header + kOffsetLossSum);
  state->correct = getI64(header, kOffsetCorrect);
  state->seen = getI64(header, kOffsetSeen);
  state->lr_scale = getF64(header + kOffsetLrScale);
  state->plateau_best = getF64(header + kOffsetPlateauBest);
  state->plateau_wait = getI64(header, kOffsetPlateauWait);
  state->plateau_cooldown = getI64(header, kOffsetPlateauCooldown);
  state->stop_best = getF64(header + kOffsetStopBest);
  state->stop_wait = getI64(header, kOffsetStopWait);
  state->best_epoch = getI64(header, kOffsetBestEpoch);
  state->save_best = getF64(header + kOffsetSaveBest);
  state->stopped = getI64(header, kOffsetStopped);
  const char *problem = NULL;
  int offset = 0;
  // Every counter within what a run can reach: each step trains one batch
  // of at least one image, so the partial epoch's batches are at most the
  // steps, its images at least its batches and at most batches x batch size.
  int64_t most;
  if (state->step < 0 || state->step > CNNRT_MAX_STEPS)
    problem = "step", offset = kOffsetStep;
  else if (state->epoch < 0 || state->epoch > UINT32_MAX ||
           state->epoch > state->step)
    problem = "epoch", offset = kOffsetEpoch;
  else if (state->batch < 0 || state->batch > state->step)
    problem = "batch", offset = kOffsetBatch;
  else if (state->batch_size < 0 || (state->step > 0 && state->batch_size == 0))
    problem = "batch size", offset = kOffsetBatchSize;
  else if (state->train_examples < 0 ||
           (state->step > 0 && state->train_examples == 0))
    problem = "training set size", offset = kOffsetTrainExamples;
  else if (state->seen < state->batch ||
           cnnc_mul_overflows(state->batch, state->batch_size, &most) ||
           state->seen > most || state->seen > state->train_examples)
    problem = "images seen", offset = kOffsetSeen;
  else if (state->correct < 0 || state->correct > state->seen)
    problem = "correct count", offset = kOffsetCorrect;
  else if (state->loss_sum < 0.0) // losses are >= 0 (NaN: a diverged run)
    problem = "loss sum", offset = kOffsetLossSum;
  else if (!(state->lr_scale > 0.0 && state->lr_scale <= 1.0))
    problem = "learning-rate factor", offset = kOffsetLrScale;
  else if (state->plateau_wait < 0 || state->plateau_wait > state->epoch)
    problem = "plateau wait", offset = kOffsetPlateauWait;
  else if (state->plateau_cooldown < 0 ||
           state->plateau_cooldown > CNNRT_MAX_STEPS)
    problem = "plateau cooldown", offset = kOffsetPlateauCooldown;
  else if (state->stop_wait < 0 || state->stop_wait > state->epoch)
    problem = "early-stopping wait", offset = kOffsetStopWait;
  else if (state->best_epoch < 0 || state->best_epoch > state->epoch)
    problem = "best epoch", offset = kOffsetBestEpoch;
  else if (state->stopped != 0 && state->stopped != 1)
    problem = "stopped flag", offset = kOffsetStopped;
  if (!problem)
    return 0;
  if (offset == kOffsetLossSum || offset == kOffsetLrScale)
    return cnnrt_train_fail(path, "impossible %s %g at byte offset %d", problem,
                            getF64(header + offset), offset);
  return cnnrt_train_fail(path, "impossible %s %lld at byte offset %d", problem,
                          (long long)getI64(header, offset), offset);
}

static int readHistory(Cursor *cursor, uint32_t count, int64_t epochs,
                       cnnrt_history *history) {
  if (count > epochs)
    return cnnrt_train_fail(cursor->path,
                            "history of %u epochs at byte offset %d, but "
                            "only %lld epochs completed",
                            count, kOffsetHistoryCount, (long long)epochs);
  if (history)
    cnnrt_history_clear(history);
  for (uint32_t i = 0; i < count; ++i) {
    const unsigned char *bytes =
        take(cursor, kCheckpointHistoryRecordSize, "history record");
    if (!bytes)
      return -1;
    cnnrt_epoch_record record = {getF64(bytes), getF64(bytes + 8),
                                 getF64(bytes + 16), getF64(bytes + 24),
                                 getF64(bytes + 32)};
    if (history && cnnrt_history_append(history, &record))
      return -1;
  }
  return 0;
}

/// Reads `count` class names (each u32 length + bytes) into extras.
static int readClassNames(Cursor *cursor, uint32_t count,
                          const cnnc_model_desc *desc,
                          cnnrt_checkpoint_extras *extras) {
  if (count > desc->num_classes)
    return cnnrt_train_fail(cursor->path,
                            "%u class names at byte offset %d, but the model "
                            "has %lld classes",
                            count, kOffsetClassCount,
                            (long long)desc->num_classes);
  char **names = count ? calloc(count, sizeof *names) : NULL;
  if (count && !names)
    return cnnrt_train_fail(cursor->path, "out of memory");
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t offset = cursor->offset;
    const unsigned char *length = take(cursor, 4, "class name length");
    uint32_t bytes = length ? cnnrt_get_u32(length) : 0;
    const unsigned char *name =
        length ? take(cursor, bytes, "class name") : NULL;
    int bad = name && (bytes == 0 || bytes > kCheckpointMaxClassNameBytes);
    for (uint32_t k = 0; name && k < bytes && !bad; ++k)
      bad = name[k] < 0x20 || name[k] == 0x7f;
    if (name && !bad && (names[i] = malloc(bytes + 1))) {
      memcpy(names[i], name, bytes);
      names[i][bytes] = '\0';
      continue;
    }
    cnnrt_class_names_free(names, count);
    if (!name)
      return -1;
    return bad ? cnnrt_train_fail(cursor->path,
                                  "class name %u at byte offset %u is empty, "
                                  "longer than %d bytes or has control "
                                  "characters",
                                  i, offset, kCheckpointMaxClassNameBytes)
               : cnnrt_train_fail(cursor->path, "out of memory");
  }
  extras->class_names = names;
  extras->num_class_names = count;
  return 0;
}

int cnnrt_checkpoint_match(const char *path, const unsigned char *header,
                           uint32_t headerSize, const cnnrt_model *model,
                           cnnrt_train_state *state, cnnrt_history *history,
                           cnnrt_checkpoint_extras *extras) {
  const cnnc_model_desc *desc = cnnrt_model_desc(model);
  const char *modelPath = cnnrt_model_path(model);
  // An inference-only library takes the parameters of any optimizer's run.
  int inference = !cnnrt_model_has_training(model);
  Cursor cursor = {path, header, headerSize, kCheckpointFixedSize};
  uint32_t abi = cnnrt_get_u32(header + kOffsetAbiVersion);
  if (abi != desc->abi_version)
    return cnnrt_train_fail(path,
                            "ABI version %u at byte offset %d does not match "
                            "%u of %s",
                            abi, kOffsetAbiVersion, desc->abi_version,
                            modelPath);
  if (matchText(&cursor, cnnrt_get_u32(header + kOffsetNameLength),
                "model name", desc->name, modelPath) ||
      matchText(&cursor, cnnrt_get_u32(header + kOffsetOptimizerLength),
                "optimizer", inference ? NULL : desc->optimizer, modelPath))
    return -1;
  uint32_t tensors = cnnrt_get_u32(header + kOffsetNumTensors);
  if (tensors != desc->num_params)
    return cnnrt_train_fail(
        path, "%u tensors at byte offset %d, but %s has %lld", tensors,
        kOffsetNumTensors, modelPath, (long long)desc->num_params);
  for (uint32_t i = 0; i < tensors; ++i)
    if (matchTensor(&cursor, i, &desc->params[i], modelPath))
      return -1;
  if (matchSize(path, header, kOffsetParamElements, "param_elements",
                desc->param_elements, modelPath) ||
      (!inference &&
       matchSize(path, header, kOffsetOptStateElements, "opt_state_elements",
                 desc->opt_state_elements, modelPath)) ||
      readState(path, header, state) ||
      readHistory(&cursor, cnnrt_get_u32(header + kOffsetHistoryCount),
                  state->epoch, history) ||
      readClassNames(&cursor, cnnrt_get_u32(header + kOffsetClassCount), desc,
                     extras))
    return -1;
  extras->has_best_params =
      (cnnrt_get_u32(header + kOffsetFlags) & kCheckpointFlagBestParams) != 0;
  if (extras->has_best_params && state->best_epoch == 0)
    return cnnrt_train_fail(path,
                            "best parameters (flags at byte offset %d) "
                            "without a best epoch (byte offset %d)",
                            kOffsetFlags, kOffsetBestEpoch);
  if (cursor.offset != headerSize)
    return cnnrt_train_fail(path,
                            "%u unexpected bytes at byte offset %u before the "
                            "parameters",
                            headerSize - cursor.offset, cursor.offset);
  return 0;
}
