#include "generate.h"

#include <unistd.h>

#include <algorithm>

#include "error.h"

namespace ekt {
namespace {

constexpr int64_t kMiB = 1 << 20;
constexpr int64_t kPrefillChunk = 512;  // prompt positions per prefill forward

int64_t default_memory_bytes() {
  const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGE_SIZE);
  const int64_t quarter = pages > 0 && page > 0 ? static_cast<int64_t>(pages) * page / 4 : 2048 * kMiB;
  return std::min<int64_t>(8192 * kMiB, quarter);
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

Generator::Generator(CausalLM& model, GenerationOptions options)
    : model_(model), options_(std::move(options)), tensor_options_(model.params().front().tensor.options()) {
  check_sampling_params(options_.sampling);
  EKT_CHECK(options_.samples > 0, "samples per prompt must be positive, got " << options_.samples);
  EKT_CHECK(options_.max_new_tokens > 0, "max_new_tokens must be positive, got " << options_.max_new_tokens);
  EKT_CHECK(options_.max_rows > 0, "batch size (max rows) must be positive, got " << options_.max_rows);
  EKT_CHECK(options_.memory_bytes >= 0, "memory budget must be >= 0, got " << options_.memory_bytes);
  const int64_t vocab = model.config().vocab_size;
  EKT_CHECK(options_.stops.eos < vocab, "eos_token_id " << options_.stops.eos << " is outside the vocabulary of " << vocab);
  for (const auto& sequence : options_.stops.token_sequences) {
    EKT_CHECK(!sequence.empty(), "a stop token sequence is empty");
    for (int64_t t : sequence) EKT_CHECK(t >= 0 && t < vocab, "stop token " << t << " is outside the vocabulary of " << vocab);
  }
  for (const TextStop& rule : options_.stops.texts) EKT_CHECK(!rule.start.empty(), "a stop string is empty");
  budget_ = options_.memory_bytes > 0 ? options_.memory_bytes : default_memory_bytes();
}

void Generator::set_vocab(std::shared_ptr<const std::vector<std::string>> table) {
  EKT_CHECK(!cache_, "the token byte table must be set before the first run");
  const int64_t vocab = model_.config().vocab_size;
  EKT_CHECK(static_cast<int64_t>(table->size()) == vocab,
            "token byte table has " << table->size() << " entries, the model's vocabulary " << vocab);
  options_.stops.vocab = std::move(table);
}

int64_t Generator::add_prompt(uint64_t key, std::vector<int64_t> ids) {
  const ModelConfig& c = model_.config();
  const int64_t index = static_cast<int64_t>(prompts_.size());
  EKT_CHECK(!ids.empty(), "prompt " << index << " is empty (give at least one token, e.g. the BOS id)");
  EKT_CHECK(static_cast<int64_t>(ids.size()) < c.max_positions,
            "prompt " << index << " has " << ids.size() << " tokens, leaving no room in the model's context of "
                      << c.max_positions);
  for (int64_t t : ids) EKT_CHECK(t >= 0 && t < c.vocab_size, "prompt " << index << ": token id " << t << " is outside the vocabulary [0, " << c.vocab_size << ")");
  prompts_.push_back({key, std::move(ids)});
  const int64_t n = options_.samples;
  if (options_.share_prompt) {
    waiting_.push_back({index, 0, n});
  } else {
    for (int64_t s = 0; s < n; ++s) waiting_.push_back({index, s, s + 1});
  }
  queued_samples_ += n;
  return index;
}

// Sizes the batch from the budget: R rows of generated-token keys and activations, enough group
// slots for the prompts those rows need, and a prefill workspace.
void Generator::plan(int64_t prompt_tokens) {
  const ModelConfig& c = model_.config();
  const int64_t item = static_cast<int64_t>(tensor_options_.dtype().itemsize());
  const int64_t kv = PrefixCache::bytes_per_token(c, tensor_options_);
  const int64_t decode_tokens = std::min(options_.max_new_tokens, c.max_positions);
  const int64_t keys = prompt_tokens + decode_tokens;
  // Per row and step: logits and the sampler's copies (~8 V), hidden/MLP temporaries, scores.
  const int64_t row_bytes = kv * decode_tokens + item * (8 * c.vocab_size + 16 * c.hidden + 4 * c.inner + 6 * c.heads * keys);
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
  cache_ = std::make_unique<PrefixCache>(c, CacheShape{max_groups_, prompt_tokens, max_rows_, decode_tokens}, tensor_options_);
  group_logits_ = torch::empty({max_groups_, c.vocab_size}, tensor_options_);
}

bool Generator::run(int64_t max_steps) {
  EKT_CHECK(max_steps > 0, "run needs a positive step count, got " << max_steps);
  for (int64_t step = 0; step < max_steps; ++step) {
    admit();
    if (rows_.empty()) break;
    decode_step();
  }
  return done_samples_ < queued_samples_;
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
      EKT_CHECK(options_.stops.texts.empty() || options_.stops.vocab, "stop strings need the token byte table (set_vocab)");
      int64_t longest = 0;
      for (const Prompt& p : prompts_) longest = std::max<int64_t>(longest, static_cast<int64_t>(p.ids.size()));
      plan(longest);
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
  int64_t longest = 0;
  for (const Work& w : work) longest = std::max<int64_t>(longest, static_cast<int64_t>(prompts_[w.prompt].ids.size()));
  if (longest > cache_->shape().prompt_tokens) {
    std::vector<int64_t> lengths;
    for (const Group& g : groups_) lengths.push_back(g.length);
    cache_->grow_prompt_tokens(longest, static_cast<int64_t>(groups_.size()), lengths);
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
  std::vector<int64_t> slots;
  std::vector<double> uniforms;
  for (const auto& [g, s] : group_samples) {
    slots.push_back(g);
    uniforms.push_back(sample_uniform(options_.seed, prompts_[groups_[g].work.prompt].key, static_cast<uint64_t>(s), 0));
  }
  torch::Tensor logits = group_logits_.index_select(0, torch::tensor(slots, torch::kInt64).to(tensor_options_.device()));
  Draw draw = draw_tokens(logits, torch::tensor(uniforms, torch::kFloat64), options_.sampling);
  const int64_t* tokens = draw.tokens.data_ptr<int64_t>();
  const float* logprobs = draw.logprobs.data_ptr<float>();
  for (size_t i = 0; i < group_samples.size(); ++i) {
    const auto [g, s] = group_samples[i];
    Row row{g, s, {}, {}, StopMatcher(options_.stops), Clock::now()};
    ++first_tokens_;
    if (append(row, tokens[i], logprobs[i])) {
      finish(row);
    } else {
      ++groups_[g].live_rows;
      rows_.push_back(std::move(row));
    }
  }
}

bool Generator::append(Row& row, int64_t token, float logprob) {
  row.tokens.push_back(token);
  row.logprobs.push_back(logprob);
  if (row.matcher.push(row.tokens)) return true;
  const int64_t generated = static_cast<int64_t>(row.tokens.size());
  return generated >= options_.max_new_tokens || groups_[row.group].length + generated >= model_.config().max_positions;
}

void Generator::finish(Row& row) {
  FinishedSample out;
  out.prompt = groups_[row.group].work.prompt;
  out.sample = row.sample;
  out.tokens = std::move(row.tokens);
  out.logprobs = std::move(row.logprobs);
  out.finish = row.matcher.finish();
  out.text_bytes = row.matcher.text_bytes();
  out.seconds = seconds_since(row.started);
  finished_.push_back(std::move(out));
  ++done_samples_;
}

void Generator::decode_step() {
  const auto t0 = Clock::now();
  const int64_t R = static_cast<int64_t>(rows_.size());
  std::vector<int64_t> ids(static_cast<size_t>(R)), row_group(ids.size()), row_decoded(ids.size()), group_length;
  std::vector<double> uniforms(ids.size());
  for (int64_t r = 0; r < R; ++r) {
    const Row& row = rows_[r];
    ids[r] = row.tokens.back();
    row_group[r] = row.group;
    row_decoded[r] = static_cast<int64_t>(row.tokens.size()) - 1;  // generated tokens already in the cache
    uniforms[r] = sample_uniform(options_.seed, prompts_[groups_[row.group].work.prompt].key, static_cast<uint64_t>(row.sample),
                                 row.tokens.size());
  }
  for (const Group& g : groups_) group_length.push_back(g.length);
  DecodeBatch batch(*cache_, options_.attention, row_group, row_decoded, group_length);
  AttentionContext ctx(batch.positions(), batch);
  torch::Tensor x = torch::tensor(ids, torch::kInt64).view({R, 1}).to(tensor_options_.device());
  torch::Tensor logits = model_.logits(model_.hidden(x, ctx).select(1, 0));  // (R, V)
  Draw draw = draw_tokens(logits, torch::tensor(uniforms, torch::kFloat64), options_.sampling);
  const int64_t* tokens = draw.tokens.data_ptr<int64_t>();
  const float* logprobs = draw.logprobs.data_ptr<float>();
  std::vector<bool> done(ids.size());
  for (int64_t r = 0; r < R; ++r) done[r] = append(rows_[r], tokens[r], logprobs[r]);
  ++steps_;
  decoded_tokens_ += R;
  retire_rows(done);
  release_groups();
  decode_seconds_ += seconds_since(t0);
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
          {"decode_tokens", decoded_tokens_},
          {"first_tokens", first_tokens_},
          {"prefill_tokens", prefilled_tokens_},
          {"prefill_seconds", prefill_seconds_},
          {"decode_seconds", decode_seconds_},
          {"ms_per_step", steps_ > 0 ? 1000.0 * decode_seconds_ / static_cast<double>(steps_) : 0.0},
          {"rows", max_rows_},
          {"groups", max_groups_},
          {"memory_budget_bytes", budget_},
          {"memory_planned_bytes", planned_bytes_}};
}

}  // namespace ekt
