//===- Hdf5File.cpp - read-only HDF5 access for the Keras importer --------===//
//
// Opens HDF5 images with the core (in-memory) driver and reads the groups,
// string attributes and float32 datasets of Keras files. Every size that
// comes from the file is checked before memory is allocated for it.
//
//===----------------------------------------------------------------------===//

#include "Hdf5File.h"
#include "ConfigReader.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CheckedArithmetic.h"
#include "llvm/Support/FormatVariadic.h"

#include <hdf5.h>

using namespace cnnc::keras;
using llvm::StringRef;

namespace {

/// Largest dataset the importer reads: 2^31 floats (8 GiB).
constexpr int64_t kMaxElements = int64_t(1) << 31;

/// The description of the innermost error on HDF5's error stack, e.g.
/// "truncated file: eof = 1024, ...", or "" when the stack is empty.
std::string lastHdf5Error() {
  std::string message;
  H5Ewalk2(
      H5E_DEFAULT, H5E_WALK_UPWARD,
      [](unsigned n, const H5E_error2_t *error, void *data) -> herr_t {
        if (n == 0 && error->desc)
          *static_cast<std::string *>(data) = error->desc;
        return 0;
      },
      &message);
  H5Eclear2(H5E_DEFAULT);
  return message;
}

/// `what` plus HDF5's reason when it gave one.
std::string withReason(const llvm::Twine &what) {
  std::string reason = lastHdf5Error();
  return reason.empty() ? what.str() : (what + " (" + reason + ")").str();
}

/// Turns HDF5's automatic error printing off, once per process: failures
/// become messages of the importer instead of stack dumps on stderr.
void silenceHdf5() {
  static bool silenced = [] {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    return true;
  }();
  (void)silenced;
}

void closeHandle(hid_t id) {
  switch (H5Iget_type(id)) {
  case H5I_FILE:
    H5Fclose(id);
    break;
  case H5I_GROUP:
    H5Gclose(id);
    break;
  case H5I_DATASET:
    H5Dclose(id);
    break;
  case H5I_ATTR:
    H5Aclose(id);
    break;
  case H5I_DATASPACE:
    H5Sclose(id);
    break;
  case H5I_DATATYPE:
    H5Tclose(id);
    break;
  case H5I_GENPROP_LST:
    H5Pclose(id);
    break;
  default:
    H5Idec_ref(id);
    break;
  }
}

} // namespace

Hdf5Handle &Hdf5Handle::operator=(Hdf5Handle &&other) {
  if (this != &other) {
    if (id >= 0)
      closeHandle(id);
    id = other.id;
    other.id = -1;
  }
  return *this;
}

Hdf5Handle::~Hdf5Handle() {
  if (id >= 0)
    closeHandle(id);
}

std::string cnnc::keras::formatShape(llvm::ArrayRef<int64_t> shape) {
  std::string text = "[";
  llvm::raw_string_ostream os(text);
  llvm::interleaveComma(shape, os);
  os << "]";
  return text;
}

llvm::Expected<Hdf5File> Hdf5File::open(StringRef bytes, StringRef name) {
  silenceHdf5();
  static constexpr char kSignature[] = "\x89HDF\r\n\x1a\n";
  if (!bytes.starts_with(StringRef(kSignature, 8)))
    return makeError(name + ": not an HDF5 file (no HDF5 signature)");
  Hdf5Handle fapl(H5Pcreate(H5P_FILE_ACCESS));
  // The core driver keeps the file in memory; the image is copied in.
  if (!fapl.valid() || H5Pset_fapl_core(fapl.get(), 1 << 20, 0) < 0 ||
      H5Pset_file_image(fapl.get(), const_cast<char *>(bytes.data()),
                        bytes.size()) < 0)
    return makeError(withReason(name + ": cannot set up HDF5 in memory"));
  // The name only identifies the image; one that is not a file on disk
  // keeps the library from mistaking it for an open file of that name.
  std::string imageName =
      "cnnc-keras-image-" + std::to_string(reinterpret_cast<uintptr_t>(&bytes));
  Hdf5Handle file(H5Fopen(imageName.c_str(), H5F_ACC_RDONLY, fapl.get()));
  if (!file.valid())
    return makeError(
        withReason(name + ": corrupt or truncated HDF5 file, cannot open it"));
  return Hdf5File(std::move(file), name.str());
}

bool Hdf5File::exists(StringRef path) const {
  // H5Lexists needs every intermediate link to exist: check them in turn.
  llvm::SmallVector<StringRef> parts;
  path.split(parts, '/', -1, /*KeepEmpty=*/false);
  std::string prefix;
  for (StringRef part : parts) {
    prefix += prefix.empty() ? part.str() : ("/" + part).str();
    if (H5Lexists(file.get(), prefix.c_str(), H5P_DEFAULT) <= 0) {
      H5Eclear2(H5E_DEFAULT);
      return false;
    }
  }
  return true;
}

bool Hdf5File::isGroup(StringRef path) const {
  if (!exists(path))
    return false;
  Hdf5Handle group(H5Gopen2(file.get(), path.str().c_str(), H5P_DEFAULT));
  H5Eclear2(H5E_DEFAULT);
  return group.valid();
}

llvm::Expected<int64_t> Hdf5File::countMembers(StringRef path) const {
  Hdf5Handle group(H5Gopen2(file.get(), path.str().c_str(), H5P_DEFAULT));
  H5G_info_t info;
  if (!group.valid() || H5Gget_info(group.get(), &info) < 0)
    return makeError(withReason(name + ": cannot read group '" + path + "'"));
  return static_cast<int64_t>(info.nlinks);
}

