//===- ImageFolder.c - image folders like image_dataset_from_directory ----===//
//
// root/<class>/.../<image>: the class folders (sorted, or the names the
// caller gives) are listed first, then every class folder is searched for
// .png/.jpg/.jpeg files (hidden entries skipped, symbolic links to folders
// not followed, .bmp/.gif refused rather than silently left out). The paths
// of a class are sorted, so the order of the data set depends only on the
// folder's contents. The images are then decoded, converted and resized on
// worker threads that take indices from one counter; the error reported is
// that of the first failing image in data set order, whatever the timing.
//
//===----------------------------------------------------------------------===//

#include "Image.h"

#include "CheckedMath.h"
#include "Error.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

enum {
  kMaxDepth = 32,
  kMaxThreads = 64,
  kMaxImageFileBytes = 1 << 28,
  kMessageBytes = 1024,
};

/// A growing list of strings.
typedef struct Names {
  char **items;
  int64_t count, capacity;
} Names;

static void freeNames(Names *names) {
  cnnrt_class_names_free(names->items, names->count);
  memset(names, 0, sizeof *names);
}

static int appendName(Names *names, const char *name, const char *subject) {
  if (names->count == names->capacity) {
    int64_t capacity = names->capacity ? 2 * names->capacity : 64;
    char **grown =
        capacity > INT32_MAX
            ? NULL
            : realloc(names->items, (size_t)capacity * sizeof *grown);
    if (!grown)
      return cnnrt_fail(subject, "out of memory listing the folder");
    names->items = grown;
    names->capacity = capacity;
  }
  size_t length = strlen(name);
  char *copy = malloc(length + 1);
  if (!copy)
    return cnnrt_fail(subject, "out of memory listing the folder");
  memcpy(copy, name, length + 1);
  names->items[names->count++] = copy;
  return 0;
}

