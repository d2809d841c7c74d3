//===- ToolFit.c - the fit command of cnnc-train --------------------------===//
//
// Loads model and data, splits off validation data, resumes from a
// checkpoint when asked, trains with the Keras-style console output and
// finishes with the test-set evaluation, timing and plots. Ctrl-C stops
// after the current batch and saves a mid-epoch checkpoint (when
// --checkpoint was given) that --resume continues exactly. Under mpirun,
// rank 0 reads the checkpoint and gives its run to the others, every rank
// checks that all run the same model on the same data, and rank 0 alone
// writes files.
//
//===----------------------------------------------------------------------===//

#include "Distributed.h"
#include "Internal.h"
#include "Tool.h"

#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/// The training and validation views of a fit.
static int splitData(const cnnrt_tool_options *options, cnnrt_session *session,
                     cnnrt_data_view *train, cnnrt_data_view *validation) {
  *train = cnnrt_data_view_first(&session->train, options->train_subset);
  *validation = cnnrt_data_view_first(&session->validation, -1);
  if (options->validation_test && !session->test.count)
    return cnnrt_train_fail("--validation-data", "test: no test data given");
  if (options->validation_test)
    *validation = session->test_view;
  if (options->validation_split > 0)
    return cnnrt_validation_split(*train, options->validation_split, train,
                                  validation);
  return 0;
}

/// Continues the run of options->resume: state, history, class names and
/// the best parameters of restore_best_weights.
static int resume(const cnnrt_tool_options *options, cnnrt_session *session) {
  cnnrt_checkpoint_extras extras = {session->best_params, 0, NULL, 0};
  if (cnnrt_checkpoint_load_extras(options->resume, session->instance,
                                   &session->state, &session->history, &extras))
    return -1;
  if (cnnrt_session_take_class_names(session, &extras))
    return -1;
  if (session->best_params && session->state.best_epoch > 0 &&
      !extras.has_best_params)
    return cnnrt_train_fail("--early-stopping",
                            "restore_best_weights: %s has no best parameters "
                            "(its run kept none); resume without "
                            "restore_best_weights",
                            options->resume);
  if (options->seed_given && options->seed != session->state.seed)
    return cnnrt_train_fail("--seed",
                            "%llu differs from seed %llu stored in %s; omit "
                            "--seed when resuming",
                            (unsigned long long)options->seed,
                            (unsigned long long)session->state.seed,
                            options->resume);
  printf("Resuming from %s: %lld epochs, %lld steps done\n", options->resume,
         (long long)session->state.epoch, (long long)session->state.step);
  return 0;
}

/// Set by SIGINT during training: stop after the current batch.
static volatile sig_atomic_t interrupted;

static void onInterrupt(int signal) {
  (void)signal;
  interrupted = 1;
}

/// Saves a mid-epoch checkpoint after Ctrl-C. Returns 2 (exit code 130).
static int saveInterrupted(const cnnrt_tool_options *options,
                           const cnnrt_fit_options *fitOptions,
                           cnnrt_session *session) {
  printf("Interrupted at epoch %lld, batch %lld",
         (long long)session->state.epoch + 1, (long long)session->state.batch);
  cnnrt_checkpoint_extras extras =
      cnnrt_fit_extras(fitOptions, &session->state);
  if (options->checkpoint &&
      cnnrt_checkpoint_save_extras(options->checkpoint, session->instance,
                                   &session->state, &session->history, &extras))
    return -1;
  if (options->checkpoint)
    printf(": saved %s (continue with --resume)\n", options->checkpoint);
  else
    printf(": nothing saved (no --checkpoint)\n");
  return 2;
}

/// Trains with SIGINT turned into a clean stop.
static int trainInterruptibly(const cnnrt_fit_options *fitOptions,
                              cnnrt_session *session, cnnrt_progress *progress,
                              cnnrt_fit_stats *stats) {
  struct sigaction action, previous;
  memset(&action, 0, sizeof action);
  action.sa_handler = onInterrupt;
  sigemptyset(&action.sa_mask);
  interrupted = 0;
  progress->stop = &interrupted;
  sigaction(SIGINT, &action, &previous);
  cnnrt_fit_callbacks callbacks = cnnrt_progress_callbacks(progress);
  int result = cnnrt_fit(session->instance, fitOptions, &session->state,
                         &session->history, &callbacks, stats);
  sigaction(SIGINT, &previous, NULL);
  return result;
}

