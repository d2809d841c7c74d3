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
                          const cnnrt_history *history) {
  int64_t total = kCheckpointFixedSize, recordBytes;
  int failed = addHeaderBytes(&total, (int64_t)strlen(desc->name)) ||
               addHeaderBytes(&total, (int64_t)strlen(desc->optimizer));
  for (int64_t i = 0; i < desc->num_params && !failed; ++i)
    failed = addHeaderBytes(&total, kCheckpointTensorEntrySize) ||
             addHeaderBytes(&total, (int64_t)strlen(desc->params[i].name));
  int64_t records = history ? history->count : 0;
  if (failed || records > UINT32_MAX ||
      cnnc_mul_overflows(records, kCheckpointHistoryRecordSize, &recordBytes) ||
      addHeaderBytes(&total, recordBytes))
    return -1;
  return total;
}

static void putF64(unsigned char *out, double value) {
  uint64_t bits;
  memcpy(&bits, &value, sizeof bits);
  cnnrt_put_u64(out, bits);
}

static unsigned char *putBytes(unsigned char *out, const char *text) {
  size_t length = strlen(text);
  memcpy(out, text, length);
  return out + length;
}

/// Fills the fixed header (everything but the header size is known here).
static void putFixed(unsigned char *out, const cnnc_model_desc *desc,
                     const cnnrt_train_state *state, uint32_t size,
                     uint32_t records) {
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
  putF64(out + kOffsetLossSum, state->loss_sum);
  cnnrt_put_u64(out + kOffsetCorrect, (uint64_t)state->correct);
  cnnrt_put_u64(out + kOffsetSeen, (uint64_t)state->seen);
  cnnrt_put_u32(out + kOffsetHistoryCount, records);
  cnnrt_put_u32(out + kOffsetReserved, 0);
}

static unsigned char *buildHeader(const cnnc_model_desc *desc,
                                  const cnnrt_train_state *state,
                                  const cnnrt_history *history, size_t size) {
  unsigned char *header = calloc(1, size);
  if (!header)
    return NULL;
  uint32_t records = history ? (uint32_t)history->count : 0;
  putFixed(header, desc, state, (uint32_t)size, records);
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
    putF64(out, record->loss);
    putF64(out + 8, record->accuracy);
    putF64(out + 16, record->val_loss);
    putF64(out + 24, record->val_accuracy);
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

int cnnrt_checkpoint_save(const char *path, cnnrt_instance *instance,
                          const cnnrt_train_state *state,
                          const cnnrt_history *history) {
  if (!path || !instance || !state)
    return cnnrt_train_fail(path ? path : "cnnrt_checkpoint_save",
                            "NULL argument");
  const cnnc_model_desc *desc =
      cnnrt_model_desc(cnnrt_instance_model(instance));
  int64_t size = headerSize(desc, history);
  if (size < 0)
    return cnnrt_train_fail(path, "the checkpoint header would exceed 4 GiB");
  unsigned char *header = buildHeader(desc, state, history, (size_t)size);
  if (!header)
    return cnnrt_train_fail(path, "out of memory");
  cnnrt_atomic_file file;
  int failed = cnnrt_atomic_open(&file, path);
  if (!failed)
    failed = cnnrt_atomic_write(&file, header, (size_t)size) ||
             writeFloats(&file, cnnrt_instance_params(instance),
                         desc->param_elements) ||
             writeFloats(&file, cnnrt_instance_opt_state(instance),
                         desc->opt_state_elements);
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
