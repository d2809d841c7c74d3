//===- KerasFile.cpp - the containers of saved Keras models ---------------===//
//
// Zip archives are read with libzip from memory with its consistency
// checks on; each member's size comes from the central directory and is
// checked against the archive's size before it is allocated, and libzip
// verifies every member's CRC when it is read to the end.
//
//===----------------------------------------------------------------------===//

#include "KerasFile.h"
#include "ConfigReader.h"

#include "llvm/ADT/ScopeExit.h"

#include <zip.h>

using namespace cnnc::keras;
using llvm::StringRef;

namespace {

/// Largest member the importer extracts from a `.keras` archive.
constexpr uint64_t kMaxMemberBytes = uint64_t(1) << 34;

/// A `.keras` archive opened from memory.
class ZipArchive {
public:
  static llvm::Expected<ZipArchive> open(StringRef bytes, StringRef name) {
    zip_error_t error;
    zip_error_init(&error);
    llvm::scope_exit cleanup([&] { zip_error_fini(&error); });
    zip_source_t *source =
        zip_source_buffer_create(bytes.data(), bytes.size(), 0, &error);
    if (!source)
      return makeError(name + ": cannot read the zip archive: " +
                       zip_error_strerror(&error));
    zip_t *archive =
        zip_open_from_source(source, ZIP_RDONLY | ZIP_CHECKCONS, &error);
    if (!archive) {
      zip_source_free(source);
      return makeError(name + ": corrupt or truncated .keras archive: " +
                       zip_error_strerror(&error));
    }
    return ZipArchive(archive, name, bytes.size());
  }

  ZipArchive(ZipArchive &&other)
      : archive(other.archive), name(std::move(other.name)),
        archiveBytes(other.archiveBytes) {
    other.archive = nullptr;
  }
  ZipArchive(const ZipArchive &) = delete;
  ~ZipArchive() {
    if (archive)
      zip_discard(archive);
  }

  /// The bytes of the member `member`, checked by libzip's CRC.
  llvm::Expected<std::string> read(StringRef member) {
    std::string where = (name + ": " + member).str();
    zip_int64_t index = zip_name_locate(archive, member.str().c_str(), 0);
    if (index < 0)
      return makeError(name + ": the archive has no '" + member +
                       "' (not a Keras 3 .keras file?)");
    zip_stat_t stat;
    zip_stat_init(&stat);
    if (zip_stat_index(archive, index, 0, &stat) != 0 ||
        !(stat.valid & ZIP_STAT_SIZE))
      return makeError(where + ": cannot read its size in the archive");
    // Stored members cannot be larger than the archive; deflated ones at
    // most ~1032x (deflate's limit).
    if (stat.size > kMaxMemberBytes ||
        ((stat.valid & ZIP_STAT_COMP_METHOD) &&
         stat.comp_method == ZIP_CM_STORE && stat.size > archiveBytes) ||
        stat.size / 1032 > archiveBytes)
      return makeError(where + ": implausible size " +
                       llvm::Twine(static_cast<uint64_t>(stat.size)) +
                       " in an archive of " + llvm::Twine(archiveBytes) +
                       " bytes");
    zip_file_t *file = zip_fopen_index(archive, index, 0);
    if (!file)
      return makeError(where + ": cannot open it: " + zip_strerror(archive));
    llvm::scope_exit closeFile([&] { zip_fclose(file); });
    std::string bytes(stat.size, '\0');
    uint64_t done = 0;
    while (done < stat.size) {
      zip_int64_t got = zip_fread(file, bytes.data() + done, stat.size - done);
      if (got < 0)
        return makeError(where + ": corrupt data: " + zip_file_strerror(file));
      if (got == 0)
        return makeError(where + ": data ends after " + llvm::Twine(done) +
                         " of " + llvm::Twine(stat.size) + " bytes");
      done += got;
    }
    // Reading past the end makes libzip check the CRC.
    char extra;
    if (zip_fread(file, &extra, 1) != 0)
      return makeError(where + ": corrupt data: " + zip_file_strerror(file));
    return bytes;
  }

private:
  ZipArchive(zip_t *archive, StringRef name, uint64_t archiveBytes)
      : archive(archive), name(name.str()), archiveBytes(archiveBytes) {}

