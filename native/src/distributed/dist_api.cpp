// The C API of ekt/dist_api.h: the process's default group.
#include "ekt/dist_api.h"

#include <string>

#include "api/api_guard.h"
#include "distributed/process_group.h"
#include "error.h"

namespace {

thread_local std::string g_text;  // last string handed out on this thread

nlohmann::json parse_options(const char* options_json) {
  if (!options_json || !*options_json) return nlohmann::json::object();
  try {
    return nlohmann::json::parse(options_json);
  } catch (const nlohmann::json::exception& e) {
    EKT_FAIL("distributed options: invalid JSON (" << e.what() << ")");
  }
}

ekt::dist::ProcessGroup& group() {
  ekt::dist::ProcessGroup* g = ekt::dist::default_group();
  EKT_CHECK(g != nullptr, "no distributed process group (call ekt_dist_init first)");
  return *g;
}

}  // namespace

extern "C" {

const char* ekt_dist_resolve(const char* options_json) {
  const char* out = nullptr;
  ekt::guarded([&] {
    g_text = ekt::dist::GroupOptions::resolve(parse_options(options_json)).to_json().dump();
    out = g_text.c_str();
  });
  return out;
}

int ekt_dist_init(const char* options_json) {
  return ekt::guarded([&] {
    EKT_CHECK(ekt::dist::default_group() == nullptr, "a distributed process group exists already in this process");
    auto options = ekt::dist::GroupOptions::resolve(parse_options(options_json));
    ekt::dist::set_default_group(std::make_unique<ekt::dist::ProcessGroup>(options));
  });
}

void ekt_dist_shutdown(void) {
  ekt::guarded([] { ekt::dist::set_default_group(nullptr); });
}

int ekt_dist_barrier(const char* stage) {
  return ekt::guarded([&] { group().barrier(stage ? stage : "barrier"); });
}

int ekt_dist_check_same(const char* what, const char* value) {
  return ekt::guarded([&] {
    EKT_CHECK(what && value, "check_same: null argument");
    group().check_same(what, value);
  });
}

const char* ekt_dist_info(void) {
  const char* out = nullptr;
  ekt::guarded([&] {
    const ekt::dist::ProcessGroup& g = group();
    nlohmann::json j = g.options().to_json();
    j["reduce_seconds"] = g.reduce_seconds();
    j["reduces"] = g.reduces();
    g_text = j.dump();
    out = g_text.c_str();
  });
  return out;
}

}  // extern "C"
