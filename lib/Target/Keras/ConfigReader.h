//===- ConfigReader.h - typed access to Keras JSON configs ------*- C++ -*-===//
//
// Keras serializes every layer, model, optimizer and loss as a JSON object
// of arguments. ConfigReader reads them with the types Keras documents and
// turns every mismatch into one message that names where the object came
// from and the argument, e.g.
// "m.keras: layer 'conv2d' (Conv2D): strides: expected 2 positive
// integers, got [1, 0]".
//
//===----------------------------------------------------------------------===//

#ifndef CNNC_LIB_TARGET_KERAS_CONFIGREADER_H
#define CNNC_LIB_TARGET_KERAS_CONFIGREADER_H

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"

#include <optional>
#include <string>

namespace cnnc::keras {

/// A short rendering of a JSON value for messages ("null", "\"same\"",
/// "[3, 3]"), cut after 60 characters.
std::string describeJson(const llvm::json::Value &value);

/// An llvm::Error with `message`.
llvm::Error makeError(const llvm::Twine &message);

/// One JSON object of a Keras config and where it came from.
class ConfigReader {
public:
  /// `context` prefixes every message, e.g. "m.keras: layer 'conv2d'
  /// (Conv2D)".
  ConfigReader(const llvm::json::Object &object, std::string context)
      : object(&object), context(std::move(context)) {}

  const llvm::json::Object &getObject() const { return *object; }
  llvm::StringRef getContext() const { return context; }

  /// "<context>: <message>".
  llvm::Error error(const llvm::Twine &message) const;
  /// "<context>: <key>: <message>".
  llvm::Error error(llvm::StringRef key, const llvm::Twine &message) const;
  /// "<context>: <key>: expected <expected>, got <the value>".
  llvm::Error mismatch(llvm::StringRef key, const llvm::Twine &expected) const;

  /// The value of `key`, nullptr when absent or JSON null.
  const llvm::json::Value *get(llvm::StringRef key) const;

  /// An integer; `fallback` when absent or null, else an error.
  llvm::Expected<int64_t> getInt(llvm::StringRef key,
                                 std::optional<int64_t> fallback = {}) const;
  /// A number (integers too).
  llvm::Expected<double> getNumber(llvm::StringRef key,
                                   std::optional<double> fallback = {}) const;
  llvm::Expected<bool> getBool(llvm::StringRef key,
                               std::optional<bool> fallback = {}) const;
  llvm::Expected<std::string>
  getString(llvm::StringRef key,
            std::optional<llvm::StringRef> fallback = {}) const;
  /// `count` positive integers given as one integer (repeated) or a list,
  /// as Keras's kernel_size, strides, pool_size and dilation_rate.
  llvm::Expected<llvm::SmallVector<int64_t, 2>>
  getPositiveInts(llvm::StringRef key, size_t count,
                  std::optional<int64_t> fallback = {}) const;
  /// A nested object; `key` must be present.
  llvm::Expected<ConfigReader> getObject(llvm::StringRef key) const;

  /// Fails unless `key` is absent, null or `false`/0/empty: arguments
  /// cnnc does not implement, such as regularizers and constraints.
  /// `what` says what the argument does ("regularizers change the loss").
  llvm::Error expectUnset(llvm::StringRef key, llvm::StringRef what) const;

private:
  const llvm::json::Object *object;
  std::string context;
};

/// Reads several arguments and keeps the first error, so that a layer
/// reads its arguments in order and reports one line:
///
///   FirstError errors;
///   int64_t filters = errors.take(config.getInt("filters"));
///   bool useBias = errors.take(config.getBool("use_bias", true));
///   if (llvm::Error error = errors.takeError())
///     return std::move(error);
class FirstError {
public:
  /// The value, or a default-constructed T after recording the error.
  template <typename T> T take(llvm::Expected<T> value) {
    if (value)
      return std::move(*value);
    if (first)
      llvm::consumeError(value.takeError());
    else
      first = value.takeError();
    return T();
  }
  /// The first error, or success.
  llvm::Error takeError() { return std::move(first); }

private:
  llvm::Error first = llvm::Error::success();
};

} // namespace cnnc::keras

#endif // CNNC_LIB_TARGET_KERAS_CONFIGREADER_H
