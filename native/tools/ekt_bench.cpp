// ekt_bench: drives the core through its C API without Java, for machines that have a GPU and
// a PyTorch but no JVM (scripts/gpu-check.sh). One subcommand per measurement; every result is
// one JSON line on stdout.
//
//   ekt_bench logits --model DIR --device D --dtype T --ids FILE --out FILE
//       every position's logits of one sequence (ids: int64 raw, logits: float32 raw)
//   ekt_bench sample --model DIR --device D --dtype T [--prompts 4 --prompt-tokens 750 --n 100
//                    --new-tokens 150 --temperature 0.6 --top-k 50 --max-batch 400 --memory-mb 0
//                    --steps-per-sync 0 --cuda-graphs 0]
//       random prompts, every sample exactly --new-tokens long (no end-of-sequence): tokens/s
//   ekt_bench train --model DIR --device D [--precision bfloat16 --rows 32 --seq 400 --micro 0
//                   --steps 4 --peak-tflops 989]
//       optimizer steps on random tokens; the first warms up, the rest are timed: tokens/s, MFU
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "ekt/api.h"
#include "ekt/sample_api.h"
#include "ekt/train_api.h"

namespace {

using Args = std::map<std::string, std::string>;

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string key = argv[i];
    if (key.rfind("--", 0) != 0) throw std::runtime_error("expected --option value, got " + key);
    a[key.substr(2)] = argv[i + 1];
  }
  return a;
}

std::string text(const Args& a, const std::string& key, const char* fallback = nullptr) {
  auto it = a.find(key);
  if (it != a.end()) return it->second;
  if (!fallback) throw std::runtime_error("missing --" + key);
  return fallback;
}

double number(const Args& a, const std::string& key, double fallback) {
  auto it = a.find(key);
  return it == a.end() ? fallback : std::stod(it->second);
}

void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string(what) + ": " + ekt_last_error());
}

// The model is freed at scope exit, returning its device memory.
using ModelPtr = std::unique_ptr<ekt_model, void (*)(ekt_model*)>;

ModelPtr load(const Args& a, const char* dtype) {
  ekt_model* m = ekt_model_load(text(a, "model").c_str(), text(a, "device", "cpu").c_str(), dtype);
  check(m != nullptr, "loading the model");
  return ModelPtr(m, ekt_model_free);
}

// A reproducible token stream (64-bit LCG) below `vocab`.
struct Tokens {
  uint64_t state;
  int64_t vocab;
  int64_t next() {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<int64_t>((state >> 33) % static_cast<uint64_t>(vocab));
  }
};

