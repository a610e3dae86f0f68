// Native pieces of the trainer against independent formulations: the HF schedule values the
// paper's logs show, AdamW against a scalar float64 transcription of transformers.AdamW, the
// hand-derived loss gradients against torch autograd, and checkpoint round trips.
#include <c10/core/CPUAllocator.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <set>

#include "training/checkpoint_activations.h"
#include "training/cpu_cache.h"
#include "device/torch_features.h"
#include "ekt/init_api.h"
#include "error.h"
#include "formats/fileutil.h"
#include "training/loss.h"
#include "api/model_handle.h"
#include "training/optimizer.h"
#include "training/schedule.h"
#include "test_options.h"
#include "training/trainer.h"

namespace {

using ekt::LrSchedule;

TEST(Schedule, LinearWarmupMatchesThePapersTrainerState) {
  LrSchedule s{LrSchedule::Kind::kLinear, 1e-4, 100, 140 * 203};
  EXPECT_DOUBLE_EQ(s.lr(0), 0.0);  // HF: the first update runs at lr 0
  EXPECT_DOUBLE_EQ(s.lr(50), 0.5e-4);
  EXPECT_DOUBLE_EQ(s.lr(100), 1e-4);
  EXPECT_NEAR(s.lr(2030), 9.3185e-5, 5e-10);  // logged at step 2030 of the Codex -> 1.3B run
  EXPECT_DOUBLE_EQ(s.lr(28420), 0.0);
  EXPECT_DOUBLE_EQ(s.lr(30000), 0.0);
}

TEST(Schedule, CosineAndConstant) {
  LrSchedule cosine{LrSchedule::Kind::kCosine, 2.0, 10, 110};
  EXPECT_DOUBLE_EQ(cosine.lr(5), 1.0);
  EXPECT_DOUBLE_EQ(cosine.lr(10), 2.0);
  EXPECT_NEAR(cosine.lr(60), 1.0, 1e-12);
  EXPECT_NEAR(cosine.lr(110), 0.0, 1e-12);
  LrSchedule constant{LrSchedule::Kind::kConstant, 3.0, 4, 0};
  EXPECT_DOUBLE_EQ(constant.lr(1), 0.75);
  EXPECT_DOUBLE_EQ(constant.lr(1000), 3.0);
  EXPECT_THROW(LrSchedule::parse_kind("exponential"), ekt::Error);
}

// transformers.AdamW, one scalar at a time, in float64.
struct ScalarAdamW {
  double p, m = 0, v = 0;
  void step(double g, int t, double lr, double b1, double b2, double eps, double wd) {
    m = b1 * m + (1 - b1) * g;
    v = b2 * v + (1 - b2) * g * g;
    const double step_size = lr * std::sqrt(1 - std::pow(b2, t)) / (1 - std::pow(b1, t));
    p -= step_size * m / (std::sqrt(v) + eps);
    p += -lr * wd * p;
  }
};

TEST(AdamW, EveryKernelMatchesTheHfFormula) {
  using Kernel = ekt::AdamW::Kernel;
  std::vector<std::pair<Kernel, const char*>> kernels = {{Kernel::fused_cpu, "fused_cpu"}, {Kernel::foreach, "foreach"}};
#if EKT_TORCH_AT_LEAST(2, 4)  // torch's fused AdamW runs on the CPU from 2.4 (on CUDA from 2.1)
  kernels.push_back({Kernel::fused_torch, "fused_torch"});
#endif
  torch::manual_seed(3);
  for (auto [kernel, kernel_name] : kernels) {
    std::vector<ekt::Param> params = {{"w", torch::randn({7, 5})}, {"b", torch::randn({5})}};
    std::vector<torch::Tensor> start = {params[0].tensor.clone(), params[1].tensor.clone()};
    ekt::AdamW opt(params, {0.9, 0.99, 1e-6, 0.1});
    opt.set_kernel(kernel);
    EXPECT_TRUE(opt.decays(0));
    EXPECT_FALSE(opt.decays(1));  // vectors (biases, norms) are not decayed
    std::vector<std::vector<ScalarAdamW>> ref(2);
    for (size_t i = 0; i < 2; ++i)
      for (int64_t k = 0; k < start[i].numel(); ++k) ref[i].push_back({start[i].flatten()[k].item<double>()});
    for (int t = 1; t <= 3; ++t) {
      const double lr = 0.01 * t, scale = 0.5;
      for (size_t i = 0; i < 2; ++i) {
        torch::Tensor g = torch::randn(params[i].tensor.sizes());
        params[i].tensor.mutable_grad() = g;
        for (int64_t k = 0; k < g.numel(); ++k)
          ref[i][static_cast<size_t>(k)].step(scale * g.flatten()[k].item<double>(), t, lr, 0.9, 0.99, 1e-6, i == 0 ? 0.1 : 0.0);
      }
      opt.step(lr, scale);
    }
    for (size_t i = 0; i < 2; ++i)
      for (int64_t k = 0; k < start[i].numel(); ++k)
        EXPECT_NEAR(params[i].tensor.flatten()[k].item<double>(), ref[i][static_cast<size_t>(k)].p, 2e-6)
            << kernel_name << " tensor " << i << " element " << k;
    EXPECT_EQ(opt.steps(), 3);
  }
}

TEST(Loss, CrossEntropyGradientMatchesAutograd) {
  torch::manual_seed(5);
  torch::Tensor logits = torch::randn({6, 11}, torch::requires_grad());
  torch::Tensor targets = torch::tensor({1, 0, 10, 3, 3, 7}, torch::kInt64);
  torch::Tensor weights = torch::tensor({1.0f, 0.0f, 2.0f, 1.0f, 0.5f, 3.0f});
  torch::Tensor grad = torch::zeros({6, 11});
  const double sum = ekt::cross_entropy_with_grad(logits.detach(), targets, weights, 0.25, grad);
  torch::Tensor ref = (torch::nn::functional::cross_entropy(logits, targets, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kNone)) * weights).sum();
  (ref * 0.25).backward();
  EXPECT_NEAR(sum, ref.item<double>(), 1e-5);
  EXPECT_TRUE(torch::allclose(grad, logits.grad(), 1e-5, 1e-7));
  EXPECT_EQ(grad[1].abs().sum().item<float>(), 0.0f);  // zero weight: exactly no gradient
}

