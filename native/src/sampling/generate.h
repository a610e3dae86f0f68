// The batched sampling engine. Prompts queue up; each is prefilled once and its keys/values
// serve all of its samples (PrefixCache); up to `rows` samples decode together, one token per
// step; a finished sample leaves the batch and a waiting one takes its row, so a batch never
// runs at the pace of its longest sample. Every random draw comes from
// sample_uniform(seed, prompt key, sample, step), so results do not depend on batch size,
// order or sharding.
//
// The host checks stop rules and refills rows every `steps_per_sync` steps, not every step: in
// between, each step's drawn tokens stay on the device as the next step's input, and the
// steps' uniforms and cache positions are known in advance, so a GPU runs the steps back to
// back without waiting for the host. A sample that ends inside such a run of steps keeps only
// its tokens up to its end; the steps after it are discarded, so the samples are the same for
// every steps_per_sync.
#pragma once

#include <chrono>
#include <deque>
#include <memory>
#include <nlohmann/json.hpp>
#include <vector>

#include "device/step_graph.h"
#include "sampling/draw_rows.h"
#include "sampling/prefix_cache.h"
#include "sampling/sampler.h"
#include "sampling/stop_rules.h"

namespace ekt {

// What one prompt asks for. A batch job gives every prompt the generator's own settings; a server
// gives each request its own, and requests with different settings still decode in one batch.
struct PromptOptions {
  int64_t samples = 1;
  SamplingParams sampling;
  int64_t max_new_tokens = 128;  // at most the generator's (its cache is planned for that many)
  uint64_t seed = 0;
  StopRules stops;
  int64_t top_logprobs = 0;  // most likely alternatives reported per token (token events only)
};

struct GenerationOptions {
  int64_t samples = 1;  // per prompt
  SamplingParams sampling;
  int64_t max_new_tokens = 128;
  uint64_t seed = 0;
  StopRules stops;
  // false: each sample prefills its own copy of the prompt (the naive baseline of the benchmarks).
  bool share_prompt = true;
  int64_t max_rows = 256;     // samples decoded together, at most (the memory budget may lower it)
  int64_t memory_bytes = 0;   // for caches and activations; 0: default_memory_budget (device/memory.h)
  AttentionPath attention = AttentionPath::kernel;  // tests compare the paths
  // true: every drawn token becomes a TokenEvent (for streaming) and finished samples are not
  // collected in finished(); the server's mode.
  bool token_events = false;
  // Decode steps between the host's stop checks and refills; 0: kStepsPerSyncCpu on the CPU
  // (where computing is synchronous anyway), kStepsPerSyncGpu on a GPU.
  int64_t steps_per_sync = 0;
  // Tests: on a GPU, any host synchronisation inside a run of steps is an error (CUDA's sync
  // debug mode), which proves the steps between checks never wait for the host.
  bool forbid_sync_between_checks = false;
  // On a GPU, each run of steps runs its first step eagerly, captures the step as a CUDA graph
  // and replays that for the rest (device/step_graph.h): one launch per step instead of hundreds.
  // Ignored on the CPU, whose computing is synchronous; off until the GPU check measures it faster.
  bool cuda_graphs = false;
};

constexpr int64_t kStepsPerSyncCpu = 1, kStepsPerSyncGpu = 8;

// One drawn token of a sample, in token-event mode.
struct TokenEvent {
  int64_t prompt = 0, sample = 0, token = 0;
  float logprob = 0;
  int32_t finish = -1;  // -1: the sample goes on; else its Finish (this token is its last)
  std::vector<int64_t> top_ids;  // the prompt's top_logprobs most likely tokens, most likely first
  std::vector<float> top_logprobs;
};

struct FinishedSample {
  int64_t prompt = 0;  // index in submission order
  int64_t sample = 0;
  std::vector<int64_t> tokens;
  std::vector<float> logprobs;  // raw model log-softmax (T = 1) of each token
  Finish finish = Finish::length;
  int64_t text_bytes = -1;
  double seconds = 0;  // first token to last
};

class Generator {
 public:
  Generator(CausalLM& model, GenerationOptions options);

