#include "sampling/generate.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <algorithm>

#include "device/memory.h"
#include "device/placement.h"
#include "device/sync_check.h"
#include "error.h"

namespace ekt {
namespace {

constexpr int64_t kMiB = 1 << 20;
constexpr int64_t kPrefillChunk = 512;  // prompt positions per prefill forward

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

Generator::Generator(CausalLM& model, GenerationOptions options)
    : model_(model), options_(std::move(options)), tensor_options_(model.params().front().tensor.options()) {
  EKT_CHECK(options_.max_rows > 0, "batch size (max rows) must be positive, got " << options_.max_rows);
  EKT_CHECK(options_.memory_bytes >= 0, "memory budget must be >= 0, got " << options_.memory_bytes);
  EKT_CHECK(options_.max_new_tokens > 0, "max_new_tokens must be positive, got " << options_.max_new_tokens);
  EKT_CHECK(options_.steps_per_sync >= 0, "steps_per_sync must be >= 0 (0: the device's default), got " << options_.steps_per_sync);
  steps_per_sync_ = options_.steps_per_sync > 0 ? options_.steps_per_sync
                    : tensor_options_.device().is_cpu() ? kStepsPerSyncCpu : kStepsPerSyncGpu;
  cuda_graphs_ = options_.cuda_graphs && step_graphs_available(tensor_options_.device());
  defaults_ = std::make_shared<const PromptOptions>(PromptOptions{options_.samples, options_.sampling, options_.max_new_tokens,
                                                                  options_.seed, options_.stops, 0});
  check_prompt_options(*defaults_);
  budget_ = options_.memory_bytes > 0 ? options_.memory_bytes : default_memory_budget(tensor_options_.device());
}

void Generator::check_prompt_options(const PromptOptions& o) const {
  check_sampling_params(o.sampling);
  EKT_CHECK(o.samples > 0, "samples per prompt must be positive, got " << o.samples);
  EKT_CHECK(o.max_new_tokens > 0 && o.max_new_tokens <= options_.max_new_tokens,
            "max_new_tokens must be in [1, " << options_.max_new_tokens << "], got " << o.max_new_tokens);
  EKT_CHECK(o.top_logprobs >= 0, "top_logprobs must be >= 0, got " << o.top_logprobs);
  const int64_t vocab = model_.config().vocab_size;
  EKT_CHECK(o.stops.eos < vocab, "eos_token_id " << o.stops.eos << " is outside the vocabulary of " << vocab);
  for (const auto& sequence : o.stops.token_sequences) {
    EKT_CHECK(!sequence.empty(), "a stop token sequence is empty");
    for (int64_t t : sequence) EKT_CHECK(t >= 0 && t < vocab, "stop token " << t << " is outside the vocabulary of " << vocab);
  }
  for (const TextStop& rule : o.stops.texts) EKT_CHECK(!rule.start.empty(), "a stop string is empty");
}

void Generator::set_vocab(std::shared_ptr<const std::vector<std::string>> table) {
  EKT_CHECK(!cache_, "the token byte table must be set before the first run");
  const int64_t vocab = model_.config().vocab_size;
  EKT_CHECK(static_cast<int64_t>(table->size()) == vocab,
            "token byte table has " << table->size() << " entries, the model's vocabulary " << vocab);
  options_.stops.vocab = table;
  auto with_vocab = [&](const std::shared_ptr<const PromptOptions>& o) {
    auto copy = std::make_shared<PromptOptions>(*o);
    copy->stops.vocab = table;
    return copy;
  };
  defaults_ = with_vocab(defaults_);
  for (Prompt& p : prompts_) p.options = with_vocab(p.options);  // queued before the table came
}

int64_t Generator::add_prompt(uint64_t key, std::vector<int64_t> ids) { return add_prompt(key, std::move(ids), *defaults_); }

int64_t Generator::add_prompt(uint64_t key, std::vector<int64_t> ids, PromptOptions options) {
  check_prompt_options(options);
  options.stops.vocab = options_.stops.vocab;
  const ModelConfig& c = model_.config();
  const int64_t index = static_cast<int64_t>(prompts_.size());
  EKT_CHECK(!ids.empty(), "prompt " << index << " is empty (give at least one token, e.g. the BOS id)");
  EKT_CHECK(static_cast<int64_t>(ids.size()) < c.max_positions,
            "prompt " << index << " has " << ids.size() << " tokens, leaving no room in the model's context of "
                      << c.max_positions);
  for (int64_t t : ids) EKT_CHECK(t >= 0 && t < c.vocab_size, "prompt " << index << ": token id " << t << " is outside the vocabulary [0, " << c.vocab_size << ")");
  const int64_t n = options.samples;
  prompts_.push_back({key, std::move(ids), std::make_shared<const PromptOptions>(std::move(options)), n});
  if (options_.share_prompt) {
    waiting_.push_back({index, 0, n});
  } else {
    for (int64_t s = 0; s < n; ++s) waiting_.push_back({index, s, s + 1});
  }
  queued_samples_ += n;
  return index;
}

// Sizes the batch from the budget: R rows of generated-token keys and activations, enough group
// slots for the prompts those rows need, and a prefill workspace. The rows are sized for the
// generator's largest max_new_tokens, so the budget holds whatever arrives later, but their slots
// are allocated (zeroed) only for the `new_tokens` the queued prompts ask for and grow on demand:
// a server planned for 1024 new tokens that is asked for 64 zeroes 16 times less per plan.
void Generator::plan(int64_t prompt_tokens, int64_t new_tokens) {
  const ModelConfig& c = model_.config();
  const int64_t item = static_cast<int64_t>(tensor_options_.dtype().itemsize());
  const int64_t kv = PrefixCache::bytes_per_token(c, tensor_options_);
  const int64_t decode_tokens = std::min(options_.max_new_tokens, c.max_positions);
  const int64_t keys = prompt_tokens + decode_tokens;
  // Per row and step: logits and the sampler's copies (~8 V), hidden/MLP temporaries, scores. With
  // CUDA graphs, a graph's pool holds a step's besides the allocator's cache of the eager step's.
  const int64_t activations = item * (8 * c.vocab_size + 16 * c.hidden + 4 * c.inner + 6 * c.heads * keys);
  const int64_t row_bytes = kv * decode_tokens + (cuda_graphs_ ? 2 : 1) * activations;
  const int64_t group_bytes = kv * prompt_tokens + item * c.vocab_size;
  const int64_t chunk = std::min(prompt_tokens, kPrefillChunk);
  const int64_t prompt_prefill = kv * prompt_tokens + item * chunk * (16 * c.hidden + 4 * c.inner + 4 * c.heads * prompt_tokens);
  const int64_t per_group = options_.share_prompt ? options_.samples : 1;
  auto groups_for = [&](int64_t rows) { return std::min(rows, (rows + per_group - 1) / per_group + 1); };
  auto bytes_for = [&](int64_t rows) {
    const int64_t prefill_prompts = std::min<int64_t>(groups_for(rows), 8);
    return rows * row_bytes + groups_for(rows) * group_bytes + prefill_prompts * prompt_prefill;
  };
  EKT_CHECK(bytes_for(1) <= budget_,
            "memory budget of " << budget_ / kMiB << " MiB is too small: one sample of this request needs "
                                << (bytes_for(1) + kMiB - 1) / kMiB << " MiB (prompt " << prompt_tokens << " tokens, "
                                << decode_tokens << " new tokens); raise memory_budget_mb or shorten the request");
  int64_t lo = 1, hi = options_.max_rows;  // largest row count that fits
  while (lo < hi) {
    const int64_t mid = lo + (hi - lo + 1) / 2;
    if (bytes_for(mid) <= budget_) lo = mid; else hi = mid - 1;
  }
  max_rows_ = lo;
  max_groups_ = groups_for(lo);
  prefill_tokens_ = std::max<int64_t>(1, std::min<int64_t>(max_groups_, 8)) * prompt_tokens;
  planned_bytes_ = bytes_for(lo);
  max_decode_tokens_ = decode_tokens;
  cache_ = std::make_unique<PrefixCache>(c, CacheShape{max_groups_, prompt_tokens, max_rows_, std::min(new_tokens, decode_tokens)},
                                         tensor_options_);
  group_logits_ = torch::empty({max_groups_, c.vocab_size}, tensor_options_);
}

bool Generator::run(int64_t max_steps) {
  EKT_CHECK(max_steps > 0, "run needs a positive step count, got " << max_steps);
  for (int64_t step = 0; step < max_steps;) {
    admit();
    if (rows_.empty()) break;
    step += decode_steps();
  }
  if (rows_.empty() && groups_.empty() && waiting_.empty() && cache_) {
    // Idle: the caches go back (a later prompt plans them anew), so memory returns to its idle level.
    cache_.reset();
    group_logits_ = torch::Tensor();
    graphs_.reset();
#if defined(__GLIBC__)
    ::malloc_trim(0);  // freed cache blocks below the mmap threshold stay in malloc's arenas otherwise
#endif
  }
  return done_samples_ < queued_samples_;
}

void Generator::cancel(int64_t prompt) {
  EKT_CHECK(prompt >= 0 && prompt < static_cast<int64_t>(prompts_.size()), "cancel: no prompt " << prompt);
  Prompt& p = prompts_[prompt];
  if (p.cancelled || p.unfinished == 0) return;
  p.cancelled = true;
  auto unstarted = [&](Work& w) {
    const int64_t n = w.end - w.next;
    w.next = w.end;
    done_samples_ += n;
    p.unfinished -= n;
  };
  for (Work& w : waiting_)
    if (w.prompt == prompt) unstarted(w);
  waiting_.erase(std::remove_if(waiting_.begin(), waiting_.end(), [&](const Work& w) { return w.prompt == prompt; }), waiting_.end());
  for (Group& g : groups_)
    if (g.work.prompt == prompt) unstarted(g.work);
  std::vector<bool> done(rows_.size());
  for (size_t r = 0; r < rows_.size(); ++r) done[r] = groups_[rows_[r].group].work.prompt == prompt;
  retire_rows(done);
  release_groups();
  if (p.unfinished == 0) p.ids = {};
}

// Fills free rows: first with waiting samples of prompts already in the cache (no prefill
// needed), then with new prompts, prefilled together once enough rows are free to make a
// batch of them worth it. Once this call has prefilled, it tops the rows up regardless: the
// rows just started finish together, so a sample left out now would wait a whole generation.
void Generator::admit() {
  bool filling = false;
  while (true) {
    if (!cache_) {
      if (waiting_.empty()) return;
      int64_t longest = 0, most_new = 0;
      for (const Work& w : waiting_) {
        const Prompt& p = prompts_[w.prompt];
        EKT_CHECK(p.options->stops.texts.empty() || p.options->stops.vocab, "stop strings need the token byte table (set_vocab)");
        longest = std::max<int64_t>(longest, static_cast<int64_t>(p.ids.size()));
        most_new = std::max(most_new, p.options->max_new_tokens);
      }
      plan(longest, most_new);
    }
    int64_t free_rows = max_rows_ - static_cast<int64_t>(rows_.size());
    std::vector<std::pair<int64_t, int64_t>> starts;  // (group, sample)
    for (size_t g = 0; g < groups_.size() && free_rows > 0; ++g) {
      Work& w = groups_[g].work;
      for (; w.next < w.end && free_rows > 0; --free_rows) starts.emplace_back(static_cast<int64_t>(g), w.next++);
    }
    if (!starts.empty()) {
      start_samples(std::move(starts));
      release_groups();
      continue;  // samples that finished on their first token freed their rows again
    }
    const int64_t threshold = std::max<int64_t>(1, max_rows_ / 8);
    if (free_rows == 0 || waiting_.empty() || (free_rows < threshold && !rows_.empty() && !filling)) return;
    std::vector<Work> batch;
    int64_t covered = 0, tokens = 0;
    while (!waiting_.empty() && covered < free_rows && static_cast<int64_t>(groups_.size() + batch.size()) < max_groups_) {
      const int64_t length = static_cast<int64_t>(prompts_[waiting_.front().prompt].ids.size());
      if (!batch.empty() && tokens + length > prefill_tokens_) break;
      batch.push_back(waiting_.front());
      waiting_.pop_front();
      covered += batch.back().end - batch.back().next;
      tokens += length;
    }
    if (batch.empty()) return;  // every group slot is taken; rows free up as groups finish
    prefill(batch);
    filling = true;
  }
}

// Prefills a batch of prompts (left-padded, in chunks of positions) and stores each in a new group.
void Generator::prefill(const std::vector<Work>& work) {
  const auto t0 = Clock::now();
  const ModelConfig& c = model_.config();
  const int64_t batch = static_cast<int64_t>(work.size());
  int64_t longest = 0, most_new = 0;
  for (const Work& w : work) {
    longest = std::max<int64_t>(longest, static_cast<int64_t>(prompts_[w.prompt].ids.size()));
    most_new = std::max(most_new, prompts_[w.prompt].options->max_new_tokens);
  }
  if (longest > cache_->shape().prompt_tokens) {
    std::vector<int64_t> lengths;
    for (const Group& g : groups_) lengths.push_back(g.length);
    cache_->grow_prompt_tokens(longest, lengths);
  }
  if (most_new > cache_->shape().decode_tokens) {
    std::vector<int64_t> decoded;
    for (const Row& row : rows_) decoded.push_back(static_cast<int64_t>(row.tokens.size()) - 1);
    cache_->grow_decode_tokens(std::min(std::max(most_new, 2 * cache_->shape().decode_tokens), max_decode_tokens_), decoded);
  }
  std::vector<int64_t> ids(static_cast<size_t>(batch * longest), 0);
  std::vector<uint8_t> valid(ids.size(), 0);
  for (int64_t b = 0; b < batch; ++b) {
    const auto& p = prompts_[work[b].prompt].ids;
    const int64_t pad = longest - static_cast<int64_t>(p.size());
    std::copy(p.begin(), p.end(), ids.begin() + b * longest + pad);
    std::fill(valid.begin() + b * longest + pad, valid.begin() + (b + 1) * longest, 1);
  }
  torch::Tensor t_ids = torch::tensor(ids, torch::kInt64).view({batch, longest}).to(tensor_options_.device());
  torch::Tensor t_valid = torch::tensor(valid, torch::kUInt8).view({batch, longest}).to(tensor_options_.device()).to(torch::kBool);
  KvCache prefill_cache(c, batch, longest, tensor_options_);
  torch::Tensor last;  // (B, C): hidden state of each prompt's last token (left padding puts it last)
  for (int64_t from = 0; from < longest; from += kPrefillChunk) {
    const int64_t n = std::min(kPrefillChunk, longest - from);
    AttentionContext ctx(c, t_valid.narrow(1, from, n), &prefill_cache);
    torch::Tensor h = model_.hidden(t_ids.narrow(1, from, n), ctx);  // (B, n, C)
    ctx.commit();
    if (from + n == longest) last = h.select(1, n - 1);
  }
  torch::Tensor logits = model_.logits(last);  // (B, V)
  for (int64_t b = 0; b < batch; ++b) {
    const int64_t slot = static_cast<int64_t>(groups_.size());
    const int64_t length = static_cast<int64_t>(prompts_[work[b].prompt].ids.size());
    cache_->store_prompt(slot, prefill_cache, b, length);
    group_logits_[slot].copy_(logits[b]);
    groups_.push_back({work[b], length});
    prefilled_tokens_ += length;
  }
  prefill_seconds_ += seconds_since(t0);
}

// Draws the first token of each new sample from its prompt's logits; samples not finished by it
// take a row.
void Generator::start_samples(std::vector<std::pair<int64_t, int64_t>> group_samples) {
  std::vector<int64_t> slots, prompt_of;
  std::vector<double> uniforms;  // the samples' step 0
  for (const auto& [g, s] : group_samples) {
    const Prompt& p = prompts_[groups_[g].work.prompt];
    slots.push_back(g);
    prompt_of.push_back(groups_[g].work.prompt);
    uniforms.push_back(sample_uniform(p.options->seed, p.key, static_cast<uint64_t>(s), 0));
  }
  const torch::Device device = tensor_options_.device();
  torch::Tensor logits = group_logits_.index_select(0, to_device(torch::tensor(slots, torch::kInt64), device));
  const RowDraws drawn = to_host({drawer_for(prompt_of).draw(logits, to_device(torch::tensor(uniforms, torch::kFloat64), device))});
  for (size_t i = 0; i < group_samples.size(); ++i) {
    const auto [g, s] = group_samples[i];
    Row row{g, s, {}, {}, StopMatcher(prompts_[prompt_of[i]].options->stops), Clock::now()};
    ++first_tokens_;
    if (append(row, drawn, static_cast<int64_t>(i), 0)) {
      finish(row);
    } else {
      ++groups_[g].live_rows;
      rows_.push_back(std::move(row));
    }
  }
}

RowDrawer Generator::drawer_for(const std::vector<int64_t>& prompt_of) const {
  std::vector<const SamplingParams*> params;
  int64_t top_n = 0;
  for (int64_t p : prompt_of) {
    params.push_back(&prompts_[p].options->sampling);
    if (options_.token_events) top_n = std::max(top_n, prompts_[p].options->top_logprobs);
  }
  return RowDrawer(params, top_n, tensor_options_.device());
}

bool Generator::append(Row& row, const RowDraws& draws, int64_t i, int64_t step) {
  const int64_t steps = draws.tokens.size(1), at = i * steps + step;
  const int64_t token = draws.tokens.data_ptr<int64_t>()[at];
  const float logprob = draws.logprobs.data_ptr<float>()[at];
  row.tokens.push_back(token);
  row.logprobs.push_back(logprob);
  const PromptOptions& o = options_of(row);
  const int64_t generated = static_cast<int64_t>(row.tokens.size());
  const bool done = row.matcher.push(row.tokens) || generated >= o.max_new_tokens ||
                    groups_[row.group].length + generated >= model_.config().max_positions;
  if (options_.token_events) {
    TokenEvent e{groups_[row.group].work.prompt, row.sample, token, logprob, done ? static_cast<int32_t>(row.matcher.finish()) : -1, {}, {}};
    if (o.top_logprobs > 0) {
      const int64_t k = draws.top_ids.size(2), n = std::min(k, o.top_logprobs);  // k: the batch's largest request
      e.top_ids.assign(draws.top_ids.data_ptr<int64_t>() + at * k, draws.top_ids.data_ptr<int64_t>() + at * k + n);
      e.top_logprobs.assign(draws.top_logprobs.data_ptr<float>() + at * k, draws.top_logprobs.data_ptr<float>() + at * k + n);
    }
    events_.push_back(std::move(e));
  }
  return done;
}

void Generator::finish(Row& row) {
  Prompt& prompt = prompts_[groups_[row.group].work.prompt];
  ++done_samples_;
  if (--prompt.unfinished == 0) prompt.ids = {};
  if (options_.token_events || prompt.cancelled) return;  // already reported token by token, or unwanted
  FinishedSample out;
  out.prompt = groups_[row.group].work.prompt;
  out.sample = row.sample;
  out.tokens = std::move(row.tokens);
  out.logprobs = std::move(row.logprobs);
  out.finish = row.matcher.finish();
  out.text_bytes = row.matcher.text_bytes();
  out.seconds = seconds_since(row.started);
  finished_.push_back(std::move(out));
}

int64_t Generator::decode_steps() {
  const auto t0 = Clock::now();
  const int64_t R = static_cast<int64_t>(rows_.size());
  // No row may run past its length limit: its cache has no slot there.
  int64_t steps = steps_per_sync_;
  std::vector<int64_t> ids(static_cast<size_t>(R)), row_group(ids.size()), row_decoded(ids.size()), prompt_of(ids.size()), group_length;
  for (int64_t r = 0; r < R; ++r) {
    const Row& row = rows_[r];
    const int64_t generated = static_cast<int64_t>(row.tokens.size());
    ids[r] = row.tokens.back();
    row_group[r] = row.group;
    prompt_of[r] = groups_[row.group].work.prompt;
    row_decoded[r] = generated - 1;  // generated tokens already in the cache
    const int64_t room = std::min(options_of(row).max_new_tokens, model_.config().max_positions - groups_[row.group].length);
    steps = std::min(steps, room - generated);
  }
  std::vector<double> uniforms(static_cast<size_t>(R * steps));  // (R, steps)
  for (int64_t r = 0; r < R; ++r) {
    const Row& row = rows_[r];
    const Prompt& p = prompts_[prompt_of[r]];
    for (int64_t j = 0; j < steps; ++j)
      uniforms[r * steps + j] = sample_uniform(p.options->seed, p.key, static_cast<uint64_t>(row.sample), row.tokens.size() + j);
  }
  for (const Group& g : groups_) group_length.push_back(g.length);
  const torch::Device device = tensor_options_.device();
  const bool graphed = cuda_graphs_ && steps > 1;
  if (graphed && !graphs_) graphs_ = std::make_unique<StepGraphs>(device);
  RowDraws host;  // (R, steps[, K])
  {
    StepStream stream(graphed ? graphs_.get() : nullptr);
    std::unique_ptr<StepGraph> graph;  // its memory stays until to_host has waited for its replays
    std::vector<RowDraws> drawn;
    {
      ForbidDeviceSync no_sync(options_.forbid_sync_between_checks);
      DecodeBatch batch(*cache_, options_.attention, row_group, row_decoded, group_length, steps);
      const RowDrawer drawer = drawer_for(prompt_of);
      torch::Tensor u = to_device(torch::tensor(uniforms, torch::kFloat64).view({R, steps}), device);
      // A step reads x and u_step and writes x and `last`, in place: a replayed graph of it does the same.
      torch::Tensor x = to_device(torch::tensor(ids, torch::kInt64).view({R, 1}), device);
      torch::Tensor u_step = torch::empty({R}, u.options());
      RowDraws last;
      auto step = [&] {
        AttentionContext ctx(batch.positions(), batch);
        torch::Tensor logits = model_.logits(model_.hidden(x, ctx).select(1, 0));  // (R, V)
        last = drawer.draw(logits, u_step);
        x.copy_(last.tokens.view({R, 1}));  // the next step's input, without leaving the device
        batch.advance();
      };
      for (int64_t j = 0; j < steps; ++j) {
        u_step.copy_(u.select(1, j));
        if (graph) {
          graph->replay();
          ++graph_replays_;
          drawn.push_back(copy(last));  // the next replay overwrites last
        } else {
          step();
          drawn.push_back(last);
          // Captured after one eager step on this stream, so whatever the step makes lazily exists.
          if (graphed) graph = std::make_unique<StepGraph>(*graphs_, step);
        }
      }
    }
    host = to_host(drawn);  // the one synchronisation of these steps
  }
  std::vector<bool> done(ids.size());
  for (int64_t r = 0; r < R; ++r) {
    int64_t j = 0;
    while (j < steps && !done[r]) done[r] = append(rows_[r], host, r, j++);
    decoded_tokens_ += j;
    discarded_tokens_ += steps - j;
  }
  steps_ += steps;
  ++syncs_;
  retire_rows(done);
  release_groups();
  decode_seconds_ += seconds_since(t0);
  return steps;
}

// Finished rows leave; the last live row moves into each freed slot.
void Generator::retire_rows(const std::vector<bool>& done) {
  for (int64_t r = static_cast<int64_t>(rows_.size()) - 1; r >= 0; --r) {
    if (!done[r]) continue;
    --groups_[rows_[r].group].live_rows;
    finish(rows_[r]);
    const int64_t last = static_cast<int64_t>(rows_.size()) - 1;
    if (r != last) {
      // The moved row's generated keys: all its tokens but the newest (fed next step).
      cache_->move_row(last, r, static_cast<int64_t>(rows_[last].tokens.size()) - 1);
      rows_[r] = std::move(rows_[last]);
    }
    rows_.pop_back();
  }
}

// Prompts whose samples have all finished free their group slot; the last group moves in.
void Generator::release_groups() {
  for (int64_t g = static_cast<int64_t>(groups_.size()) - 1; g >= 0; --g) {
    const Group& group = groups_[g];
    if (group.live_rows > 0 || group.work.next < group.work.end) continue;
    const int64_t last = static_cast<int64_t>(groups_.size()) - 1;
    if (g != last) {
      cache_->move_group(last, g, groups_[last].length);
      group_logits_[g].copy_(group_logits_[last]);
      groups_[g] = groups_[last];
      for (Row& row : rows_)
        if (row.group == last) row.group = g;
    }
    groups_.pop_back();
  }
}

nlohmann::json Generator::stats() const {
  return {{"prompts", prompts_.size()},
          {"samples_queued", queued_samples_},
          {"samples_done", done_samples_},
          {"decode_steps", steps_},
          {"steps_per_sync", steps_per_sync_},
          {"host_syncs", syncs_},
          {"cuda_graphs", cuda_graphs_},
          {"graph_replays", graph_replays_},
          {"decode_tokens", decoded_tokens_},
          {"discarded_tokens", discarded_tokens_},
          {"first_tokens", first_tokens_},
          {"prefill_tokens", prefilled_tokens_},
          {"prefill_seconds", prefill_seconds_},
          {"decode_seconds", decode_seconds_},
          {"ms_per_step", steps_ > 0 ? 1000.0 * decode_seconds_ / static_cast<double>(steps_) : 0.0},
          {"rows", max_rows_},
          {"groups", max_groups_},
          {"memory_budget_bytes", budget_},
          {"memory_planned_bytes", planned_bytes_},
          {"live_rows", rows_.size()},
          {"waiting_prompts", waiting_.size()}};
}

}  // namespace ekt