TEST(Loss, DistillationKlMatchesKlDivLossAndAutograd) {
  torch::manual_seed(7);
  const double T = 2.0;
  torch::Tensor student = torch::randn({5, 9}, torch::requires_grad());
  torch::Tensor teacher = torch::randn({5, 12});  // larger teacher vocabulary: sliced to 9
  torch::Tensor weights = torch::tensor({1.0f, 1.0f, 0.0f, 1.0f, 1.0f});
  torch::Tensor grad = torch::zeros({5, 9});
  const double sum = ekt::distillation_kl_with_grad(student.detach(), teacher, weights, T, 0.5, grad);
  // KLDivLoss(reduction='sum') over the weighted rows, written with torch's own kl_div.
  torch::Tensor rows = weights.nonzero().squeeze(1);
  torch::Tensor ref = torch::kl_div(torch::log_softmax(student.index_select(0, rows) / T, -1),
                                    torch::softmax(teacher.narrow(1, 0, 9).index_select(0, rows) / T, -1), at::Reduction::Sum);
  (ref * 0.5).backward();
  EXPECT_NEAR(sum, ref.item<double>(), 1e-5);
  EXPECT_TRUE(torch::allclose(grad, student.grad(), 1e-5, 1e-7));
}

TEST(CpuBufferCache, ReusesFreedLargeBlocksInsideTheScope) {
  ekt::CpuBufferCache::release();
  void* first = nullptr;
  {
    ekt::CpuBufferCache scope;
    {
      torch::Tensor a = torch::empty({600 * 1024});  // 2.4 MB
      first = a.data_ptr();
    }
    EXPECT_GT(ekt::CpuBufferCache::idle_bytes(), 0u);
    torch::Tensor b = torch::empty({610 * 1024});  // same size class: the same block
    EXPECT_EQ(b.data_ptr(), first);
    torch::Tensor small = torch::ones({10});
    EXPECT_EQ(small.sum().item<float>(), 10.0f);
    void* raw = c10::GetCPUAllocator()->raw_allocate(3 << 20);
    c10::GetCPUAllocator()->raw_deallocate(raw);
  }
  torch::Tensor outside = torch::zeros({4});  // the previous allocator again
  EXPECT_EQ(outside.sum().item<float>(), 0.0f);
  ekt::CpuBufferCache::release();
  EXPECT_EQ(ekt::CpuBufferCache::idle_bytes(), 0u);
}

