// Closing a model, a sampler or a trainer gives its memory back. On the CPU the counter is the C
// heap's bytes in use (glibc's mallinfo2: libtorch's CPU tensors come from posix_memalign), read
// after one warm-up round so that libtorch's one-time initialisations are not counted; on CUDA
// (EKT_TEST_DEVICE=cuda, scripts/gpu-check.sh) it is the caching allocator's allocated bytes.
#include <gtest/gtest.h>
#include <malloc.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <nlohmann/json.hpp>

#include "formats/checkpoint.h"
#include "training/cpu_cache.h"
#include "device/memory.h"
#include "ekt/init_api.h"
#include "sampling/generate.h"
#include "api/model_handle.h"
#include "test_device.h"
#include "test_options.h"
#include "training/trainer.h"

namespace {

// Bytes in use: the caching allocator's on CUDA; on the CPU the heap's, with idle cached training
// buffers returned first (they are kept for the next trainer by design, not held by the closed one).
int64_t bytes_in_use(const torch::Device& device) {
  if (device.is_cuda()) return ekt::device_memory(device).allocated;
  ekt::CpuBufferCache::release();
  ::malloc_trim(0);
  const struct mallinfo2 m = ::mallinfo2();
  return static_cast<int64_t>(m.uordblks + m.hblkhd);
}

std::unique_ptr<ekt_model> model_on(const torch::Device& device) {
  // 4 layers of width 256 and a 4096-token vocabulary: 4.2 M parameters, 17 MB of float32 weights.
  const nlohmann::json config = {{"model_type", "gpt2"}, {"vocab_size", 4096}, {"n_positions", 128}, {"n_embd", 256},
                                 {"n_layer", 4}, {"n_head", 4}, {"eos_token_id", 4095}};
  ekt_model* m = ekt_model_init(config.dump().c_str(), 5, device.str().c_str());
  // Thrown, so that the test fails with the core's message instead of going on with no model.
  if (m == nullptr) throw std::runtime_error(std::string("ekt_model_init: ") + ekt_last_error());
  return std::unique_ptr<ekt_model>(m);
}

// Samples 3 prompts x 4 samples of 48 tokens to the end; returns the bytes in use while the
// generator was alive (its caches), before it is destroyed.
int64_t sample(ekt::CausalLM& model, const torch::Device& device) {
  c10::InferenceMode inference;
  ekt::GenerationOptions o;
  o.samples = 4;
  o.max_new_tokens = 48;
  o.sampling.temperature = 0.8;
  ekt::Generator g(model, o);
  uint64_t key = 1;
  for (const std::vector<int64_t>& p : {std::vector<int64_t>{3, 1, 4, 1, 5}, {9, 2, 6}, {5, 3, 5, 8, 9, 7, 9}}) g.add_prompt(key++, p);
  while (g.run(8)) {
  }
  EXPECT_EQ(g.finished().size(), 12u);
  return bytes_in_use(device);
}

// Three optimizer steps; returns the bytes in use while the trainer was alive (gradients, AdamW moments).
int64_t train(ekt::CausalLM& model, const torch::Device& device) {
  ekt::Trainer trainer(model, nullptr, ekt::TrainerOptions::parse(trainer_options({{"lr", 1e-3}, {"total_steps", 3}})));
  torch::manual_seed(3);
  torch::Tensor ids = torch::randint(0, 4096, {4, 32}, torch::kInt64).to(device);
  torch::Tensor valid = torch::ones({4, 32}, torch::TensorOptions().dtype(torch::kBool).device(device));
  for (int step = 0; step < 3; ++step) trainer.step({ids, ids.roll(-1, 1), valid, valid.to(torch::kFloat32)});
  return bytes_in_use(device);
}

// One full round; `during` gets the bytes in use at each point, `after` once everything is closed.
struct Round {
  int64_t weights = 0;  // the model's parameter bytes
  int64_t model = 0, sampling = 0, after_sampler = 0, training = 0, after_trainer = 0, after = 0;
};

Round round_trip(const torch::Device& device) {
  Round r;
  {
    std::unique_ptr<ekt_model> m = model_on(device);
    r.weights = ekt::parameter_count(*m->loaded.model) * 4;
    r.model = bytes_in_use(device);
    r.sampling = sample(*m->loaded.model, device);
    r.after_sampler = bytes_in_use(device);
    r.training = train(*m->loaded.model, device);
    r.after_trainer = bytes_in_use(device);
  }
  r.after = bytes_in_use(device);
  return r;
}

TEST(MemoryRelease, ClosingTheSamplerTrainerAndModelReturnsTheirMemory) {
  const torch::Device device = test_device();
  round_trip(device);  // warm-up: libtorch's lazy initialisations, thread pools, kernel caches
  const int64_t before = bytes_in_use(device);
  const Round r = round_trip(device);
  // Slack for the heap's own bookkeeping and small host-side containers; far below any tensor here.
  const int64_t slack = device.is_cuda() ? 0 : 1 << 20;
  std::cout << "[ memory ] " << device << ": before " << before << ", model " << r.model << ", sampling " << r.sampling
            << ", after sampler " << r.after_sampler << ", training " << r.training << ", after trainer " << r.after_trainer
            << ", after all " << r.after << " bytes\n";
  EXPECT_GE(r.model - before, r.weights) << "the counter sees the weights";
  EXPECT_GT(r.training, r.after_trainer) << "the counter sees the trainer's gradients and moments";
  EXPECT_LE(r.after_sampler, r.model + slack) << "the closed sampler still holds memory";
  EXPECT_LE(r.after_trainer, r.model + slack) << "the closed trainer still holds memory";
  EXPECT_LE(r.after, before + slack) << "the closed model still holds memory";
}

}  // namespace
