// The C API's sampler and trainer creators take every option from the caller: a missing field
// fails through the error path (NULL, ekt_last_error), naming the field; optional-by-meaning
// fields and a prompt's own overrides stay optional.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "ekt/api.h"
#include "ekt/init_api.h"
#include "ekt/sample_api.h"
#include "ekt/sample_stream_api.h"
#include "ekt/train_api.h"
#include "test_options.h"

namespace {

std::unique_ptr<ekt_model, void (*)(ekt_model*)> tiny_gpt2() {
  const char* config = R"({"model_type": "gpt2", "vocab_size": 31, "n_positions": 16, "n_embd": 8, "n_layer": 1,
    "n_head": 2})";
  ekt_model* m = ekt_model_init(config, 1, "cpu");
  EXPECT_NE(m, nullptr) << ekt_last_error();
  return {m, ekt_model_free};
}

// Creating with each field of `all` left out in turn fails, naming the field; create(json) says
// whether it created (and freed) the object.
template <class Create>
void expect_every_field_required(const nlohmann::json& all, const std::string& what, Create create) {
  for (const auto& item : all.items()) {
    nlohmann::json j = all;
    j.erase(item.key());
    EXPECT_FALSE(create(j.dump())) << item.key();
    EXPECT_NE(std::string(ekt_last_error()).find(what + " '" + item.key() + "' is missing"), std::string::npos)
        << ekt_last_error();
  }
}

TEST(Options, SamplerRequiresEveryFieldJavaSends) {
  auto model = tiny_gpt2();
  ekt_sampler* complete = ekt_sampler_create(model.get(), sampler_options().dump().c_str());
  ASSERT_NE(complete, nullptr) << ekt_last_error();
  // A prompt's own options (the streaming API) stay overrides: absent fields keep the sampler's.
  const int64_t ids[] = {1, 2, 3};
  int64_t index = -1;
  EXPECT_EQ(ekt_sampler_add_prompt(complete, ids, 3, 7, R"({"temperature": 0})", &index), 0) << ekt_last_error();
  EXPECT_EQ(index, 0);
  ekt_sampler_free(complete);
  // Optional by meaning: the end-of-sequence id (absent = the model config's) and token events.
  ekt_sampler* optional = ekt_sampler_create(
      model.get(), sampler_options({{"eos_token_id", 3}, {"token_events", true}}).dump().c_str());
  EXPECT_NE(optional, nullptr) << ekt_last_error();
  ekt_sampler_free(optional);
  expect_every_field_required(sampler_options(), "sampling option", [&](const std::string& json) {
    ekt_sampler* s = ekt_sampler_create(model.get(), json.c_str());
    ekt_sampler_free(s);
    return s != nullptr;
  });
  EXPECT_EQ(ekt_sampler_create(model.get(), sampler_options({{"max_batch", "many"}}).dump().c_str()), nullptr);
  EXPECT_NE(std::string(ekt_last_error()).find("'max_batch' has the wrong type"), std::string::npos) << ekt_last_error();
}

TEST(Options, TrainerRequiresEveryFieldJavaSends) {
  auto model = tiny_gpt2();
  ekt_trainer* complete = ekt_trainer_create(model.get(), nullptr, trainer_options().dump().c_str());
  EXPECT_NE(complete, nullptr) << ekt_last_error();
  ekt_trainer_free(complete);
  expect_every_field_required(trainer_options(), "trainer option", [&](const std::string& json) {
    ekt_trainer* t = ekt_trainer_create(model.get(), nullptr, json.c_str());
    ekt_trainer_free(t);
    return t != nullptr;
  });
}

}  // namespace
