// Reading the JSON option objects that cross the C API (sampling, training).
#pragma once

#include <nlohmann/json.hpp>

#include "error.h"

namespace ekt {

// Optional fields of one options object: an absent or null field gives the fallback; a value of
// the wrong type is an ekt::Error naming the kind of option ("sampling option") and the field.
class JsonOptions {
 public:
  JsonOptions(const nlohmann::json& j, const char* what) : j_(j), what_(what) {}

  template <class T>
  T get(const char* name, T fallback) const {
    auto it = j_.find(name);
    if (it == j_.end() || it->is_null()) return fallback;
    try {
      return it->get<T>();
    } catch (const nlohmann::json::exception&) {
      EKT_FAIL(what_ << " '" << name << "' has the wrong type: " << it->dump());
    }
  }

 private:
  const nlohmann::json& j_;
  const char* what_;
};

}  // namespace ekt
