#include "sampling/stop_rules.h"

#include <algorithm>

namespace ekt {
namespace {

// Where to resume searching for `needle` once `added_from` bytes were already searched.
size_t resume_from(size_t added_from, const std::string& needle) {
  return added_from + 1 > needle.size() ? added_from + 1 - needle.size() : 0;
}

bool ends_with(const std::vector<int64_t>& tokens, const std::vector<int64_t>& tail) {
  return tokens.size() >= tail.size() && std::equal(tail.rbegin(), tail.rend(), tokens.rbegin());
}

}  // namespace

StopMatcher::StopMatcher(const StopRules& rules) : rules_(&rules), start_at_(rules.texts.size(), std::string::npos) {}

bool StopMatcher::push(const std::vector<int64_t>& tokens) {
  const int64_t token = tokens.back();
  if (token == rules_->eos) {
    finish_ = Finish::eos;
    return true;
  }
  const size_t old_size = text_.size();
  if (rules_->vocab) text_ += (*rules_->vocab)[static_cast<size_t>(token)];
  for (const auto& sequence : rules_->token_sequences) {
    if (ends_with(tokens, sequence)) {
      finish_ = Finish::stop;
      return true;
    }
  }
  for (size_t i = 0; i < rules_->texts.size(); ++i) {
    const TextStop& rule = rules_->texts[i];
    size_t& start = start_at_[i];
    if (start == std::string::npos) start = text_.find(rule.start, resume_from(old_size, rule.start));
    if (start == std::string::npos) continue;
    const size_t after = start + rule.start.size();
    const size_t end = rule.end.empty() ? after : text_.find(rule.end, std::max(after, resume_from(old_size, rule.end)));
    if (end != std::string::npos) cut_ = std::min(cut_, end + rule.end.size());
  }
  if (cut_ == std::string::npos) return false;
  finish_ = Finish::stop;
  return true;
}

int64_t StopMatcher::text_bytes() const {
  if (!rules_->vocab) return -1;
  return static_cast<int64_t>(std::min(cut_, text_.size()));
}

}  // namespace ekt
