//===- CheckpointWrite.c - save parameters, optimizer state and progress --===//
//
// Serializes an instance and its training state in the format of
// docs/checkpoint.md. The header is built in memory (its size is known from
// the model), the float buffers are streamed in 64 KiB little-endian chunks,
// and the CRC32 of everything written so far closes the file. The file is
// replaced atomically (AtomicFile.c).
//
//===----------------------------------------------------------------------===//

#include "CheckpointFormat.h"
#include "Internal.h"

#include "CheckedMath.h"

#include <stdlib.h>
#include <string.h>

/// Adds `amount` to *total; fails past UINT32_MAX (the header size field).
static int addHeaderBytes(int64_t *total, int64_t amount) {
  return cnnc_add_overflows(*total, amount, total) || *total > UINT32_MAX;
}

static int64_t headerSize(const cnnc_model_desc *desc,
                          const cnnrt_history *history,
                          const cnnrt_checkpoint_extras *extras) {
  int64_t total = kCheckpointFixedSize, recordBytes;
  int failed = addHeaderBytes(&total, (int64_t)strlen(desc->name)) ||
               addHeaderBytes(&total, (int64_t)strlen(desc->optimizer));
  for (int64_t i = 0; i < desc->num_params && !failed; ++i)
    failed = addHeaderBytes(&total, kCheckpointTensorEntrySize) ||
             addHeaderBytes(&total, (int64_t)strlen(desc->params[i].name));
  int64_t names = extras && extras->class_names ? extras->num_class_names : 0;
  for (int64_t i = 0; i < names && !failed; ++i)
    failed = addHeaderBytes(&total, 4) ||
             addHeaderBytes(&total, (int64_t)strlen(extras->class_names[i]));
  int64_t records = history ? history->count : 0;
  if (failed || records > UINT32_MAX ||
      cnnc_mul_overflows(records, kCheckpointHistoryRecordSize, &recordBytes) ||
      addHeaderBytes(&total, recordBytes))
    return -1;
  return total;
}

static unsigned char *putBytes(unsigned char *out, const char *text) {
  size_t length = strlen(text);
  memcpy(out, text, length);
  return out + length;
}

/// Fills the fixed header (everything but the header size is known here).
static void putFixed(unsigned char *out, const cnnc_model_desc *desc,
                     const cnnrt_train_state *state, uint32_t size,
                     uint32_t records, uint32_t names, uint32_t flags) {
  memcpy(out + kOffsetMagic, CNNRT_CHECKPOINT_MAGIC, 8);
  cnnrt_put_u32(out + kOffsetVersion, kCheckpointVersion);
  cnnrt_put_u32(out + kOffsetHeaderSize, size);
  cnnrt_put_u32(out + kOffsetAbiVersion, desc->abi_version);
  cnnrt_put_u32(out + kOffsetNameLength, (uint32_t)strlen(desc->name));
  cnnrt_put_u32(out + kOffsetOptimizerLength,
                (uint32_t)strlen(desc->optimizer));
  cnnrt_put_u32(out + kOffsetNumTensors, (uint32_t)desc->num_params);
  cnnrt_put_u64(out + kOffsetParamElements, (uint64_t)desc->param_elements);
  cnnrt_put_u64(out + kOffsetOptStateElements,
                (uint64_t)desc->opt_state_elements);
  cnnrt_put_u64(out + kOffsetStep, (uint64_t)state->step);
  cnnrt_put_u64(out + kOffsetEpoch, (uint64_t)state->epoch);
  cnnrt_put_u64(out + kOffsetBatch, (uint64_t)state->batch);
  cnnrt_put_u64(out + kOffsetSeed, state->seed);
  cnnrt_put_u64(out + kOffsetBatchSize, (uint64_t)state->batch_size);
  cnnrt_put_u64(out + kOffsetTrainExamples, (uint64_t)state->train_examples);
  cnnrt_put_f64(out + kOffsetLossSum, state->loss_sum);
  cnnrt_put_u64(out + kOffsetCorrect, (uint64_t)state->correct);
  cnnrt_put_u64(out + kOffsetSeen, (uint64_t)state->seen);
  cnnrt_put_u32(out + kOffsetHistoryCount, records);
  cnnrt_put_u32(out + kOffsetClassCount, names);
  cnnrt_put_f64(out + kOffsetLrScale, state->lr_scale);
  cnnrt_put_f64(out + kOffsetPlateauBest, state->plateau_best);
  cnnrt_put_u64(out + kOffsetPlateauWait, (uint64_t)state->plateau_wait);
  cnnrt_put_u64(out + kOffsetPlateauCooldown,
                (uint64_t)state->plateau_cooldown);
  cnnrt_put_f64(out + kOffsetStopBest, state->stop_best);
  cnnrt_put_u64(out + kOffsetStopWait, (uint64_t)state->stop_wait);
  cnnrt_put_u64(out + kOffsetBestEpoch, (uint64_t)state->best_epoch);
  cnnrt_put_f64(out + kOffsetSaveBest, state->save_best);
  cnnrt_put_u64(out + kOffsetStopped, (uint64_t)state->stopped);
  cnnrt_put_u32(out + kOffsetFlags, flags);
  cnnrt_put_u32(out + kOffsetReserved, 0);
}