int64_t vocab_of(ekt_model* m) {
  const std::string info = ekt_model_info(m);
  const size_t at = info.find("\"vocab_size\":");
  if (at == std::string::npos) throw std::runtime_error("model info has no vocab_size");
  return std::stoll(info.substr(at + 13));
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

int logits(const Args& a) {
  ModelPtr m = load(a, text(a, "dtype", "float32").c_str());
  std::ifstream in(text(a, "ids"), std::ios::binary | std::ios::ate);
  if (!in) throw std::runtime_error("cannot read " + text(a, "ids"));
  const int64_t seq = static_cast<int64_t>(in.tellg()) / 8;
  std::vector<int64_t> ids(static_cast<size_t>(seq));
  in.seekg(0);
  in.read(reinterpret_cast<char*>(ids.data()), seq * 8);
  std::vector<uint8_t> mask(ids.size(), 1);
  const int64_t vocab = vocab_of(m.get());
  std::vector<float> out(static_cast<size_t>(seq * vocab));
  check(ekt_model_forward(m.get(), ids.data(), mask.data(), 1, seq, 0, out.data(), seq * vocab) == 0, "forward");
  std::ofstream(text(a, "out"), std::ios::binary).write(reinterpret_cast<const char*>(out.data()),
                                                        static_cast<std::streamsize>(out.size() * sizeof(float)));
  std::printf("{\"positions\": %lld, \"vocab\": %lld}\n", static_cast<long long>(seq), static_cast<long long>(vocab));
  return 0;
}

int sample(const Args& a) {
  ModelPtr m = load(a, text(a, "dtype", "bfloat16").c_str());
  const int64_t prompts = static_cast<int64_t>(number(a, "prompts", 4)), length = static_cast<int64_t>(number(a, "prompt-tokens", 750));
  const int64_t n = static_cast<int64_t>(number(a, "n", 100)), fresh = static_cast<int64_t>(number(a, "new-tokens", 150));
  char options[512];
  std::snprintf(options, sizeof options,
                "{\"n\": %lld, \"temperature\": %g, \"top_k\": %lld, \"top_p\": 1.0, \"max_new_tokens\": %lld, "
                "\"eos_token_id\": -1, \"stop_tokens\": [], \"stop_strings\": [], \"share_prompt\": true, "
                "\"attention\": \"shared\", \"max_batch\": %lld, \"memory_budget_mb\": %lld, \"steps_per_sync\": %lld, "
                "\"cuda_graphs\": %s, \"seed\": 1}",
                static_cast<long long>(n), number(a, "temperature", 0.6), static_cast<long long>(number(a, "top-k", 50)),
                static_cast<long long>(fresh), static_cast<long long>(number(a, "max-batch", 400)),
                static_cast<long long>(number(a, "memory-mb", 0)), static_cast<long long>(number(a, "steps-per-sync", 0)),
                number(a, "cuda-graphs", 0) != 0 ? "true" : "false");
  std::unique_ptr<ekt_sampler, void (*)(ekt_sampler*)> s(ekt_sampler_create(m.get(), options), ekt_sampler_free);
  check(s != nullptr, "creating the sampler");
  Tokens tokens{7, vocab_of(m.get())};
  std::vector<int64_t> ids, lengths, keys;
  for (int64_t p = 0; p < prompts; ++p) {
    for (int64_t t = 0; t < length; ++t) ids.push_back(tokens.next());
    lengths.push_back(length);
    keys.push_back(p);
  }
  check(ekt_sampler_add(s.get(), ids.data(), lengths.data(), keys.data(), prompts) == 0, "queueing prompts");
  const auto start = std::chrono::steady_clock::now();
  int state;
  while ((state = ekt_sampler_run(s.get(), 64)) == 1) {
  }
  check(state == 0, "sampling");
  const double seconds = seconds_since(start);
  int64_t done = 0, generated = 0;
  check(ekt_sampler_ready(s.get(), &done, &generated) == 0, "counting samples");
  std::printf("{\"samples\": %lld, \"generated_tokens\": %lld, \"seconds\": %.4f, \"tokens_per_s\": %.1f, \"stats\": %s}\n",
              static_cast<long long>(done), static_cast<long long>(generated), seconds, static_cast<double>(generated) / seconds,
              ekt_sampler_stats(s.get()));
  return 0;
}

int train(const Args& a) {
  ModelPtr m = load(a, "float32");  // master weights; --precision sets the products' type
  const int64_t rows = static_cast<int64_t>(number(a, "rows", 32)), seq = static_cast<int64_t>(number(a, "seq", 400));
  const int steps = static_cast<int>(number(a, "steps", 4));
  char options[512];
  std::snprintf(options, sizeof options,
                "{\"lr\": 1e-5, \"schedule\": \"constant\", \"warmup_steps\": 0, \"total_steps\": 0, \"beta1\": 0.9, "
                "\"beta2\": 0.999, \"eps\": 1e-6, \"weight_decay\": 0.1, \"max_grad_norm\": 1.0, \"micro_batch\": %lld, "
                "\"kd_weight\": 1.0, \"kd_temperature\": 1.0, \"workers\": 0, \"precision\": \"%s\", "
                "\"checkpoint_activations\": false}",
                static_cast<long long>(number(a, "micro", 0)), text(a, "precision", "float32").c_str());
  std::unique_ptr<ekt_trainer, void (*)(ekt_trainer*)> t(ekt_trainer_create(m.get(), nullptr, options), ekt_trainer_free);
  check(t != nullptr, "creating the trainer");
  Tokens tokens{11, vocab_of(m.get())};
  std::vector<int64_t> ids(static_cast<size_t>(rows * seq)), targets(ids.size());
  for (auto& id : ids) id = tokens.next();
  for (size_t i = 0; i < ids.size(); ++i) targets[i] = (i + 1) % static_cast<size_t>(seq) == 0 ? ids[i] : ids[i + 1];
  std::vector<uint8_t> valid(ids.size(), 1);
  std::vector<float> weights(ids.size(), 1.0f);
  double metrics[EKT_METRIC_COUNT], flops = 0, loss = 0;
  double timed = 0;
  for (int step = 0; step < steps; ++step) {
    const auto start = std::chrono::steady_clock::now();
    check(ekt_trainer_step(t.get(), ids.data(), targets.data(), valid.data(), weights.data(), rows, seq, metrics, EKT_METRIC_COUNT) == 0,
          "training step");
    if (step == 0) continue;  // warm-up: allocator, kernels' autotuning
    timed += seconds_since(start);
    flops += metrics[EKT_METRIC_FLOPS];
    loss = metrics[EKT_METRIC_LOSS];
  }
  const double tokens_per_s = static_cast<double>(rows * seq) * (steps - 1) / timed;
  const double tflops = flops / timed / 1e12;
  std::printf("{\"rows\": %lld, \"seq\": %lld, \"timed_steps\": %d, \"step_seconds\": %.4f, \"tokens_per_s\": %.1f, "
              "\"model_tflops\": %.2f, \"mfu\": %.4f, \"last_loss\": %.4f}\n",
              static_cast<long long>(rows), static_cast<long long>(seq), steps - 1, timed / (steps - 1), tokens_per_s, tflops,
              tflops / number(a, "peak-tflops", 989.0), loss);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const std::string command = argc > 1 ? argv[1] : "";
    const Args args = parse(argc, argv);
    if (command == "logits") return logits(args);
    if (command == "sample") return sample(args);
    if (command == "train") return train(args);
    std::fprintf(stderr, "usage: ekt_bench logits|sample|train --model DIR --device D ... (see the file's header)\n");
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ekt_bench: %s\n", e.what());
    return 1;
  }
}