std::unique_ptr<ekt_model> tiny_model(uint64_t seed) {
  const char* config = R"({"model_type": "gpt_neo", "vocab_size": 31, "max_position_embeddings": 16, "hidden_size": 8,
    "num_layers": 2, "num_heads": 2, "attention_types": [[["global", "local"], 1]], "window_size": 3})";
  ekt_model* m = ekt_model_init(config, seed, "cpu");
  EXPECT_NE(m, nullptr) << ekt_last_error();
  return std::unique_ptr<ekt_model>(m);
}

ekt::TrainBatch tiny_batch(int64_t seed) {
  torch::manual_seed(seed);
  torch::Tensor ids = torch::randint(0, 31, {3, 6}, torch::kInt64);
  torch::Tensor valid = torch::ones({3, 6}, torch::kBool);
  valid[2].narrow(0, 4, 2).fill_(false);
  return {ids, ids.roll(-1, 1), valid, valid.to(torch::kFloat32)};
}

TEST(Init, SameSeedSameWeightsAndHfStyleValues) {
  auto a = tiny_model(11), b = tiny_model(11), c = tiny_model(12);
  const auto& pa = a->loaded.model->params();
  for (size_t i = 0; i < pa.size(); ++i) {
    EXPECT_TRUE(torch::equal(pa[i].tensor, b->loaded.model->params()[i].tensor)) << pa[i].name;
    if (pa[i].tensor.dim() == 1) {
      const bool gain = pa[i].name.find("ln_") != std::string::npos && pa[i].name.find(".weight") != std::string::npos;
      EXPECT_TRUE(torch::equal(pa[i].tensor, gain ? torch::ones_like(pa[i].tensor) : torch::zeros_like(pa[i].tensor))) << pa[i].name;
    }
  }
  torch::Tensor wte = a->loaded.model->params()[0].tensor;
  EXPECT_NEAR(wte.std().item<double>(), 0.02, 0.004);
  EXPECT_FALSE(torch::equal(wte, c->loaded.model->params()[0].tensor));
  EXPECT_EQ(ekt_model_init("{\"model_type\": \"gpt3\"}", 1, "cpu"), nullptr);
  EXPECT_NE(std::string(ekt_last_error()).find("unknown model_type"), std::string::npos);
}

