//===- RunModel.c - load a generated library and run one batch ------------===//
//
// The harness of scripts/fuzz-models.py: loads a library written by cnnc
// through libcnnrt (which validates its descriptor), initializes it and runs
// predict, one train step and evaluate on a small batch of random images.
// Exits 0 when everything ran or was refused with a message, so only a
// crash (a signal) or a hang counts as a finding.
//
//===----------------------------------------------------------------------===//

#include "cnnc/Runtime/cnnrt.h"

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s MODEL.so\n", argv[0]);
    return 2;
  }
  cnnrt_model *model = cnnrt_load(argv[1]);
  if (!model) {
    printf("refused: %s\n", cnnrt_last_error());
    return 0;
  }
  const cnnc_model_desc *desc = cnnrt_model_desc(model);
  const int64_t batch = 3;
  int64_t pixels = cnnrt_model_image_elements(model);
  float *images = malloc(sizeof(float) * (size_t)(batch * pixels));
  float *logits = malloc(sizeof(float) * (size_t)(batch * desc->num_classes));
  int32_t labels[3] = {0, (int32_t)(desc->num_classes - 1), 0};
  cnnrt_instance *instance = images && logits
                                 ? cnnrt_instance_create(model, 1)
                                 : NULL;
  if (instance) {
    for (int64_t i = 0; i < batch * pixels; ++i)
      images[i] = (float)((i * 7919) % 255) / 255.0f;
    float loss = 0.0f;
    int64_t correct = 0;
    if (cnnrt_predict(instance, images, batch, logits) ||
        (cnnrt_model_has_training(model) &&
         (cnnrt_train_step(instance, images, labels, batch, 1e-3f, &loss,
                           &correct) ||
          cnnrt_evaluate(instance, images, labels, batch, &loss, &correct))))
      printf("refused: %s\n", cnnrt_last_error());
    else
      printf("ran: loss %g\n", (double)loss);
  } else {
    printf("refused: %s\n", cnnrt_last_error());
  }
  cnnrt_instance_destroy(instance);
  free(images);
  free(logits);
  cnnrt_unload(model);
  return 0;
}
