// The C API's sampler and trainer creators take every option from the caller: a missing field
// fails through the error path (NULL, ekt_last_error), naming the field; optional-by-meaning
// fields stay optional.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "ekt/api.h"
#include "ekt/init_api.h"
#include "ekt/sample_api.h"
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

TEST(Options, SamplerRequiresEveryFieldJavaSends) {
  auto model = tiny_gpt2();
  ekt_sampler* complete = ekt_sampler_create(model.get(), sampler_options().dump().c_str());
  EXPECT_NE(complete, nullptr) << ekt_last_error();
  ekt_sampler_free(complete);
  // Optional by meaning: the end-of-sequence id (absent = the model config's) and token events.
  ekt_sampler* optional = ekt_sampler_create(
      model.get(), sampler_options({{"eos_token_id", 3}, {"token_events", true}}).dump().c_str());
  EXPECT_NE(optional, nullptr) << ekt_last_error();
  ekt_sampler_free(optional);
  const nlohmann::json all = sampler_options();
  for (const auto& item : all.items()) {
    nlohmann::json j = all;
    j.erase(item.key());
    EXPECT_EQ(ekt_sampler_create(model.get(), j.dump().c_str()), nullptr) << item.key();
    EXPECT_NE(std::string(ekt_last_error()).find("sampling option '" + item.key() + "' is missing"), std::string::npos)
        << ekt_last_error();
  }
  EXPECT_EQ(ekt_sampler_create(model.get(), sampler_options({{"max_batch", "many"}}).dump().c_str()), nullptr);
  EXPECT_NE(std::string(ekt_last_error()).find("'max_batch' has the wrong type"), std::string::npos) << ekt_last_error();
}

TEST(Options, TrainerRequiresEveryFieldJavaSends) {
  auto model = tiny_gpt2();
  ekt_trainer* complete = ekt_trainer_create(model.get(), nullptr, trainer_options().dump().c_str());
  EXPECT_NE(complete, nullptr) << ekt_last_error();
  ekt_trainer_free(complete);
  const nlohmann::json all = trainer_options();
  for (const auto& item : all.items()) {
    nlohmann::json j = all;
    j.erase(item.key());
    EXPECT_EQ(ekt_trainer_create(model.get(), nullptr, j.dump().c_str()), nullptr) << item.key();
    EXPECT_NE(std::string(ekt_last_error()).find("trainer option '" + item.key() + "' is missing"), std::string::npos)
        << ekt_last_error();
  }
}

}  // namespace
