//===- NpzReader.c - NumPy .npz archives and .npy file pairs --------------===//
//
// An .npz file is a zip archive (np.savez: stored, np.savez_compressed:
// deflated) with one "<name>.npy" member per array. libzip opens it with
// consistency checks and verifies each member's CRC-32 as it is read; the
// .npy parser (NpyReader.c) reads straight from the member, so nothing is
// sized from a header. Images [n, H, W] or [n, H, W, C] and labels [n] or
// [n, 1] become a data set; plain .npy files (optionally gzip-compressed)
// go through the same code via ByteStream.
//
//===----------------------------------------------------------------------===//

#include "cnnc/Runtime/cnnrt.h"

#include "ByteStream.h"
#include "Error.h"
#include "Npy.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

enum { kSubjectBytes = PATH_MAX + 80 };

static int64_t readStream(void *context, void *buffer, size_t size) {
  return cnnrt_stream_read(context, buffer, size);
}

/// A member of an open archive, for the .npy reader.
typedef struct Member {
  zip_file_t *file;
  const char *subject;
} Member;

static int64_t readMember(void *context, void *buffer, size_t size) {
  Member *member = context;
  zip_int64_t got = zip_fread(member->file, buffer, size);
  if (got < 0)
    return cnnrt_fail(member->subject, "cannot read the archive member: %s",
                      zip_file_strerror(member->file));
  return got;
}

/// Builds a data set from the two arrays (whose buffers it takes over).
static int assemble(const char *imagesSubject, const char *labelsSubject,
                    cnnrt_npy_array *images, cnnrt_npy_array *labels,
                    cnnrt_dataset *out) {
  int64_t n = images->dims ? images->shape[0] : 0;
  int rank = images->dims;
  if (rank != 3 && rank != 4)
    return cnnrt_fail(imagesSubject,
                      "images must have shape [n, height, width] or [n, "
                      "height, width, channels], not %d dimensions",
                      rank);
  int64_t h = images->shape[1], w = images->shape[2];
  int64_t c = rank == 4 ? images->shape[3] : 1;
  if (n == 0 || h == 0 || w == 0 || c == 0)
    return cnnrt_fail(imagesSubject,
                      "empty array of shape [%lld, %lld, %lld, %lld]",
                      (long long)n, (long long)h, (long long)w, (long long)c);
  if (labels->dims == 2 && labels->shape[1] > 1)
    return cnnrt_fail(labelsSubject,
                      "labels of shape [%lld, %lld] look one-hot encoded; "
                      "pass class indices (np.argmax(y, axis=1))",
                      (long long)labels->shape[0], (long long)labels->shape[1]);
  if (labels->dims < 1 || labels->dims > 2 || labels->shape[0] != n)
    return cnnrt_fail(labelsSubject,
                      "expected %lld labels (shape [%lld] or [%lld, 1]) for "
                      "the images of %s",
                      (long long)n, (long long)n, (long long)n, imagesSubject);
  out->images = images->data;
  out->labels = labels->data;
  images->data = labels->data = NULL;
  out->count = n;
  out->height = h;
  out->width = w;
  out->channels = c;
  for (int64_t i = 0; i < n; ++i)
    if (out->labels[i] >= out->num_classes)
      out->num_classes = out->labels[i] + 1;
  return 0;
}

/// Reads images and labels from their sources into `out`.
static int readPair(cnnrt_npy_source *imageSource,
                    cnnrt_npy_source *labelSource,
                    const cnnrt_load_options *options, cnnrt_dataset *out) {
  cnnrt_value_map byteMap, floatMap;
  cnnrt_npy_array images = {0}, labels = {0};
  int failed =
      cnnrt_value_map_init(&byteMap, options, 1, imageSource->subject) ||
      cnnrt_value_map_init(&floatMap, options, 0, imageSource->subject) ||
      cnnrt_npy_read(imageSource, 1, &byteMap, &floatMap, &images) ||
      cnnrt_npy_read(labelSource, 0, &byteMap, &floatMap, &labels) ||
      assemble(imageSource->subject, labelSource->subject, &images, &labels,
               out);
  free(images.data);
  free(labels.data);
  if (failed)
    cnnrt_dataset_free(out);
  return failed ? -1 : 0;
}