TEST(Trainer, NonFiniteLossLeavesTheWeightsUntouched) {
  auto model = tiny_model(1);
  ekt::TrainerOptions options = ekt::TrainerOptions::parse(trainer_options({{"lr", 1e-2}}));
  ekt::Trainer trainer(*model->loaded.model, nullptr, options);
  torch::Tensor before = model->loaded.model->params()[0].tensor.clone();
  {
    torch::NoGradGuard no_grad;
    model->loaded.model->params()[2].tensor.fill_(std::nanf(""));  // poison one layer norm
  }
  try {
    trainer.step(tiny_batch(1));
    FAIL() << "expected a non-finite loss error";
  } catch (const ekt::Error& e) {
    EXPECT_NE(std::string(e.what()).find("non-finite loss"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(torch::equal(before, model->loaded.model->params()[0].tensor));
  EXPECT_EQ(trainer.steps(), 0);
}

TEST(FileUtil, RemoveTreeDeletesTheTreeNotWhatItsLinksPointTo) {
  const std::string root = testing::TempDir() + "/ekt_remove_tree_" + std::to_string(::getpid());
  ekt::make_dirs(root + "/tree/a/b");
  ekt::make_dirs(root + "/kept");
  ekt::write_file_atomic(root + "/tree/a/b/file", "x");
  ekt::write_file_atomic(root + "/kept/file", "y");
  ASSERT_EQ(::symlink((root + "/kept").c_str(), (root + "/tree/a/link").c_str()), 0);
  ekt::remove_tree(root + "/tree");
  EXPECT_FALSE(ekt::dir_exists(root + "/tree"));
  EXPECT_EQ(ekt::read_file(root + "/kept/file"), "y") << "a link's target is not followed";
  ekt::remove_tree(root + "/tree");  // already gone: fine
  ekt::remove_tree(root);
  EXPECT_FALSE(ekt::dir_exists(root));
}

TEST(Trainer, SaveRestoreContinuesBitExactly) {
  const std::string dir = testing::TempDir() + "/ekt_train_" + std::to_string(::getpid()) + "/step-2";
  ekt::TrainerOptions options = ekt::TrainerOptions::parse(
      trainer_options({{"lr", 1e-2}, {"warmup_steps", 1}, {"total_steps", 5}, {"micro_batch", 2}, {"workers", 2}}));
  auto a = tiny_model(2);
  std::vector<double> straight;
  {
    ekt::Trainer trainer(*a->loaded.model, nullptr, options);
    for (int s = 0; s < 4; ++s) {
      straight.push_back(trainer.step(tiny_batch(s)).loss);
      if (s == 1) trainer.save(dir, {{"epoch", 0}});
    }
  }
  auto b = tiny_model(99);  // different weights: restore must overwrite them
  ekt::Trainer resumed(*b->loaded.model, nullptr, options);
  nlohmann::json state = resumed.restore(dir);
  EXPECT_EQ(state["step"], 2);
  EXPECT_EQ(state["run"]["epoch"], 0);
  EXPECT_EQ(resumed.steps(), 2);
  EXPECT_EQ(resumed.step(tiny_batch(2)).loss, straight[2]);
  EXPECT_EQ(resumed.step(tiny_batch(3)).loss, straight[3]);
  const auto& pa = a->loaded.model->params();
  for (size_t i = 0; i < pa.size(); ++i) EXPECT_TRUE(torch::equal(pa[i].tensor, b->loaded.model->params()[i].tensor)) << pa[i].name;
  EXPECT_FALSE(ekt::dir_exists(dir + ".tmp"));
  ekt::remove_tree(dir.substr(0, dir.find_last_of('/')));
}

// The three block loops (GPT-2/GPT-Neo decoder, GPT-J, Llama with grouped-query attention).
const char* const kCheckpointConfigs[] = {
    R"({"model_type": "gpt_neo", "vocab_size": 31, "max_position_embeddings": 16, "hidden_size": 8,
        "num_layers": 2, "num_heads": 2, "attention_types": [[["global", "local"], 1]], "window_size": 3})",
    R"({"model_type": "gptj", "vocab_size": 31, "n_positions": 16, "n_embd": 16, "n_layer": 2, "n_head": 4, "rotary_dim": 2})",
    R"({"model_type": "llama", "vocab_size": 31, "max_position_embeddings": 16, "hidden_size": 16, "num_hidden_layers": 2,
        "num_attention_heads": 4, "num_key_value_heads": 2, "intermediate_size": 24})",
};

