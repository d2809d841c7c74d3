//===- Hdf5File.h - read-only HDF5 access for the Keras importer -*- C++
//-*-===//
//
// A small RAII layer over the HDF5 C library (Debian libhdf5-dev) for what
// Keras files hold: groups, string attributes and float32 datasets. Files
// are opened from memory (the bytes of a `.h5` file or of the
// `model.weights.h5` member of a `.keras` archive). Errors are
// llvm::Errors naming the object; HDF5's own error printing is off.
//
//===----------------------------------------------------------------------===//

#ifndef CNNC_LIB_TARGET_KERAS_HDF5FILE_H
#define CNNC_LIB_TARGET_KERAS_HDF5FILE_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cnnc::keras {

/// An HDF5 identifier that closes itself (files, groups, datasets,
/// attributes, dataspaces, datatypes, property lists).
class Hdf5Handle {
public:
  Hdf5Handle() = default;
  explicit Hdf5Handle(int64_t id) : id(id) {}
  Hdf5Handle(Hdf5Handle &&other) : id(other.id) { other.id = -1; }
  Hdf5Handle &operator=(Hdf5Handle &&other);
  Hdf5Handle(const Hdf5Handle &) = delete;
  Hdf5Handle &operator=(const Hdf5Handle &) = delete;
  ~Hdf5Handle();

  int64_t get() const { return id; }
  bool valid() const { return id >= 0; }

private:
  int64_t id = -1;
};

/// A float32 dataset read into memory.
struct Hdf5Tensor {
  llvm::SmallVector<int64_t, 4> shape;
  std::vector<float> values;
};

/// An HDF5 file opened read-only from an image in memory.
class Hdf5File {
public:
  /// Opens the HDF5 image `bytes`; `name` identifies it in messages.
  static llvm::Expected<Hdf5File> open(llvm::StringRef bytes,
                                       llvm::StringRef name);

  /// Whether `path` ("a/b/c", relative to the root) names an object.
  bool exists(llvm::StringRef path) const;
  /// Whether `path` names a group.
  bool isGroup(llvm::StringRef path) const;
  /// Number of links (members) of the group at `path`.
  llvm::Expected<int64_t> countMembers(llvm::StringRef path) const;
  /// The string attribute `attr` of the object at `path`: one string, or
  /// std::nullopt when the object has no such attribute.
  llvm::Expected<std::optional<std::string>>
  readStringAttr(llvm::StringRef path, llvm::StringRef attr) const;
  /// The string-array attribute `attr` of the object at `path` (an empty
  /// array of any type reads as no strings), or std::nullopt when absent.
  llvm::Expected<std::optional<std::vector<std::string>>>
  readStringListAttr(llvm::StringRef path, llvm::StringRef attr) const;
  /// The float32 dataset at `path` (any other element type is an error);
  /// messages name the dataset, not the file.
  llvm::Expected<Hdf5Tensor> readFloatDataset(llvm::StringRef path) const;

  llvm::StringRef getName() const { return name; }

private:
  Hdf5File(Hdf5Handle file, std::string name)
      : file(std::move(file)), name(std::move(name)) {}

  llvm::Expected<std::vector<std::string>>
  readStrings(llvm::StringRef path, llvm::StringRef attr, bool scalar) const;

  Hdf5Handle file;
  std::string name;
};

/// "[3, 3, 1, 32]".
std::string formatShape(llvm::ArrayRef<int64_t> shape);

} // namespace cnnc::keras

#endif // CNNC_LIB_TARGET_KERAS_HDF5FILE_H