static int compareNames(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static int joinPath(char *out, const char *dir, const char *name) {
  int length = snprintf(out, PATH_MAX, "%s/%s", dir, name);
  return length < 0 || length >= PATH_MAX
             ? cnnrt_fail(dir, "path of '%s' too long", name)
             : 0;
}

/// 1 for a name ending in `suffix`, ignoring case.
static int hasSuffix(const char *name, const char *suffix) {
  size_t length = strlen(name), suffixLength = strlen(suffix);
  return length > suffixLength &&
         strcasecmp(name + length - suffixLength, suffix) == 0;
}

/// What a directory entry is: 0 skip, 1 folder, 2 image file.
static int classify(const char *path, const char *name) {
  if (name[0] == '.')
    return 0;
  struct stat info;
  if (lstat(path, &info) != 0)
    return cnnrt_fail_errno(path, errno, "cannot stat");
  if (S_ISDIR(info.st_mode))
    return 1;
  if (S_ISLNK(info.st_mode) &&
      (stat(path, &info) != 0 || S_ISDIR(info.st_mode)))
    return 0; // dangling, or a link to a folder: not followed
  if (hasSuffix(name, ".png") || hasSuffix(name, ".jpg") ||
      hasSuffix(name, ".jpeg"))
    return 2;
  if (hasSuffix(name, ".bmp") || hasSuffix(name, ".gif"))
    return cnnrt_fail(path, "BMP and GIF images are not supported; convert "
                            "them to PNG or JPEG");
  return 0;
}

/// Adds the image files under `dir` (recursively) to `files`.
static int listImages(const char *dir, int depth, Names *files) {
  if (depth > kMaxDepth)
    return cnnrt_fail(dir, "folders nested more than %d deep", kMaxDepth);
  DIR *stream = opendir(dir);
  if (!stream)
    return cnnrt_fail_errno(dir, errno, "cannot read the folder");
  int failed = 0;
  struct dirent *entry;
  char path[PATH_MAX];
  while (!failed && (errno = 0, entry = readdir(stream))) {
    if ((failed = joinPath(path, dir, entry->d_name)))
      break;
    int kind = classify(path, entry->d_name);
    failed = kind < 0    ? -1
             : kind == 1 ? listImages(path, depth + 1, files)
             : kind == 2 ? appendName(files, path, dir)
                         : 0;
  }
  if (!failed && errno)
    failed = cnnrt_fail_errno(dir, errno, "cannot read the folder");
  closedir(stream);
  return failed;
}

/// The sorted class folders of `dir`.
static int listClasses(const char *dir, Names *classes) {
  DIR *stream = opendir(dir);
  if (!stream)
    return cnnrt_fail_errno(dir, errno, "cannot read the image folder");
  int failed = 0;
  struct dirent *entry;
  char path[PATH_MAX];
  while (!failed && (errno = 0, entry = readdir(stream))) {
    if ((failed = joinPath(path, dir, entry->d_name)))
      break;
    struct stat info;
    if (entry->d_name[0] == '.' || lstat(path, &info) != 0 ||
        !S_ISDIR(info.st_mode))
      continue; // files next to the class folders are ignored, as by Keras
    failed = appendName(classes, entry->d_name, dir);
  }
  if (!failed && errno)
    failed = cnnrt_fail_errno(dir, errno, "cannot read the image folder");
  closedir(stream);
  if (!failed && classes->count)
    qsort(classes->items, (size_t)classes->count, sizeof(char *), compareNames);
  return failed;
}

/// Checks the folder's classes against the ones the caller expects.
static int matchClasses(const char *dir, const Names *found,
                        const cnnrt_load_options *options) {
  for (int64_t i = 0; i < options->num_classes; ++i) {
    const char *name = options->class_names[i];
    if (!bsearch(&name, found->items, (size_t)found->count, sizeof(char *),
                 compareNames))
      return cnnrt_fail(dir,
                        "no folder for class %lld '%s' of the %lld classes "
                        "expected (the training data's)",
                        (long long)i, name, (long long)options->num_classes);
  }
  if (found->count == options->num_classes)
    return 0;
  for (int64_t i = 0; i < found->count; ++i) {
    int known = 0;
    for (int64_t k = 0; k < options->num_classes && !known; ++k)
      known = strcmp(found->items[i], options->class_names[k]) == 0;
    if (!known)
      return cnnrt_fail(dir,
                        "folder '%s' is not one of the %lld classes expected "
                        "(the training data's)",
                        found->items[i], (long long)options->num_classes);
  }
  return 0;
}

/// Everything the workers share.
typedef struct Work {
  const Names *files;
  const int32_t *labels;
  const cnnrt_load_options *options;
  const cnnrt_value_map *map;
  float *images;
  int64_t imageFloats;
  atomic_llong next;
  atomic_llong failedAt; ///< first failing index so far (count: none)
  pthread_mutex_t lock;
  char message[kMessageBytes];
} Work;

static void *decodeImages(void *argument) {
  Work *work = argument;
  for (;;) {
    long long i = atomic_fetch_add(&work->next, 1);
    if (i >= atomic_load(&work->failedAt))
      return NULL;
    if (!cnnrt_image_load_file(work->files->items[i], work->options, work->map,
                               work->images + i * work->imageFloats))
      continue;
    pthread_mutex_lock(&work->lock);
    if (i < atomic_load(&work->failedAt)) {
      atomic_store(&work->failedAt, i);
      snprintf(work->message, sizeof work->message, "%s", cnnrt_last_error());
    }
    pthread_mutex_unlock(&work->lock);
  }
}

/// Decodes every file on up to options->threads threads.
static int decodeAll(Work *work) {
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  int64_t threads = work->options->threads > 0 ? work->options->threads
                    : cores > 0                ? cores
                                               : 1;
  if (threads > kMaxThreads)
    threads = kMaxThreads;
  if (threads > work->files->count)
    threads = work->files->count;
  pthread_t helpers[kMaxThreads];
  int started = 0;
  while (started < threads - 1 &&
         pthread_create(&helpers[started], NULL, decodeImages, work) == 0)
    ++started;
  decodeImages(work);
  for (int t = 0; t < started; ++t)
    pthread_join(helpers[t], NULL);
  if (atomic_load(&work->failedAt) < work->files->count)
    return cnnrt_fail_message(work->message);
  return 0;
}

/// Checks the size and channels image readers need.
static int checkImageOptions(const char *subject,
                             const cnnrt_load_options *options) {
  if (!options)
    return cnnrt_fail(subject, "no image size given");
  int64_t pixels;
  if (options->height <= 0 || options->width <= 0 ||
      (options->channels != 1 && options->channels != 3) ||
      cnnc_mul_overflows(options->height, options->width, &pixels) ||
      pixels > CNNRT_MAX_IMAGE_PIXELS)
    return cnnrt_fail(subject,
                      "images of %lldx%lldx%lld cannot be read: the height "
                      "and width must be positive (at most %lld pixels) and "
                      "the channels 1 or 3",
                      (long long)options->height, (long long)options->width,
                      (long long)options->channels,
                      (long long)CNNRT_MAX_IMAGE_PIXELS);
  return 0;
}

int cnnrt_image_load_file(const char *path, const cnnrt_load_options *options,
                          const cnnrt_value_map *map, float *out) {
  uint8_t *bytes;
  size_t size;
  if (cnnrt_read_whole_file(path, kMaxImageFileBytes, &bytes, &size))
    return -1;
  cnnrt_decoded_image image;
  int failed = cnnrt_image_decode(path, bytes, size, options->height,
                                  options->width, &image);
  free(bytes);
  if (!failed)
    failed = cnnrt_image_convert(path, &image, options->height, options->width,
                                 options->channels, map, out);
  free(image.pixels);
  return failed;
}

int cnnrt_image_read(const char *path, const cnnrt_load_options *options,
                     float *out) {
  cnnrt_value_map map;
  if (!path || !out)
    return cnnrt_fail("cnnrt_image_read", "NULL argument");
  if (checkImageOptions(path, options) ||
      cnnrt_value_map_init(&map, options, 1, path))
    return -1;
  return cnnrt_image_load_file(path, options, &map, out);
}

int cnnrt_image_files_list(const char *dir, char ***paths, int64_t *count) {
  if (!dir || !paths || !count)
    return cnnrt_fail("cnnrt_image_files_list", "NULL argument");
  *paths = NULL;
  *count = 0;
  Names files = {0};
  if (listImages(dir, 0, &files)) {
    freeNames(&files);
    return -1;
  }
  if (files.count == 0)
    return cnnrt_fail(dir, "no .png, .jpg or .jpeg images in the folder");
  qsort(files.items, (size_t)files.count, sizeof(char *), compareNames);
  *paths = files.items;
  *count = files.count;
  return 0;
}

/// Lists classes and files; fills `labels` (one per file).
static int listFolder(const char *dir, const cnnrt_load_options *options,
                      Names *classes, Names *files, int32_t **labels) {
  if (listClasses(dir, classes))
    return -1;
  if (classes->count == 0)
    return cnnrt_fail(dir,
                      "no class folders: expected %s/<class name>/"
                      "<images>.png|.jpg|.jpeg",
                      dir);
  if (options->class_names && matchClasses(dir, classes, options))
    return -1;
  int64_t numClasses =
      options->class_names ? options->num_classes : classes->count;
  int64_t capacity = 0;
  char path[PATH_MAX];
  for (int64_t c = 0; c < numClasses; ++c) {
    const char *name =
        options->class_names ? options->class_names[c] : classes->items[c];
    int64_t before = files->count;
    if (joinPath(path, dir, name) || listImages(path, 0, files))
      return -1;
    // An empty class folder leaves items NULL: qsort(NULL, 0) is undefined.
    if (files->count - before > 1)
      qsort(files->items + before, (size_t)(files->count - before),
            sizeof(char *), compareNames);
    if (cnnrt_reserve(dir, (void **)labels, &capacity, files->count, INT32_MAX,
                      sizeof(int32_t)))
      return -1;
    for (int64_t i = before; i < files->count; ++i)
      (*labels)[i] = (int32_t)c;
  }
  if (files->count == 0)
    return cnnrt_fail(dir,
                      "no .png, .jpg or .jpeg images in the %lld class "
                      "folders",
                      (long long)numClasses);
  return 0;
}

int cnnrt_dataset_read_image_folder(const char *dir,
                                    const cnnrt_load_options *options,
                                    cnnrt_dataset *out) {
  if (!out)
    return cnnrt_fail("cnnrt_dataset_read_image_folder",
                      "the data set is NULL");
  memset(out, 0, sizeof *out);
  if (!dir)
    return cnnrt_fail("cnnrt_dataset_read_image_folder", "the folder is NULL");
  cnnrt_value_map map;
  if (checkImageOptions(dir, options) ||
      cnnrt_value_map_init(&map, options, 1, dir))
    return -1;
  if (options->class_names && options->num_classes <= 0)
    return cnnrt_fail(dir, "an empty list of class names");
  Names classes = {0}, files = {0};
  int32_t *labels = NULL;
  int64_t imageFloats = options->height * options->width * options->channels;
  int64_t bytes = 0;
  int failed = listFolder(dir, options, &classes, &files, &labels);
  if (!failed && (cnnc_mul_overflows(files.count, imageFloats, &bytes) ||
                  cnnc_mul_overflows(bytes, (int64_t)sizeof(float), &bytes) ||
                  !(out->images = malloc((size_t)bytes))))
    failed = cnnrt_fail(dir, "out of memory for %lld images of %lld values",
                        (long long)files.count, (long long)imageFloats);
  if (!failed) {
    Work work = {&files, labels,      options,
                 &map,   out->images, imageFloats,
                 0,      files.count, PTHREAD_MUTEX_INITIALIZER,
                 {0}};
    failed = decodeAll(&work);
    pthread_mutex_destroy(&work.lock);
  }
  const char *const *names = options->class_names
                                 ? options->class_names
                                 : (const char *const *)classes.items;
  int64_t numClasses =
      options->class_names ? options->num_classes : classes.count;
  if (!failed)
    failed = cnnrt_dataset_copy_names(out, names, numClasses, dir);
  int64_t count = files.count;
  freeNames(&classes);
  freeNames(&files);
  if (failed) {
    free(labels);
    cnnrt_dataset_free(out);
    return -1;
  }
  out->labels = labels;
  out->count = count;
  out->height = options->height;
  out->width = options->width;
  out->channels = options->channels;
  return 0;
}
