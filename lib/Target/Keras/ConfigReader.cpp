//===- ConfigReader.cpp - typed access to Keras JSON configs --------------===//
//
// Keras writes integers as JSON integers, floats as numbers that may look
// like integers ("offset": 0), tuples as lists and absent optional
// arguments as null; these readers accept exactly that.
//
//===----------------------------------------------------------------------===//

#include "ConfigReader.h"

#include "llvm/Support/raw_ostream.h"

#include <cmath>

using namespace cnnc::keras;
using llvm::StringRef;
namespace json = llvm::json;

llvm::Error cnnc::keras::makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

std::string cnnc::keras::describeJson(const json::Value &value) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << value;
  if (text.size() > 60)
    text = text.substr(0, 57) + "...";
  return text;
}

llvm::Error ConfigReader::error(const llvm::Twine &message) const {
  return makeError(context + ": " + message);
}

llvm::Error ConfigReader::error(StringRef key,
                                const llvm::Twine &message) const {
  return makeError(context + ": " + key + ": " + message);
}

llvm::Error ConfigReader::mismatch(StringRef key,
                                   const llvm::Twine &expected) const {
  const json::Value *value = object->get(key);
  return error(key, "expected " + expected + ", got " +
                        (value ? describeJson(*value) : "nothing"));
}

const json::Value *ConfigReader::get(StringRef key) const {
  const json::Value *value = object->get(key);
  if (!value || value->kind() == json::Value::Null)
    return nullptr;
  return value;
}

llvm::Expected<int64_t>
ConfigReader::getInt(StringRef key, std::optional<int64_t> fallback) const {
  const json::Value *value = get(key);
  if (!value) {
    if (fallback)
      return *fallback;
    return error(key, "missing (an integer)");
  }
  if (std::optional<int64_t> integer = value->getAsInteger())
    return *integer;
  // 3.0 is an integer too.
  if (std::optional<double> number = value->getAsNumber())
    if (std::isfinite(*number) && *number == std::trunc(*number) &&
        std::fabs(*number) < 9.0e15)
      return static_cast<int64_t>(*number);
  return mismatch(key, "an integer");
}

llvm::Expected<double>
ConfigReader::getNumber(StringRef key, std::optional<double> fallback) const {
  const json::Value *value = get(key);
  if (!value) {
    if (fallback)
      return *fallback;
    return error(key, "missing (a number)");
  }
  std::optional<double> number = value->getAsNumber();
  if (!number || !std::isfinite(*number))
    return mismatch(key, "a finite number");
  return *number;
}

llvm::Expected<bool> ConfigReader::getBool(StringRef key,
                                           std::optional<bool> fallback) const {
  const json::Value *value = get(key);
  if (!value) {
    if (fallback)
      return *fallback;
    return error(key, "missing (true or false)");
  }
  if (std::optional<bool> flag = value->getAsBoolean())
    return *flag;
  return mismatch(key, "true or false");
}

llvm::Expected<std::string>
ConfigReader::getString(StringRef key,
                        std::optional<StringRef> fallback) const {
  const json::Value *value = get(key);
  if (!value) {
    if (fallback)
      return fallback->str();
    return error(key, "missing (a string)");
  }
  if (std::optional<StringRef> text = value->getAsString())
    return text->str();
  return mismatch(key, "a string");
}

llvm::Expected<llvm::SmallVector<int64_t, 2>>
ConfigReader::getPositiveInts(StringRef key, size_t count,
                              std::optional<int64_t> fallback) const {
  const json::Value *value = get(key);
  llvm::SmallVector<int64_t, 2> result;
  auto expected = [&] {
    return mismatch(key, "a positive integer or a list of " +
                             llvm::Twine(count) + " positive integers");
  };
  auto isPositive = [](const json::Value &v, int64_t &out) {
    std::optional<int64_t> integer = v.getAsInteger();
    if (!integer || *integer < 1)
      return false;
    out = *integer;
    return true;
  };
  if (!value) {
    if (!fallback)
      return error(key, "missing");
    result.assign(count, *fallback);
    return result;
  }
  int64_t single;
  if (isPositive(*value, single)) {
    result.assign(count, single);
    return result;
  }
  const json::Array *list = value->getAsArray();
  if (!list || list->size() != count)
    return expected();
  for (const json::Value &element : *list) {
    if (!isPositive(element, single))
      return expected();
    result.push_back(single);
  }
  return result;
}

llvm::Expected<ConfigReader> ConfigReader::getObject(StringRef key) const {
  const json::Value *value = get(key);
  if (!value || !value->getAsObject())
    return mismatch(key, "an object");
  return ConfigReader(*value->getAsObject(), context);
}

llvm::Error ConfigReader::expectUnset(StringRef key, StringRef what) const {
  const json::Value *value = get(key);
  if (!value)
    return llvm::Error::success();
  if (std::optional<bool> flag = value->getAsBoolean(); flag && !*flag)
    return llvm::Error::success();
  if (std::optional<double> number = value->getAsNumber();
      number && *number == 0)
    return llvm::Error::success();
  if (const json::Array *list = value->getAsArray(); list && list->empty())
    return llvm::Error::success();
  return error(key, describeJson(*value) + " is not supported (" + what + ")");
}