static unsigned char *buildHeader(const cnnc_model_desc *desc,
                                  const cnnrt_train_state *state,
                                  const cnnrt_history *history,
                                  const cnnrt_checkpoint_extras *extras,
                                  size_t size) {
  unsigned char *header = calloc(1, size);
  if (!header)
    return NULL;
  uint32_t records = history ? (uint32_t)history->count : 0;
  uint32_t names =
      extras && extras->class_names ? (uint32_t)extras->num_class_names : 0;
  uint32_t flags =
      extras && extras->best_params ? kCheckpointFlagBestParams : 0;
  putFixed(header, desc, state, (uint32_t)size, records, names, flags);
  unsigned char *out = putBytes(header + kCheckpointFixedSize, desc->name);
  out = putBytes(out, desc->optimizer);
  for (int64_t i = 0; i < desc->num_params; ++i) {
    const cnnc_param_info *param = &desc->params[i];
    cnnrt_put_u32(out, (uint32_t)strlen(param->name));
    cnnrt_put_u32(out + 4, (uint32_t)param->rank);
    for (int d = 0; d < CNNC_MAX_PARAM_RANK; ++d)
      cnnrt_put_u64(out + 8 + 8 * d,
                    d < param->rank ? (uint64_t)param->shape[d] : 0);
    out = putBytes(out + kCheckpointTensorEntrySize, param->name);
  }
  for (uint32_t i = 0; i < records; ++i, out += kCheckpointHistoryRecordSize) {
    const cnnrt_epoch_record *record = &history->records[i];
    cnnrt_put_f64(out, record->loss);
    cnnrt_put_f64(out + 8, record->accuracy);
    cnnrt_put_f64(out + 16, record->val_loss);
    cnnrt_put_f64(out + 24, record->val_accuracy);
    cnnrt_put_f64(out + 32, record->learning_rate);
  }
  for (uint32_t i = 0; i < names; ++i) {
    cnnrt_put_u32(out, (uint32_t)strlen(extras->class_names[i]));
    out = putBytes(out + 4, extras->class_names[i]);
  }
  return header;
}

/// Streams `count` floats as little-endian bytes.
static int writeFloats(cnnrt_atomic_file *file, const float *values,
                       int64_t count) {
  enum { kChunk = 16384 };
  unsigned char bytes[4 * kChunk];
  for (int64_t done = 0; done < count;) {
    int64_t chunk = count - done < kChunk ? count - done : kChunk;
    for (int64_t i = 0; i < chunk; ++i) {
      uint32_t bits;
      memcpy(&bits, &values[done + i], sizeof bits);
      cnnrt_put_u32(bytes + 4 * i, bits);
    }
    if (cnnrt_atomic_write(file, bytes, (size_t)(4 * chunk)))
      return -1;
    done += chunk;
  }
  return 0;
}

/// Class names the format can hold: at most 255 bytes, no control
/// characters, at most the model's classes.
static int checkNames(const char *path, const cnnc_model_desc *desc,
                      const cnnrt_checkpoint_extras *extras) {
  if (!extras || !extras->class_names)
    return 0;
  if (extras->num_class_names < 0 ||
      extras->num_class_names > desc->num_classes)
    return cnnrt_train_fail(path,
                            "%lld class names for a model of %lld "
                            "classes",
                            (long long)extras->num_class_names,
                            (long long)desc->num_classes);
  for (int64_t i = 0; i < extras->num_class_names; ++i) {
    const char *name = extras->class_names[i];
    size_t length = strlen(name);
    int bad = length == 0 || length > kCheckpointMaxClassNameBytes;
    for (size_t k = 0; k < length && !bad; ++k)
      bad = (unsigned char)name[k] < 0x20 || name[k] == 0x7f;
    if (bad)
      return cnnrt_train_fail(path,
                              "class name %lld is empty, longer than %d "
                              "bytes or has control characters",
                              (long long)i, kCheckpointMaxClassNameBytes);
  }
  return 0;
}

int cnnrt_checkpoint_save(const char *path, cnnrt_instance *instance,
                          const cnnrt_train_state *state,
                          const cnnrt_history *history) {
  return cnnrt_checkpoint_save_extras(path, instance, state, history, NULL);
}

int cnnrt_checkpoint_save_extras(const char *path, cnnrt_instance *instance,
                                 const cnnrt_train_state *state,
                                 const cnnrt_history *history,
                                 const cnnrt_checkpoint_extras *extras) {
  if (!path || !instance || !state)
    return cnnrt_train_fail(path ? path : "cnnrt_checkpoint_save",
                            "NULL argument");
  const cnnc_model_desc *desc =
      cnnrt_model_desc(cnnrt_instance_model(instance));
  if (checkNames(path, desc, extras))
    return -1;
  int64_t size = headerSize(desc, history, extras);
  if (size < 0)
    return cnnrt_train_fail(path, "the checkpoint header would exceed 4 GiB");
  unsigned char *header =
      buildHeader(desc, state, history, extras, (size_t)size);
  if (!header)
    return cnnrt_train_fail(path, "out of memory");
  cnnrt_atomic_file file;
  int failed = cnnrt_atomic_open(&file, path);
  if (!failed)
    failed = cnnrt_atomic_write(&file, header, (size_t)size) ||
             writeFloats(&file, cnnrt_instance_params(instance),
                         desc->param_elements) ||
             writeFloats(&file, cnnrt_instance_opt_state(instance),
                         desc->opt_state_elements) ||
             (extras && extras->best_params &&
              writeFloats(&file, extras->best_params, desc->param_elements));
  free(header);
  if (failed)
    return -1; // the failing call aborted the file
  unsigned char crc[kCheckpointCrcSize];
  cnnrt_put_u32(crc, file.crc);
  if (fwrite(crc, 1, sizeof crc, file.file) != sizeof crc) {
    cnnrt_atomic_abort(&file);
    return cnnrt_train_fail(path, "write failed");
  }
  return cnnrt_atomic_commit(&file);
}