/// Training, validation and test data. The resumed run's seed orders the
/// images of a training folder (class by class on disk) at random, as
/// Keras's image_dataset_from_directory does, so that a validation split
/// samples every class.
static int loadData(const cnnrt_tool_options *options, cnnrt_session *session,
                    cnnrt_data_view *train, cnnrt_data_view *validation) {
  if (cnnrt_session_load(options, session, CNNRT_SPLIT_TRAIN))
    return -1;
  if (strcmp(options->data, "folder") == 0 &&
      cnnrt_dataset_shuffle(&session->train, session->state.seed))
    return -1;
  return cnnrt_session_load(options, session, CNNRT_SPLIT_VALIDATION) ||
         cnnrt_session_load(options, session, CNNRT_SPLIT_TEST) ||
         splitData(options, session, train, validation);
}

/// A buffer for the best parameters when EarlyStopping restores them.
static int allocateBest(const cnnrt_tool_options *options,
                        cnnrt_session *session) {
  if (!options->early_stopping.enabled ||
      !options->early_stopping.restore_best_weights)
    return 0;
  int64_t elements = cnnrt_instance_param_elements(session->instance);
  session->best_params = malloc((size_t)elements * sizeof(float));
  return session->best_params
             ? 0
             : cnnrt_train_fail("--early-stopping", "out of memory");
}

/// The fit options of the command line.
static cnnrt_fit_options fitOptionsOf(const cnnrt_tool_options *options,
                                      const cnnrt_session *session,
                                      cnnrt_data_view train,
                                      cnnrt_data_view validation) {
  cnnrt_fit_options fit;
  memset(&fit, 0, sizeof fit);
  fit.epochs = options->epochs;
  fit.batch_size = options->batch;
  fit.learning_rate = (float)options->learning_rate;
  fit.max_steps = options->max_steps;
  fit.train = train;
  fit.validation = validation;
  fit.checkpoint = options->checkpoint;
  fit.history_file = options->history;
  fit.schedule = options->schedule;
  fit.plateau = options->plateau;
  fit.early_stopping = options->early_stopping;
  fit.best_checkpoint = options->save_best;
  fit.best_monitor = options->save_best_monitor;
  fit.best_params = session->best_params;
  fit.class_names = (const char *const *)session->class_names;
  fit.num_class_names = session->num_class_names;
  // Brightness and contrast clip to the range of 8-bit values after
  // --rescale: [0, 1] by default.
  fit.augmentation = options->augmentation;
  double scale = options->rescale > 0 ? options->rescale : 1.0 / 255.0;
  fit.augmentation.value_min = (float)options->rescale_offset;
  fit.augmentation.value_max = (float)(255.0 * scale + options->rescale_offset);
  fit.distributed = options->distributed;
  return fit;
}

/// Data-parallel ranks: every rank must have started (`failed` says how
/// this one did) with the same model; then rank 0's run (its parameters,
/// optimizer state and training state, read from --resume or fresh) is
/// every rank's.
static int shareRun(cnnrt_distributed *ranks, int failed,
                    cnnrt_session *session, cnnrt_fingerprint *fingerprint) {
  failed = failed || cnnrt_fingerprint_model(session->model, fingerprint);
  if (cnnrt_distributed_agree(ranks, failed, failed ? NULL : fingerprint))
    return -1;
  cnnrt_instance *instance = session->instance;
  float *params = cnnrt_instance_params(instance);
  float *optState = cnnrt_instance_opt_state(instance);
  size_t paramBytes =
      (size_t)cnnrt_instance_param_elements(instance) * sizeof(float);
  return cnnrt_distributed_broadcast(ranks, params, paramBytes,
                                     "the parameters") ||
         cnnrt_distributed_broadcast(
             ranks, optState,
             (size_t)cnnrt_instance_opt_state_elements(instance) *
                 sizeof(float),
             "the optimizer state") ||
         cnnrt_distributed_broadcast(ranks, &session->state,
                                     sizeof session->state,
                                     "the training state") ||
         (session->best_params &&
          cnnrt_distributed_broadcast(ranks, session->best_params, paramBytes,
                                      "the best parameters"));
}

/// Model, instance, the resumed run and the data: on every rank, checked
/// across the ranks under mpirun (then only rank 0 reads --resume and
/// probes the outputs).
static int prepare(const cnnrt_tool_options *options, cnnrt_session *session,
                   cnnrt_data_view *train, cnnrt_data_view *validation) {
  cnnrt_distributed *ranks = options->distributed;
  int lead = cnnrt_distributed_rank(ranks) == 0;
  int failed = (lead && cnnrt_session_probe_outputs(options)) ||
               (ranks && cnnrt_distributed_select_device(
                             ranks, strcmp(options->device, "cuda") == 0)) ||
               cnnrt_session_open(options, session, 0) ||
               allocateBest(options, session) ||
               (lead && options->resume && resume(options, session));
  cnnrt_fingerprint fingerprint;
  if (ranks ? shareRun(ranks, failed, session, &fingerprint) : failed)
    return -1;
  failed = loadData(options, session, train, validation);
  if (!ranks)
    return failed ? -1 : 0;
  cnnrt_fit_options fit = fitOptionsOf(options, session, *train, *validation);
  if (!failed)
    cnnrt_fingerprint_fit(&fit, &fingerprint);
  return cnnrt_distributed_agree(ranks, failed, failed ? NULL : &fingerprint);
}