int cnnrt_dataset_read_npy(const char *imagesPath, const char *labelsPath,
                           const cnnrt_load_options *options,
                           cnnrt_dataset *out) {
  if (!out)
    return cnnrt_fail("cnnrt_dataset_read_npy", "the data set is NULL");
  memset(out, 0, sizeof *out);
  if (!imagesPath || !labelsPath)
    return cnnrt_fail("cnnrt_dataset_read_npy", "a file path is NULL");
  cnnrt_stream imageStream, labelStream;
  if (cnnrt_stream_open(&imageStream, imagesPath))
    return -1;
  if (cnnrt_stream_open(&labelStream, labelsPath)) {
    cnnrt_stream_close(&imageStream);
    return -1;
  }
  cnnrt_npy_source imageSource = {imagesPath, readStream, &imageStream, 0};
  cnnrt_npy_source labelSource = {labelsPath, readStream, &labelStream, 0};
  int failed = readPair(&imageSource, &labelSource, options, out);
  cnnrt_stream_close(&imageStream);
  cnnrt_stream_close(&labelStream);
  return failed;
}

/// Opens the archive; fails with libzip's reason.
static zip_t *openArchive(const char *path) {
  int code = 0;
  zip_t *archive = zip_open(path, ZIP_RDONLY | ZIP_CHECKCONS, &code);
  if (archive)
    return archive;
  zip_error_t error;
  zip_error_init_with_code(&error, code);
  cnnrt_fail(path, "cannot open as an .npz (zip) archive: %s",
             zip_error_strerror(&error));
  zip_error_fini(&error);
  return NULL;
}

/// The names of the arrays in the archive, "a, b, c" (cut when long).
static void listArrays(zip_t *archive, char *out, size_t capacity) {
  size_t used = 0;
  out[0] = '\0';
  zip_int64_t entries = zip_get_num_entries(archive, 0);
  for (zip_int64_t i = 0; i < entries && used + 1 < capacity; ++i) {
    const char *name = zip_get_name(archive, (zip_uint64_t)i, 0);
    size_t length = name ? strlen(name) : 0;
    if (length > 4 && strcmp(name + length - 4, ".npy") == 0)
      used += (size_t)snprintf(out + used, capacity - used, "%s%.*s",
                               used ? ", " : "", (int)(length - 4), name);
  }
  if (!out[0])
    snprintf(out, capacity, "no .npy members");
}

/// Opens the member "<name>.npy" of `archive` for `member`.
static int openMember(zip_t *archive, const char *path, const char *name,
                      Member *member) {
  char memberName[256];
  if (snprintf(memberName, sizeof memberName, "%s.npy", name) >=
      (int)sizeof memberName)
    return cnnrt_fail(path, "array name '%s' too long", name);
  zip_int64_t index = zip_name_locate(archive, memberName, 0);
  if (index < 0) {
    char arrays[512];
    listArrays(archive, arrays, sizeof arrays);
    return cnnrt_fail(path, "no array '%s' (member %s); the archive holds: %s",
                      name, memberName, arrays);
  }
  member->file = zip_fopen_index(archive, (zip_uint64_t)index, 0);
  if (!member->file)
    return cnnrt_fail(member->subject, "cannot open the archive member: %s",
                      zip_strerror(archive));
  return 0;
}

int cnnrt_dataset_read_npz(const char *path, const char *imagesName,
                           const char *labelsName,
                           const cnnrt_load_options *options,
                           cnnrt_dataset *out) {
  if (!out)
    return cnnrt_fail("cnnrt_dataset_read_npz", "the data set is NULL");
  memset(out, 0, sizeof *out);
  if (!path || !imagesName || !labelsName)
    return cnnrt_fail("cnnrt_dataset_read_npz", "NULL argument");
  zip_t *archive = openArchive(path);
  if (!archive)
    return -1;
  char imageSubject[kSubjectBytes], labelSubject[kSubjectBytes];
  snprintf(imageSubject, sizeof imageSubject, "%s (%s.npy)", path, imagesName);
  snprintf(labelSubject, sizeof labelSubject, "%s (%s.npy)", path, labelsName);
  Member images = {NULL, imageSubject}, labels = {NULL, labelSubject};
  int failed = openMember(archive, path, imagesName, &images) ||
               openMember(archive, path, labelsName, &labels);
  if (!failed) {
    cnnrt_npy_source imageSource = {imageSubject, readMember, &images, 0};
    cnnrt_npy_source labelSource = {labelSubject, readMember, &labels, 0};
    failed = readPair(&imageSource, &labelSource, options, out);
  }
  if (images.file)
    zip_fclose(images.file);
  if (labels.file)
    zip_fclose(labels.file);
  zip_discard(archive);
  return failed ? -1 : 0;
}

int cnnrt_npz_has_array(const char *path, const char *name) {
  if (!path || !name)
    return cnnrt_fail("cnnrt_npz_has_array", "NULL argument");
  zip_t *archive = openArchive(path);
  if (!archive)
    return -1;
  char memberName[256];
  int found = snprintf(memberName, sizeof memberName, "%s.npy", name) <
                  (int)sizeof memberName &&
              zip_name_locate(archive, memberName, 0) >= 0;
  zip_discard(archive);
  return found;
}
