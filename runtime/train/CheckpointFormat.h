//===- CheckpointFormat.h - byte layout of checkpoint files -------*- C -*-===//
//
// The layout documented in docs/checkpoint.md, as constants shared by the
// writer and the reader. All integers and floats are little-endian.
//
//   fixed header (208 bytes), model name, optimizer name,
//   tensor table (per tensor: u32 name length, u32 rank, i64 shape[4], name),
//   history (per completed epoch: f64 loss, accuracy, val_loss, val_accuracy,
//   learning_rate), class names (per name: u32 length, bytes),
//   float32 parameters, float32 optimizer state, optionally float32 best
//   parameters (EarlyStopping's restore_best_weights), u32 CRC32 of all
//   before it.
//
//===----------------------------------------------------------------------===//

#ifndef CNNC_RUNTIME_TRAIN_CHECKPOINTFORMAT_H
#define CNNC_RUNTIME_TRAIN_CHECKPOINTFORMAT_H

#include "Internal.h"

#include <stdint.h>
#include <string.h>

/// The 8 bytes every checkpoint starts with.
#define CNNRT_CHECKPOINT_MAGIC "CNNCCKPT"

enum {
  kCheckpointVersion = 2,
  kCheckpointFixedSize = 208,
  kCheckpointTensorEntrySize = 40, ///< without the name bytes
  kCheckpointHistoryRecordSize = 40,
  kCheckpointCrcSize = 4,
  kCheckpointMaxClassNameBytes = 255,
  kCheckpointFlagBestParams = 1, ///< best parameters follow the state
};

/// Byte offsets of the fixed header's fields.
enum {
  kOffsetMagic = 0,             ///< char[8]
  kOffsetVersion = 8,           ///< u32 format version
  kOffsetHeaderSize = 12,       ///< u32 bytes before the parameters
  kOffsetAbiVersion = 16,       ///< u32 CNNC_ABI_VERSION of the model
  kOffsetNameLength = 20,       ///< u32
  kOffsetOptimizerLength = 24,  ///< u32
  kOffsetNumTensors = 28,       ///< u32
  kOffsetParamElements = 32,    ///< i64
  kOffsetOptStateElements = 40, ///< i64
  kOffsetStep = 48,             ///< i64 optimizer steps taken
  kOffsetEpoch = 56,            ///< i64 epochs completed
  kOffsetBatch = 64,            ///< i64 batches completed in the epoch
  kOffsetSeed = 72,             ///< u64 init/shuffle seed (the RNG state)
  kOffsetBatchSize = 80,        ///< i64
  kOffsetTrainExamples = 88,    ///< i64
  kOffsetLossSum = 96,          ///< f64 partial epoch: sum of loss * size
  kOffsetCorrect = 104,         ///< i64 partial epoch
  kOffsetSeen = 112,            ///< i64 partial epoch
  kOffsetHistoryCount = 120,    ///< u32
  kOffsetClassCount = 124,      ///< u32 class names
  kOffsetLrScale = 128,         ///< f64 ReduceLROnPlateau's factor so far
  kOffsetPlateauBest = 136,     ///< f64
  kOffsetPlateauWait = 144,     ///< i64
  kOffsetPlateauCooldown = 152, ///< i64
  kOffsetStopBest = 160,        ///< f64 EarlyStopping
  kOffsetStopWait = 168,        ///< i64
  kOffsetBestEpoch = 176,       ///< i64
  kOffsetSaveBest = 184,        ///< f64 best-only checkpoint
  kOffsetStopped = 192,         ///< i64 0 or 1
  kOffsetFlags = 200,           ///< u32 kCheckpointFlag*
  kOffsetReserved = 204,        ///< u32, 0
};

/// Parses the `header_size` header bytes of the checkpoint `path` (whose
/// size, magic, version and CRC were already checked) and compares them with
/// `model`: ABI version, model name, optimizer, every tensor's name and shape,
/// buffer sizes (optimizer and its state only for models with training). Fills
/// `state` and, when not NULL, `history` (which it clears first). Messages name
/// the byte offset of the offending field.
int cnnrt_checkpoint_match(const char *path, const unsigned char *header,
                           uint32_t header_size, const cnnrt_model *model,
                           cnnrt_train_state *state, cnnrt_history *history,
                           cnnrt_checkpoint_extras *extras);

/// The little-endian double at `bytes`.
static inline double cnnrt_get_f64(const unsigned char *bytes) {
  uint64_t bits = cnnrt_get_u64(bytes);
  double value;
  memcpy(&value, &bits, sizeof value);
  return value;
}

static inline void cnnrt_put_f64(unsigned char *out, double value) {
  uint64_t bits;
  memcpy(&bits, &value, sizeof bits);
  cnnrt_put_u64(out, bits);
}

#endif // CNNC_RUNTIME_TRAIN_CHECKPOINTFORMAT_H
