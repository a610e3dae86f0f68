// Reading the JSON option objects that cross the C API (sampling, training).
#pragma once

#include <nlohmann/json.hpp>

#include "error.h"

namespace ekt {

// The fields of one options object. require(): a field the caller must send (what a sampler or
// trainer is created with: the Java side states every value, so no native default can silently
// disagree with its own); get(): an optional field, absent or null giving the fallback. A missing
// required field or a value of the wrong type is an ekt::Error naming the kind of option
// ("sampling option") and the field.
class JsonOptions {
 public:
  JsonOptions(const nlohmann::json& j, const char* what) : j_(j), what_(what) {}

  template <class T>
  T require(const char* name) const {
    auto it = j_.find(name);
    EKT_CHECK(it != j_.end() && !it->is_null(), what_ << " '" << name << "' is missing");
    return as<T>(*it, name);
  }

  template <class T>
  T get(const char* name, T fallback) const {
    auto it = j_.find(name);
    if (it == j_.end() || it->is_null()) return fallback;
    return as<T>(*it, name);
  }

 private:
  template <class T>
  T as(const nlohmann::json& value, const char* name) const {
    try {
      return value.get<T>();
    } catch (const nlohmann::json::exception&) {
      EKT_FAIL(what_ << " '" << name << "' has the wrong type: " << value.dump());
    }
  }

  const nlohmann::json& j_;
  const char* what_;
};

}  // namespace ekt
