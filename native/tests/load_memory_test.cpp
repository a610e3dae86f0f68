// Loading a bfloat16 checkpoint must not hold the model twice: the peak resident memory the load
// adds (VmHWM after it minus VmRSS before it) must stay close to the float32 model itself. Set
// EKT_LOAD_TEST_MB to the checkpoint size to try (default 192 MB of bfloat16 weights).
#include <gtest/gtest.h>
#include <malloc.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "formats/checkpoint.h"
#include "formats/fileutil.h"
#include "formats/safetensors.h"

namespace {

// A field of /proc/self/status in kB, e.g. "VmHWM".
int64_t status_kb(const std::string& field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(field + ":", 0) == 0) return std::atoll(line.c_str() + field.size() + 1);
  ADD_FAILURE() << "no " << field << " in /proc/self/status";
  return -1;
}

TEST(CheckpointMemory, PeakResidentMemoryStaysNearTheFloat32Model) {
  const char* env = std::getenv("EKT_LOAD_TEST_MB");
  const int64_t target_bytes = (env ? std::atoll(env) : 192) << 20;
  // Llama-like shapes (GQA, untied head); the layer count sets the size.
  const int64_t C = 1024, F = 2816, V = 8192, H = 16, KV = 4, D = 64;
  const int64_t per_layer = 2 * C * H * D + 2 * C * KV * D + 3 * C * F + 2 * C, fixed = 2 * V * C + C;
  const int64_t layers = std::max<int64_t>(1, (target_bytes / 2 - fixed) / per_layer);
  nlohmann::json config = {{"model_type", "llama"}, {"vocab_size", V}, {"max_position_embeddings", 256}, {"hidden_size", C},
                           {"num_hidden_layers", layers}, {"num_attention_heads", H}, {"num_key_value_heads", KV},
                           {"intermediate_size", F}, {"torch_dtype", "bfloat16"}};
  const std::string dir = testing::TempDir() + "/ekt_load_memory_" + std::to_string(::getpid());
  ekt::make_dirs(dir);
  ekt::write_file_atomic(dir + "/config.json", config.dump());
  {
    const ekt::ModelConfig parsed = ekt::ModelConfig::parse(config, "config.json");
    std::vector<std::pair<std::string, torch::Tensor>> tensors;
    for (const ekt::ParamSpec& spec : ekt::architecture_for(parsed).specs(parsed))
      tensors.emplace_back(spec.name, torch::randn(spec.shape).to(torch::kBFloat16));
    ekt::safetensors::write(dir + "/model.safetensors", tensors, {{"format", "pt"}});
  }  // the tensors written are freed before measuring

  ::malloc_trim(0);  // return the freed writing buffers, so the load cannot reuse them unseen
  {
    std::ofstream reset("/proc/self/clear_refs");
    reset << "5";  // resets VmHWM to the current resident size (Linux >= 4.0)
  }
  const int64_t before_kb = status_kb("VmRSS");
  ASSERT_LE(status_kb("VmHWM"), before_kb + 1024) << "could not reset the peak RSS counter";
  ekt::LoadedModel loaded = ekt::load_checkpoint(dir, torch::kCPU);
  const int64_t peak_kb = status_kb("VmHWM");
  const int64_t model_kb = ekt::parameter_count(*loaded.model) * 4 / 1024;
  const int64_t file_kb = ekt::parameter_count(*loaded.model) * 2 / 1024;
  std::cout << "[ load memory ] bf16 checkpoint " << file_kb / 1024 << " MB, float32 model " << model_kb / 1024
            << " MB, RSS before " << before_kb / 1024 << " MB, peak RSS added by loading " << (peak_kb - before_kb) / 1024 << " MB ("
            << static_cast<double>(peak_kb - before_kb) / static_cast<double>(model_kb) << " x the model)\n";
  // Allowed beyond the model: the largest tensor's transient bf16 copy and allocator slack.
  EXPECT_LE(peak_kb - before_kb, model_kb + model_kb / 10 + 64 * 1024);
  ::unlink((dir + "/model.safetensors").c_str());
  ::unlink((dir + "/config.json").c_str());
  ::rmdir(dir.c_str());
}

}  // namespace
