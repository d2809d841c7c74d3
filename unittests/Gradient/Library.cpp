//===- Library.cpp - compiled training libraries for the tests ------------===//
//
// Runs the real cnnc binary (CNNC_TOOLS_DIR) with the real support library
// (CNNC_LIB_DIR); one temporary directory per process holds the
// .mlir/.so/.log files and is removed when the process exits.
//
//===----------------------------------------------------------------------===//

#include "Library.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <atomic>
#include <dlfcn.h>
#include <map>
#include <sstream>
#include <thread>

#ifndef CNNC_TOOLS_DIR
#error "CNNC_TOOLS_DIR must name the directory holding cnnc"
#endif
#ifndef CNNC_LIB_DIR
#error "CNNC_LIB_DIR must name the directory holding libcnnc_support.a"
#endif

namespace cnnc::gradient {

namespace {

/// A compiled library, or why it could not be compiled or loaded.
struct CacheEntry {
  /// What was compiled: the module text and the flags.
  std::string signature;
  void *handle = nullptr;
  const cnnc_model_desc *desc = nullptr;
  std::string error;
};

std::string signatureOf(const Library &library) {
  std::string signature = library.spec.mlir;
  for (const std::string &flag : library.spec.cnncFlags)
    signature += "\n" + flag;
  return signature;
}

/// The per-process store; its destructor unloads the libraries and removes
/// the temporary directory.
class LibraryCache {
public:
  ~LibraryCache() {
    for (auto &entry : entries)
      if (entry.second.handle)
        dlclose(entry.second.handle);
    if (!directory.empty())
      llvm::sys::fs::remove_directories(directory);
  }

  /// The temporary directory, created on first use; empty on failure.
  llvm::StringRef getDirectory(std::string &error) {
    if (directory.empty()) {
      if (std::error_code ec = llvm::sys::fs::createUniqueDirectory(
              "cnnc-gradient", directory)) {
        error = "cannot create a temporary directory: " + ec.message();
        directory.clear();
      }
    }
    return directory;
  }

  std::map<std::string, CacheEntry> entries;

private:
  llvm::SmallString<128> directory;
};

LibraryCache &getCache() {
  static LibraryCache cache;
  return cache;
}

std::map<std::string, std::vector<Library>> &getRegistry() {
  static std::map<std::string, std::vector<Library>> registry;
  return registry;
}

/// Writes the module, runs cnnc and loads the library into `entry`. Returns
/// an error message, empty on success. Safe to run concurrently for
/// distinct entries once the directory exists.
std::string compileAndLoad(const Library &library, llvm::StringRef directory,
                           CacheEntry &entry) {
  return numeric::compileLibrary(library.spec.mlir, library.spec.cnncFlags, directory,
                        library.key, entry.handle, entry.desc);
}

/// Compiles the libraries of every selected test, in parallel, after gtest
/// has applied the filter and the sharding protocol.
class PrecompileEnvironment : public ::testing::Environment {
public:
  void SetUp() override {
    LibraryCache &cache = getCache();
    std::vector<std::pair<const Library *, CacheEntry *>> work;
    const ::testing::UnitTest &unit = *::testing::UnitTest::GetInstance();
    for (int i = 0; i < unit.total_test_suite_count(); ++i) {
      const ::testing::TestSuite &suite = *unit.GetTestSuite(i);
      for (int j = 0; j < suite.total_test_count(); ++j) {
        const ::testing::TestInfo &info = *suite.GetTestInfo(j);
        if (!info.should_run())
          continue;
        std::string name = info.name();
        auto it = getRegistry().find(name.substr(name.rfind('/') + 1));
        if (it == getRegistry().end())
          continue;
        for (const Library &library : it->second) {
          if (cache.entries.count(library.key))
            continue;
          CacheEntry &entry = cache.entries[library.key];
          entry.signature = signatureOf(library);
          work.push_back({&library, &entry});
        }
      }
    }
    if (work.empty())
      return;
    std::string error;
    llvm::StringRef directory = cache.getDirectory(error);
    if (directory.empty()) {
      for (auto &item : work)
        item.second->error = error; // loadLibrary reports it
      return;
    }
    std::atomic<size_t> next{0};
    auto compileSome = [&] {
      for (size_t i = next++; i < work.size(); i = next++)
        work[i].second->error =
            compileAndLoad(*work[i].first, directory, *work[i].second);
    };
    size_t threadCount = std::min<size_t>(
        std::max(1u, std::thread::hardware_concurrency()), work.size());
    std::vector<std::thread> threads;
    for (size_t i = 0; i < threadCount; ++i)
      threads.emplace_back(compileSome);
    for (std::thread &thread : threads)
      thread.join();
  }
};

[[maybe_unused]] ::testing::Environment *const precompileEnvironment =
    ::testing::AddGlobalTestEnvironment(new PrecompileEnvironment);

Library withFlags(const GradModel &model, std::string variant,
                  std::vector<std::string> flags) {
  Library library;
  library.key = model.spec.name + "_" + variant;
  library.spec = model.spec;
  library.spec.cnncFlags = std::move(flags);
  return library;
}

std::string lossFlag(const GradModel &model) {
  return std::string("--loss=") + toString(model.loss);
}

} // namespace

Library sgdLibrary(const GradModel &model, double momentum, bool nesterov) {
  std::ostringstream momentumText;
  momentumText << momentum;
  std::vector<std::string> flags = {
      "--optimizer=sgd", "--momentum=" + momentumText.str(), lossFlag(model)};
  std::string variant = "sgd" + momentumText.str();
  if (nesterov) {
    flags.push_back("--nesterov");
    variant += "_nesterov";
  }
  std::replace(variant.begin(), variant.end(), '.', 'p');
  return withFlags(model, variant, flags);
}

Library adamLibrary(const GradModel &model) {
  return withFlags(model, "adam", {"--optimizer=adam", lossFlag(model)});
}

Library defaultLibrary(const GradModel &model) {
  return withFlags(model, "default", {});
}

void registerCase(const std::string &caseName,
                  const std::vector<Library> &libraries) {
  getRegistry()[caseName] = libraries;
}

const cnnc_model_desc *loadLibrary(const Library &library) {
  LibraryCache &cache = getCache();
  auto it = cache.entries.find(library.key);
  if (it == cache.entries.end()) {
    CacheEntry entry;
    entry.signature = signatureOf(library);
    std::string error;
    llvm::StringRef directory = cache.getDirectory(error);
    entry.error =
        directory.empty() ? error : compileAndLoad(library, directory, entry);
    it = cache.entries.emplace(library.key, std::move(entry)).first;
  } else if (it->second.signature != signatureOf(library)) {
    ADD_FAILURE() << "two different test libraries are named " << library.key;
    return nullptr;
  }
  if (!it->second.error.empty()) {
    ADD_FAILURE() << "library " << library.key << ": " << it->second.error
                  << "\nmodule:\n"
                  << library.spec.mlir;
    return nullptr;
  }
  return it->second.desc;
}

} // namespace cnnc::gradient
