//===- MakeImages.cpp - image folders for the lit tests and bench/ --------===//
//
// Writes labelled image folders (root/<class>/<n>.png|jpg) with libpng and
// libturbojpeg:
//
//   cnnrt-make-images synthetic DIR CLASSES PER_CLASS SIZE CHANNELS [SEED]
//       learnable synthetic images: class c is a bright bar at a
//       class-specific angle on noise; SIZE x SIZE pixels, odd images JPEG;
//   cnnrt-make-images npz FILE CLASSES PER_CLASS SIZE CHANNELS
//       the same images as an .npz archive (libzip) of uint8 arrays
//       x_train [n, SIZE, SIZE(, CHANNELS)], y_train [n] and, from other
//       noise, x_test, y_test, as Keras's load_data() returns them;
//   cnnrt-make-images fashion-mnist DIR COUNT [FIRST]
//       the Fashion-MNIST test images FIRST.. FIRST + COUNT - 1 (Debian's
//       dataset-fashion-mnist) as 28x28 gray PNGs, '/' in class names
//       replaced by '-'.
//
//===----------------------------------------------------------------------===//

#include "cnnc/Runtime/cnnrt.h"

#include "DataFiles.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace {

int usage() {
  std::fprintf(stderr,
               "usage: cnnrt-make-images synthetic DIR CLASSES PER_CLASS "
               "SIZE CHANNELS [SEED]\n"
               "       cnnrt-make-images npz FILE CLASSES PER_CLASS SIZE "
               "CHANNELS\n"
               "       cnnrt-make-images fashion-mnist DIR COUNT [FIRST]\n");
  return 1;
}

/// xorshift64*: reproducible noise without <random>'s unspecified
/// distributions.
uint64_t nextRandom(uint64_t &state) {
  state ^= state >> 12;
  state ^= state << 25;
  state ^= state >> 27;
  return state * 0x2545F4914F6CDD1DULL;
}

/// Image `n` of class `c`: a bright bar at angle pi c / classes.
std::vector<uint8_t> barImage(int c, int classes, int size, int channels,
                              uint64_t &state) {
  double angle = M_PI * c / classes;
  std::vector<uint8_t> pixels(size_t(size) * size * channels);
  double shift = (double(nextRandom(state) % 1000) / 1000.0 - 0.5) * 0.3;
  for (int y = 0; y < size; ++y)
    for (int x = 0; x < size; ++x) {
      double u = (x + 0.5) / size - 0.5, v = (y + 0.5) / size - 0.5;
      double distance =
          std::fabs(-std::sin(angle) * u + std::cos(angle) * v - shift * 0.3);
      double value = distance < 0.12 ? 220.0 : 40.0;
      value += double(nextRandom(state) % 41) - 20.0;
      for (int k = 0; k < channels; ++k)
        pixels[(size_t(y) * size + x) * channels + k] =
            uint8_t(value * (k == 1 ? 0.8 : 1.0));
    }
  return pixels;
}

int synthetic(const std::string &dir, int classes, int perClass, int size,
              int channels, uint64_t seed) {
  uint64_t state = seed * 0x9E3779B97F4A7C15ULL + 1;
  for (int c = 0; c < classes; ++c) {
    std::string folder = dir + "/class_" + std::to_string(c);
    std::filesystem::create_directories(folder);
    for (int n = 0; n < perClass; ++n) {
      std::vector<uint8_t> pixels = barImage(c, classes, size, channels, state);
      std::string path = folder + "/" + std::to_string(n);
      bool ok = n % 2 ? cnnrt_files::writeJpeg(path + ".jpg", size, size,
                                               channels, pixels.data())
                      : cnnrt_files::writePng(path + ".png", size, size,
                                              channels, pixels.data());
      if (!ok)
        return 1;
    }
  }
  return 0;
}

/// Images and labels of one split, interleaving the classes.
void npzSplit(const std::string &name, int classes, int perClass, int size,
              int channels, uint64_t &state,
              std::vector<cnnrt_files::NpzMember> &members) {
  cnnrt_files::Bytes images, labels;
  for (int n = 0; n < perClass; ++n)
    for (int c = 0; c < classes; ++c) {
      std::vector<uint8_t> pixels = barImage(c, classes, size, channels, state);
      images.insert(images.end(), pixels.begin(), pixels.end());
      labels.push_back(uint8_t(c));
    }
  std::string count = std::to_string(classes * perClass);
  std::string side = std::to_string(size);
  std::string shape = "(" + count + ", " + side + ", " + side +
                      (channels > 1 ? ", " + std::to_string(channels) : "") +
                      ")";
  members.push_back({"x_" + name, cnnrt_files::npyBytes("|u1", shape, images)});
  members.push_back(
      {"y_" + name, cnnrt_files::npyBytes("|u1", "(" + count + ",)", labels)});
}

int npz(const std::string &path, int classes, int perClass, int size,
        int channels) {
  uint64_t state = 12345;
  std::vector<cnnrt_files::NpzMember> members;
  npzSplit("train", classes, perClass, size, channels, state, members);
  npzSplit("test", classes, perClass, size, channels, state, members);
  return cnnrt_files::writeNpz(path, members, true) ? 0 : 1;
}

int fashionMnist(const std::string &dir, int64_t count, int64_t first) {
  cnnrt_dataset data = {};
  if (cnnrt_dataset_load_fashion_mnist(nullptr, 0, &data)) {
    std::fprintf(stderr, "cnnrt-make-images: %s\n", cnnrt_last_error());
    return 1;
  }
  int status = 0;
  for (int64_t i = first; i < first + count && i < data.count && !status; ++i) {
    std::string name = data.class_names[data.labels[i]];
    for (char &c : name)
      c = c == '/' ? '-' : c;
    std::filesystem::create_directories(dir + "/" + name);
    std::vector<uint8_t> pixels(28 * 28);
    for (int k = 0; k < 28 * 28; ++k)
      pixels[k] = uint8_t(std::lround(data.images[i * 28 * 28 + k] * 255.0f));
    if (!cnnrt_files::writePng(dir + "/" + name + "/" + std::to_string(i) +
                                   ".png",
                               28, 28, 1, pixels.data()))
      status = 1;
  }
  cnnrt_dataset_free(&data);
  return status;
}

} // namespace

int main(int argc, char **argv) {
  std::string mode = argc > 2 ? argv[1] : "";
  if (mode == "synthetic" && (argc == 7 || argc == 8))
    return synthetic(argv[2], std::atoi(argv[3]), std::atoi(argv[4]),
                     std::atoi(argv[5]), std::atoi(argv[6]),
                     argc == 8 ? std::strtoull(argv[7], nullptr, 10) : 1);
  if (mode == "npz" && argc == 7)
    return npz(argv[2], std::atoi(argv[3]), std::atoi(argv[4]),
               std::atoi(argv[5]), std::atoi(argv[6]));
  if (mode == "fashion-mnist" && (argc == 4 || argc == 5))
    return fashionMnist(argv[2], std::atoll(argv[3]),
                        argc == 5 ? std::atoll(argv[4]) : 0);
  return usage();
}