bool graph_has_node(const torch::Tensor& output, const std::string& name) {
  std::vector<torch::autograd::Node*> todo = {output.grad_fn().get()};
  std::set<torch::autograd::Node*> seen;
  while (!todo.empty()) {
    torch::autograd::Node* node = todo.back();
    todo.pop_back();
    if (!node || !seen.insert(node).second) continue;
    if (node->name() == name) return true;
    for (const torch::autograd::Edge& e : node->next_edges()) todo.push_back(e.function.get());
  }
  return false;
}

// --checkpoint-activations recomputes each block in backward: the graph holds one recompute node
// per block instead of the block's operations, and three steps (float32, and bf16 mixed precision)
// end with the plain run's losses, gradient norms and weights. Recomputing runs the same kernels
// on the same inputs, so only the order of gradient additions may differ: 1e-5 (float32) and
// 1e-4 (bf16) absolute on weights moved ~1e-2 by each step.
TEST(Trainer, CheckpointedActivationsTrainLikeThePlainRun) {
  for (const char* config : kCheckpointConfigs) {
    SCOPED_TRACE(config);
    {
      std::unique_ptr<ekt_model> m(ekt_model_init(config, 5, "cpu"));
      ASSERT_NE(m, nullptr) << ekt_last_error();
      for (const ekt::Param& p : m->loaded.model->params()) p.tensor.requires_grad_(true);  // as a trainer does
      ekt::TrainBatch batch = tiny_batch(1);
      ekt::AttentionContext ctx(m->loaded.model->config(), batch.valid, nullptr);
      ekt::CheckpointActivationsScope on(true);
      torch::Tensor hidden = m->loaded.model->hidden(batch.ids, ctx);
      EXPECT_TRUE(graph_has_node(hidden, "ekt::RecomputeBlock"));
    }
    for (const char* precision : {"float32", "bfloat16"}) {
      SCOPED_TRACE(precision);
      const double tolerance = std::string(precision) == "float32" ? 1e-5 : 1e-4;
      std::unique_ptr<ekt_model> plain(ekt_model_init(config, 5, "cpu")), checkpointed(ekt_model_init(config, 5, "cpu"));
      nlohmann::json options = trainer_options({{"lr", 1e-2}, {"micro_batch", 2}, {"precision", precision}});
      ekt::Trainer a(*plain->loaded.model, nullptr, ekt::TrainerOptions::parse(options));
      options["checkpoint_activations"] = true;
      ekt::Trainer b(*checkpointed->loaded.model, nullptr, ekt::TrainerOptions::parse(options));
      for (int s = 0; s < 3; ++s) {
        const ekt::StepMetrics ma = a.step(tiny_batch(s)), mb = b.step(tiny_batch(s));
        EXPECT_NEAR(ma.loss, mb.loss, tolerance * std::abs(ma.loss)) << "step " << s;
        EXPECT_NEAR(ma.grad_norm, mb.grad_norm, tolerance * ma.grad_norm) << "step " << s;
      }
      const auto& pa = plain->loaded.model->params();
      for (size_t i = 0; i < pa.size(); ++i) {
        const double diff = (pa[i].tensor - checkpointed->loaded.model->params()[i].tensor).abs().max().item<double>();
        EXPECT_LE(diff, tolerance) << pa[i].name;
      }
    }
  }
}

TEST(Trainer, RejectsBadOptionsAndBatches) {
  EXPECT_THROW(ekt::TrainerOptions::parse(trainer_options({{"total_steps", 0}})), ekt::Error);  // linear needs it
  EXPECT_THROW(ekt::TrainerOptions::parse(trainer_options({{"learning_rate", 1}})), ekt::Error);
  auto model = tiny_model(1);
  ekt::Trainer trainer(*model->loaded.model, nullptr, ekt::TrainerOptions::parse(trainer_options({{"total_steps", 3}})));
  ekt::TrainBatch batch = tiny_batch(1);
  batch.ids[0][0] = 31;
  EXPECT_THROW(trainer.step(batch), ekt::Error);
  batch = tiny_batch(1);
  batch.weights.zero_();
  EXPECT_THROW(trainer.step(batch), ekt::Error);
}

}  // namespace
