//===- Pipeline.c - a producer thread for the training batches ------------===//
//
// While the model trains on batch i, a producer thread gathers and augments
// batch i + 1 into the other of two buffers, so the input pipeline costs
// no step time as long as it is faster than a step. Batch i always goes to
// buffer i % 2; the producer waits while that buffer is still held by the
// consumer or not yet taken. Restarting an epoch waits for a gather in
// flight and discards what was produced for the old one. The consumer never
// waits: when the batch it asks for is not ready (the producer was not
// scheduled, or was preempted in the middle of it, on a busy machine) it
// makes the batch itself in a third buffer, and the producer skips or
// discards that batch. The batches are exactly those cnnrt_batches_next
// would return: the thread changes only when they are made. Without a
// thread (pthread_create failed) every batch is made that way.
//
//===----------------------------------------------------------------------===//

#include "Internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct cnnrt_pipeline {
  cnnrt_batches *batches;
  pthread_t thread;
  int threaded;
  pthread_mutex_t lock;
  pthread_cond_t changed;
  float *images[3]; ///< 0, 1: the producer's; 2: the consumer's own
  int32_t *labels[3];
  cnnrt_batch made[2];
  int ready[2];      ///< buffer holds a batch not taken yet
  int held;          ///< buffer the consumer holds, or -1
  int64_t abandoned; ///< batch the consumer made itself while the producer
                     ///< was making it (-1: none)
  int busy;          ///< the producer is gathering (unlocked)
  int active;        ///< an epoch is being produced
  int quit;
  int64_t produce;     ///< next batch to make
  int64_t consume;     ///< next batch to hand out
  int64_t end;         ///< batches of the epoch
  uint64_t generation; ///< incremented by every start
};

static void *produce(void *argument) {
  cnnrt_pipeline *p = argument;
  pthread_mutex_lock(&p->lock);
  while (!p->quit) {
    int slot = (int)(p->produce % 2);
    if (!p->active || p->produce >= p->end || p->ready[slot] ||
        p->held == slot) {
      pthread_cond_wait(&p->changed, &p->lock);
      continue;
    }
    int64_t index = p->produce;
    uint64_t generation = p->generation;
    p->busy = 1;
    pthread_mutex_unlock(&p->lock);
    cnnrt_batch batch;
    cnnrt_batches_gather(p->batches, index, p->images[slot], p->labels[slot],
                         &batch);
    pthread_mutex_lock(&p->lock);
    p->busy = 0;
    if (generation == p->generation) {
      if (p->abandoned == index) {
        p->abandoned = -1; // the consumer made it meanwhile
      } else {
        p->made[slot] = batch;
        p->ready[slot] = 1;
      }
      ++p->produce;
    }
    pthread_cond_broadcast(&p->changed);
  }
  pthread_mutex_unlock(&p->lock);
  return NULL;
}

cnnrt_pipeline *cnnrt_pipeline_create(cnnrt_batches *batches) {
  cnnrt_pipeline *p = calloc(1, sizeof *p);
  size_t imageBytes = 0, labelBytes = 0;
  if (p) {
    cnnrt_batches_buffer_bytes(batches, &imageBytes, &labelBytes);
    for (int i = 0; i < 3; ++i) {
      p->images[i] = malloc(imageBytes);
      p->labels[i] = malloc(labelBytes);
    }
  }
  if (!p || !p->images[0] || !p->images[1] || !p->images[2] || !p->labels[0] ||
      !p->labels[1] || !p->labels[2]) {
    cnnrt_pipeline_destroy(p);
    cnnrt_train_fail("training data", "out of memory for the batch buffers");
    return NULL;
  }
  p->batches = batches;
  p->held = -1;
  p->abandoned = -1;
  pthread_mutex_init(&p->lock, NULL);
  pthread_cond_init(&p->changed, NULL);
  p->threaded = pthread_create(&p->thread, NULL, produce, p) == 0;
  return p;
}

void cnnrt_pipeline_destroy(cnnrt_pipeline *p) {
  if (!p)
    return;
  if (p->threaded) {
    pthread_mutex_lock(&p->lock);
    p->quit = 1;
    pthread_cond_broadcast(&p->changed);
    pthread_mutex_unlock(&p->lock);
    pthread_join(p->thread, NULL);
  }
  if (p->batches) {
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->changed);
  }
  for (int i = 0; i < 3; ++i) {
    free(p->images[i]);
    free(p->labels[i]);
  }
  free(p);
}

int cnnrt_pipeline_start(cnnrt_pipeline *p, uint64_t epoch, int64_t firstBatch,
                         int64_t steps) {
  pthread_mutex_lock(&p->lock);
  ++p->generation;
  p->active = 0;
  while (p->busy) // the gather in flight reads the order being replaced
    pthread_cond_wait(&p->changed, &p->lock);
  int failed = cnnrt_batches_start(p->batches, epoch, firstBatch);
  p->produce = p->consume = firstBatch;
  p->end = steps;
  p->ready[0] = p->ready[1] = 0;
  p->held = -1;
  p->abandoned = -1;
  p->active = !failed;
  pthread_cond_broadcast(&p->changed);
  pthread_mutex_unlock(&p->lock);
  return failed;
}

int cnnrt_pipeline_next(cnnrt_pipeline *p, cnnrt_batch *batch) {
  pthread_mutex_lock(&p->lock);
  p->held = -1; // the consumer is done with the previous batch
  pthread_cond_broadcast(&p->changed);
  if (p->consume >= p->end) {
    pthread_mutex_unlock(&p->lock);
    return 0;
  }
  int slot = (int)(p->consume % 2);
  int64_t index = p->consume++;
  if (p->ready[slot]) {
    *batch = p->made[slot];
    p->ready[slot] = 0;
    p->held = slot;
    pthread_cond_broadcast(&p->changed);
    pthread_mutex_unlock(&p->lock);
    return 1;
  }
  // Not ready: make it here. A producer in the middle of it discards its
  // copy; one that has not started skips it.
  if (p->busy && p->produce == index)
    p->abandoned = index;
  else
    ++p->produce;
  pthread_cond_broadcast(&p->changed);
  pthread_mutex_unlock(&p->lock);
  cnnrt_batches_gather(p->batches, index, p->images[2], p->labels[2], batch);
  return 1;
}