  zip_t *archive;
  std::string name;
  uint64_t archiveBytes;
};

/// `value` must be a JSON object: the model or its config.
llvm::Error expectObject(const llvm::json::Value &value,
                         const llvm::Twine &what) {
  if (!value.getAsObject())
    return makeError(what + ": expected a JSON object");
  return llvm::Error::success();
}

llvm::Expected<KerasFile> readKerasArchive(StringRef bytes, StringRef name) {
  llvm::Expected<ZipArchive> archive = ZipArchive::open(bytes, name);
  if (!archive)
    return archive.takeError();
  KerasFile file;
  file.format = KerasFile::Format::Keras;
  file.name = name.str();
  llvm::Expected<std::string> metadataText = archive->read("metadata.json");
  if (!metadataText)
    return metadataText.takeError();
  llvm::Expected<llvm::json::Value> metadata =
      parseJson(*metadataText, name + ": metadata.json");
  if (!metadata)
    return metadata.takeError();
  if (llvm::Error error = expectObject(*metadata, name + ": metadata.json"))
    return std::move(error);
  llvm::Expected<std::string> configText = archive->read("config.json");
  if (!configText)
    return configText.takeError();
  llvm::Expected<llvm::json::Value> config =
      parseJson(*configText, name + ": config.json");
  if (!config)
    return config.takeError();
  if (llvm::Error error = expectObject(*config, name + ": config.json"))
    return std::move(error);
  if (llvm::json::Value *compile = config->getAsObject()->get("compile_config"))
    file.training = std::move(*compile);
  file.model = std::move(*config);
  llvm::Expected<std::string> weights = archive->read("model.weights.h5");
  if (!weights)
    return weights.takeError();
  llvm::Expected<Hdf5File> hdf5 =
      Hdf5File::open(*weights, name.str() + ": model.weights.h5");
  if (!hdf5)
    return hdf5.takeError();
  file.weights = std::move(*hdf5);
  return file;
}

llvm::Expected<KerasFile> readLegacyH5(StringRef bytes, StringRef name) {
  llvm::Expected<Hdf5File> hdf5 = Hdf5File::open(bytes, name);
  if (!hdf5)
    return hdf5.takeError();
  KerasFile file;
  file.format = KerasFile::Format::LegacyH5;
  file.name = name.str();
  llvm::Expected<std::optional<std::string>> modelText =
      hdf5->readStringAttr("", "model_config");
  if (!modelText)
    return modelText.takeError();
  if (!*modelText)
    return makeError(name + ": an HDF5 file without the 'model_config' "
                            "attribute of a Keras model (weights only, as "
                            "save_weights writes?)");
  llvm::Expected<llvm::json::Value> model =
      parseJson(**modelText, name + ": model_config");
  if (!model)
    return model.takeError();
  if (llvm::Error error = expectObject(*model, name + ": model_config"))
    return std::move(error);
  file.model = std::move(*model);
  llvm::Expected<std::optional<std::string>> trainingText =
      hdf5->readStringAttr("", "training_config");
  if (!trainingText)
    return trainingText.takeError();
  if (*trainingText) {
    llvm::Expected<llvm::json::Value> training =
        parseJson(**trainingText, name + ": training_config");
    if (!training)
      return training.takeError();
    file.training = std::move(*training);
  }
  if (!hdf5->isGroup("model_weights"))
    return makeError(name + ": no 'model_weights' group (a Keras model "
                            "saved without weights?)");
  file.weights = std::move(*hdf5);
  return file;
}

} // namespace

llvm::Expected<llvm::json::Value>
cnnc::keras::parseJson(StringRef text, const llvm::Twine &what) {
  llvm::Expected<llvm::json::Value> value = llvm::json::parse(text);
  if (!value)
    return makeError(what +
                     ": invalid JSON: " + llvm::toString(value.takeError()));
  return value;
}

llvm::Expected<KerasFile>
cnnc::keras::readKerasFile(llvm::MemoryBufferRef buffer) {
  StringRef bytes = buffer.getBuffer();
  StringRef name = buffer.getBufferIdentifier();
  if (bytes.starts_with("PK\x03\x04") || bytes.starts_with("PK\x05\x06"))
    return readKerasArchive(bytes, name);
  if (bytes.starts_with("\x89HDF"))
    return readLegacyH5(bytes, name);
  if (bytes.ltrim().starts_with("{")) {
    KerasFile file;
    file.name = name.str();
    llvm::Expected<llvm::json::Value> model = parseJson(bytes, name);
    if (!model)
      return model.takeError();
    if (llvm::Error error = expectObject(*model, name))
      return std::move(error);
    // A Keras 3 config.json taken out of its archive keeps the compile
    // configuration.
    if (llvm::json::Value *compile =
            model->getAsObject()->get("compile_config"))
      file.training = std::move(*compile);
    file.model = std::move(*model);
    return file;
  }
  return makeError(name + ": not a Keras model: expected a .keras zip "
                          "archive, a Keras .h5 file or the JSON of "
                          "model.to_json()");
}
