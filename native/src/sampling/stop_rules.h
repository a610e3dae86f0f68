// When a sample ends: the end-of-sequence token, token-id sequences, and text rules matched
// on the bytes of the generated tokens.
//
// Text rules run here, in the core, on a token -> bytes table handed over once per sampler,
// rather than in Java on decoded chunks: the core then decides every stop inside one JNI call,
// so a batch never waits for a round trip per step, and finished rows leave the batch at the
// exact step they finish.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ekt {

// Stops right after the first `end` that follows the first `start` (matched on bytes; an empty
// `end` stops right after `start`). {"\nanswer", "\n"} is the paper's rule: keep everything up to
// and including the newline that ends the first line starting with "answer".
struct TextStop {
  std::string start, end;
};

struct StopRules {
  int64_t eos = -1;  // -1: none
  std::vector<std::vector<int64_t>> token_sequences;
  std::vector<TextStop> texts;
  std::shared_ptr<const std::vector<std::string>> vocab;  // token id -> bytes; needed by `texts`
};

enum class Finish : int32_t { length = 0, eos = 1, stop = 2 };

// Follows one sample's tokens. Text is the concatenated bytes of the generated tokens, the EOS
// token excluded.
class StopMatcher {
 public:
  explicit StopMatcher(const StopRules& rules);
  // `tokens` is the sample so far, the new token last; true when that token ends the sample.
  bool push(const std::vector<int64_t>& tokens);
  Finish finish() const { return finish_; }
  // Length in bytes of the sample's text, cut at the end of a text rule's match;
  // -1 without a vocabulary table.
  int64_t text_bytes() const;

 private:
  const StopRules* rules_;
  std::string text_;
  std::vector<size_t> start_at_;  // per text rule: where `start` matched (npos: not yet)
  size_t cut_ = std::string::npos;
  Finish finish_ = Finish::length;
};

}  // namespace ekt