llvm::Expected<std::vector<std::string>>
Hdf5File::readStrings(StringRef path, StringRef attr, bool scalar) const {
  std::string where = (name + ": attribute '" + attr + "' of '" +
                       (path.empty() ? StringRef("/") : path) + "'")
                          .str();
  Hdf5Handle attribute(
      H5Aopen_by_name(file.get(), path.empty() ? "." : path.str().c_str(),
                      attr.str().c_str(), H5P_DEFAULT, H5P_DEFAULT));
  if (!attribute.valid())
    return makeError(withReason("cannot open " + where));
  Hdf5Handle type(H5Aget_type(attribute.get()));
  Hdf5Handle space(H5Aget_space(attribute.get()));
  hssize_t count =
      space.valid() ? H5Sget_simple_extent_npoints(space.get()) : -1;
  if (!type.valid() || count < 0 || count > (1 << 24))
    return makeError(withReason("cannot read " + where));
  if (H5Tget_class(type.get()) != H5T_STRING) {
    // h5py writes an empty list of names as an empty float64 array.
    if (!scalar && count == 0)
      return std::vector<std::string>();
    return makeError(where + ": expected " +
                     (scalar ? "a string" : "a list of strings"));
  }
  if (scalar && count != 1)
    return makeError(where + ": expected one string, found " +
                     llvm::Twine(static_cast<int64_t>(count)));

  std::vector<std::string> strings;
  Hdf5Handle memType(H5Tcopy(H5T_C_S1));
  H5Tset_cset(memType.get(), H5Tget_cset(type.get()));
  if (H5Tis_variable_str(type.get()) > 0) {
    H5Tset_size(memType.get(), H5T_VARIABLE);
    std::vector<char *> pointers(count, nullptr);
    if (H5Aread(attribute.get(), memType.get(), pointers.data()) < 0)
      return makeError(withReason("cannot read " + where));
    for (char *pointer : pointers) {
      strings.emplace_back(pointer ? pointer : "");
      H5free_memory(pointer);
    }
    return strings;
  }
  size_t size = H5Tget_size(type.get());
  std::optional<int64_t> bytes =
      llvm::checkedMul<int64_t>(static_cast<int64_t>(size), count);
  if (size == 0 || !bytes || *bytes > (int64_t(1) << 30))
    return makeError(where + ": implausible string size");
  H5Tset_size(memType.get(), size);
  std::vector<char> buffer(*bytes);
  if (H5Aread(attribute.get(), memType.get(), buffer.data()) < 0)
    return makeError(withReason("cannot read " + where));
  for (hssize_t i = 0; i < count; ++i) {
    StringRef text(buffer.data() + i * size, size);
    strings.push_back(text.take_until([](char c) { return c == '\0'; }).str());
  }
  return strings;
}

llvm::Expected<std::optional<std::string>>
Hdf5File::readStringAttr(StringRef path, StringRef attr) const {
  if (H5Aexists_by_name(file.get(), path.empty() ? "." : path.str().c_str(),
                        attr.str().c_str(), H5P_DEFAULT) <= 0) {
    H5Eclear2(H5E_DEFAULT);
    return std::nullopt;
  }
  llvm::Expected<std::vector<std::string>> strings =
      readStrings(path, attr, /*scalar=*/true);
  if (!strings)
    return strings.takeError();
  return std::optional<std::string>(std::move(strings->front()));
}

llvm::Expected<std::optional<std::vector<std::string>>>
Hdf5File::readStringListAttr(StringRef path, StringRef attr) const {
  if (H5Aexists_by_name(file.get(), path.empty() ? "." : path.str().c_str(),
                        attr.str().c_str(), H5P_DEFAULT) <= 0) {
    H5Eclear2(H5E_DEFAULT);
    return std::nullopt;
  }
  llvm::Expected<std::vector<std::string>> strings =
      readStrings(path, attr, /*scalar=*/false);
  if (!strings)
    return strings.takeError();
  return std::optional<std::vector<std::string>>(std::move(*strings));
}

llvm::Expected<Hdf5Tensor> Hdf5File::readFloatDataset(StringRef path) const {
  std::string where = ("dataset '" + path + "'").str();
  Hdf5Handle dataset(H5Dopen2(file.get(), path.str().c_str(), H5P_DEFAULT));
  if (!dataset.valid())
    return makeError(withReason("cannot open " + where));
  Hdf5Handle type(H5Dget_type(dataset.get()));
  if (!type.valid() || H5Tget_class(type.get()) != H5T_FLOAT ||
      H5Tget_size(type.get()) != 4)
    return makeError(where + ": expected float32 values (only float32 "
                             "weights are supported)");
  Hdf5Handle space(H5Dget_space(dataset.get()));
  int rank = space.valid() ? H5Sget_simple_extent_ndims(space.get()) : -1;
  if (rank < 0 || rank > 8)
    return makeError(withReason("cannot read the shape of " + where));
  hsize_t dims[8];
  if (H5Sget_simple_extent_dims(space.get(), dims, nullptr) < 0)
    return makeError(withReason("cannot read the shape of " + where));
  Hdf5Tensor tensor;
  int64_t elements = 1;
  for (int i = 0; i < rank; ++i) {
    if (dims[i] > static_cast<hsize_t>(kMaxElements))
      return makeError(where + ": implausible extent " +
                       llvm::Twine(static_cast<uint64_t>(dims[i])));
    tensor.shape.push_back(static_cast<int64_t>(dims[i]));
    std::optional<int64_t> product =
        llvm::checkedMul<int64_t>(elements, tensor.shape.back());
    if (!product || *product > kMaxElements)
      return makeError(where + ": more than 2^31 elements");
    elements = *product;
  }
  tensor.values.resize(elements);
  if (elements > 0 && H5Dread(dataset.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL,
                              H5P_DEFAULT, tensor.values.data()) < 0)
    return makeError(withReason("cannot read " + where));
  return tensor;
}