  // Token -> bytes table for stop strings and text lengths; before the first run.
  void set_vocab(std::shared_ptr<const std::vector<std::string>> table);
  // Queues a prompt (its samples run in order of submission); returns its index.
  int64_t add_prompt(uint64_t key, std::vector<int64_t> ids);
  int64_t add_prompt(uint64_t key, std::vector<int64_t> ids, PromptOptions options);
  // Drops a prompt's unstarted and running samples (they produce nothing more); between runs.
  void cancel(int64_t prompt);
  // The generator's own settings as prompt options (the base of a request's options).
  const PromptOptions& defaults() const { return *defaults_; }
  // Runs decode steps, in runs of up to steps_per_sync between the host's checks, until at least
  // `max_steps` have run or nothing is left; false once every queued sample has finished.
  bool run(int64_t max_steps);
  std::deque<FinishedSample>& finished() { return finished_; }
  std::deque<TokenEvent>& events() { return events_; }
  // Counters, timings and the memory plan.
  nlohmann::json stats() const;

 private:
  using Clock = std::chrono::steady_clock;
  struct Prompt {
    uint64_t key;
    std::vector<int64_t> ids;  // freed once every sample has finished
    std::shared_ptr<const PromptOptions> options;  // shared: rows' stop matchers point into it
    int64_t unfinished;        // samples not finished yet
    bool cancelled = false;
  };
  struct Work {  // samples [next, end) of a prompt, not started yet
    int64_t prompt, next, end;
  };
  struct Group {  // a prompt in a PrefixCache group slot
    Work work;
    int64_t length;
    int64_t live_rows = 0;
  };
  struct Row {  // a sample being decoded, in a PrefixCache row slot
    int64_t group, sample;
    std::vector<int64_t> tokens;
    std::vector<float> logprobs;
    StopMatcher matcher;
    Clock::time_point started;
  };

  void plan(int64_t prompt_tokens, int64_t new_tokens);
  void admit();
  void prefill(const std::vector<Work>& work);
  void start_samples(std::vector<std::pair<int64_t, int64_t>> group_samples);
  // Runs up to steps_per_sync decode steps without reading anything back, then applies their
  // draws; returns the steps run.
  int64_t decode_steps();
  // Records draw `step` of row `i` of host draws (R, steps[, K]); true when the row's sample is complete.
  bool append(Row& row, const RowDraws& draws, int64_t i, int64_t step);
  void finish(Row& row);
  void retire_rows(const std::vector<bool>& done);
  void release_groups();
  void check_prompt_options(const PromptOptions& o) const;
  const PromptOptions& options_of(const Row& row) const { return *prompts_[groups_[row.group].work.prompt].options; }
  // Draws one token per row with its prompt's settings; row r's prompt is prompt_of[r].
  RowDrawer drawer_for(const std::vector<int64_t>& prompt_of) const;

  CausalLM& model_;
  GenerationOptions options_;
  int64_t steps_per_sync_;
  bool cuda_graphs_;
  std::unique_ptr<StepGraphs> graphs_;  // while decoding with CUDA graphs
  std::shared_ptr<const PromptOptions> defaults_;
  torch::TensorOptions tensor_options_;
  std::vector<Prompt> prompts_;
  std::deque<Work> waiting_;
  std::unique_ptr<PrefixCache> cache_;
  torch::Tensor group_logits_;  // (group slots, V): last prompt position's logits
  std::vector<Group> groups_;
  std::vector<Row> rows_;
  std::deque<FinishedSample> finished_;
  std::deque<TokenEvent> events_;
  int64_t queued_samples_ = 0, done_samples_ = 0;

  // Memory plan (plan()).
  int64_t max_rows_ = 0, max_groups_ = 0, max_decode_tokens_ = 0, prefill_tokens_ = 0, budget_ = 0, planned_bytes_ = 0;
  // Counters.
  int64_t steps_ = 0, syncs_ = 0, graph_replays_ = 0, decoded_tokens_ = 0, discarded_tokens_ = 0, prefilled_tokens_ = 0, first_tokens_ = 0;
  double prefill_seconds_ = 0, decode_seconds_ = 0;
};

}  // namespace ekt
