#include "training/checkpoint_activations.h"

#include <torch/csrc/autograd/function.h>
#include <torch/csrc/autograd/functions/utils.h>

#include <memory>
#include <utility>
#include <vector>

#include "device/autocast.h"

namespace ekt {
namespace {

thread_local bool t_checkpointing = false;

using Block = std::function<torch::Tensor(const torch::Tensor&)>;

// The backward of one checkpointed block: recomputes it from its saved input under the autocast
// setting of the forward, then returns the gradients for the input and each parameter. A Node of
// its own (what torch::autograd::Function builds underneath) because it must own the block.
class RecomputeBlock final : public torch::autograd::Node {
 public:
  RecomputeBlock(Block block, torch::Tensor input, std::vector<torch::Tensor> params)
      : block_(std::move(block)), input_(std::move(input)), params_(std::move(params)),
        device_(input_.device().type()), autocast_(AutocastScope::active(device_)),
        autocast_dtype_(AutocastScope::dtype(device_)) {}

  torch::autograd::variable_list apply(torch::autograd::variable_list&& grads) override {
    if (!grads[0].defined()) return torch::autograd::variable_list(1 + params_.size());
    torch::AutoGradMode grad_on(true);
    AutocastScope autocast(device_, autocast_dtype_, autocast_);
    torch::Tensor x = input_.detach().requires_grad_(true);
    torch::Tensor y = block_(x);
    std::vector<torch::Tensor> inputs = {x};
    inputs.insert(inputs.end(), params_.begin(), params_.end());
    return torch::autograd::grad({y}, inputs, {grads[0]}, /*retain_graph=*/false, /*create_graph=*/false,
                                 /*allow_unused=*/true);
  }

  std::string name() const override { return "ekt::RecomputeBlock"; }

  void release_variables() override {
    input_.reset();
    block_ = nullptr;
  }

 private:
  Block block_;
  torch::Tensor input_;
  std::vector<torch::Tensor> params_;
  torch::DeviceType device_;
  bool autocast_;
  torch::ScalarType autocast_dtype_;
};

}  // namespace

CheckpointActivationsScope::CheckpointActivationsScope(bool enabled) : was_enabled_(t_checkpointing) {
  t_checkpointing = enabled;
}

CheckpointActivationsScope::~CheckpointActivationsScope() { t_checkpointing = was_enabled_; }

torch::Tensor run_block(const CausalLM& model, const std::string& layer_prefix, const torch::Tensor& x, Block block) {
  if (!t_checkpointing || !at::GradMode::is_enabled()) return block(x);
  std::vector<torch::Tensor> params;
  for (const Param& p : model.params())
    if (p.tensor.requires_grad() && p.name.compare(0, layer_prefix.size(), layer_prefix) == 0) params.push_back(p.tensor);
  if (params.empty() && !x.requires_grad()) return block(x);
  // With gradients on, as in the recompute, so that both take the same kernels (dense() has a
  // no-grad CPU path) and backward differentiates exactly the function whose output went on; the
  // block's graph goes with the temporary, so only its input stays.
  torch::Tensor y = block(x.detach()).detach();
  auto node = std::shared_ptr<RecomputeBlock>(new RecomputeBlock(std::move(block), x, params), torch::autograd::deleteNode);
  node->set_next_edges(torch::autograd::collect_next_edges(x, params));
  torch::autograd::set_history(y, node);
  return y;
}

}  // namespace ekt