/// "Train on N images, ..." and, under mpirun, how the batches are shared.
static void printPlan(const cnnrt_tool_options *options,
                      const cnnrt_session *session, cnnrt_data_view train,
                      cnnrt_data_view validation) {
  printf("Train on %lld images, validate on %lld, test on %lld",
         (long long)train.count, (long long)validation.count,
         (long long)session->test_view.count);
  int size = cnnrt_distributed_size(options->distributed);
  int64_t batch = options->batch < train.count ? options->batch : train.count;
  int64_t fewest = batch / size, most = fewest + (batch % size != 0);
  if (size > 1 && fewest == most)
    printf(" - %d ranks, each on %lld of every batch of %lld", size,
           (long long)fewest, (long long)options->batch);
  else if (size > 1)
    printf(" - %d ranks, each on %lld-%lld of every batch of %lld", size,
           (long long)fewest, (long long)most, (long long)options->batch);
  putchar('\n');
}

static int fit(const cnnrt_tool_options *options, cnnrt_session *session,
               double start) {
  cnnrt_data_view train, validation;
  if (prepare(options, session, &train, &validation))
    return -1;
  printPlan(options, session, train, validation);
  cnnrt_progress progress;
  memset(&progress, 0, sizeof progress);
  progress.out = stdout;
  progress.validation = validation.count > 0;
  progress.bar =
      options->progress == CNNRT_PROGRESS_BAR ||
      (options->progress == CNNRT_PROGRESS_AUTO && isatty(STDOUT_FILENO) &&
       !options->distributed); // mpirun gives ranks a pty of its own
  progress.state = &session->state;
  progress.early_stopping = &options->early_stopping;
  progress.learning_rate = options->learning_rate;
  progress.lr_scale = session->state.lr_scale;
  progress.schedule = options->schedule.kind != CNNRT_LR_CONSTANT;
  cnnrt_fit_options fitOptions =
      fitOptionsOf(options, session, train, validation);
  int lead = cnnrt_distributed_rank(options->distributed) == 0;
  if (!lead) // rank 0 writes the files
    fitOptions.checkpoint = fitOptions.history_file =
        fitOptions.best_checkpoint = NULL;
  cnnrt_fit_stats stats;
  if (session->state.stopped)
    printf("Nothing to train: early stopping ended the run after epoch %lld\n",
           (long long)session->state.epoch);
  else if (session->state.epoch >= options->epochs)
    printf("Nothing to train: %lld of %lld epochs done\n",
           (long long)session->state.epoch, (long long)options->epochs);
  if (trainInterruptibly(&fitOptions, session, &progress, &stats))
    return -1;
  if (stats.stopped)
    return lead ? saveInterrupted(options, &fitOptions, session) : 2;
  if (!lead)
    return 0;
  if (session->test.count && cnnrt_session_test(options, session))
    return -1;
  // Raw parameters for apps that link the library directly (classify).
  if (options->weights &&
      cnnrt_params_write(options->weights,
                         cnnrt_instance_params(session->instance),
                         cnnrt_instance_param_elements(session->instance)))
    return cnnrt_train_fail(NULL, "%s", cnnrt_last_error());
  double seconds = stats.train_seconds > 0 ? stats.train_seconds : NAN;
  printf("Total time: %.1fs - training: %lld images in %.1fs (%.1f images/s, "
         "%.2f steps/s)",
         cnnrt_train_now() - start, (long long)stats.images,
         stats.train_seconds, (double)stats.images / seconds,
         (double)stats.steps / seconds);
  if (cnnrt_augmentation_enabled(&options->augmentation))
    printf(" - input pipeline: %.1fs waiting for batches", stats.input_seconds);
  putchar('\n');
  return 0;
}

int cnnrt_tool_fit(const cnnrt_tool_options *options) {
  cnnrt_session session;
  memset(&session, 0, sizeof session);
  int result = fit(options, &session, cnnrt_train_now());
  cnnrt_session_close(&session);
  return result < 0 ? cnnrt_tool_report() : result == 2 ? 130 : 0;
}
