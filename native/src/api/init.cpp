// ekt_model_init: a model of any registered architecture with Hugging Face-style random
// weights, built through the same specs and constructors as a loaded checkpoint.
#include "ekt/init_api.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <memory>

#include "api/api_guard.h"
#include "device/placement.h"
#include "error.h"
#include "api/model_handle.h"

namespace ekt {
namespace {

// Matrices normal(0, 0.02); one-dimensional "*.weight" tensors are normalisation gains (1);
// the remaining vectors are biases (0). Drawn on the CPU in spec order, so results do not
// depend on the device.
WeightSource init_weights(const std::vector<ParamSpec>& specs, uint64_t seed) {
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  WeightSource weights;
  for (const ParamSpec& spec : specs) {
    const bool gain = spec.name.size() > 7 && spec.name.compare(spec.name.size() - 7, 7, ".weight") == 0;
    torch::Tensor t;
    if (spec.shape.size() >= 2)
      t = at::normal(0.0, 0.02, spec.shape, gen, torch::kFloat32);
    else
      t = gain ? torch::ones(spec.shape) : torch::zeros(spec.shape);
    weights[spec.name] = t;
  }
  return weights;
}

}  // namespace
}  // namespace ekt

extern "C" ekt_model* ekt_model_init(const char* config_json, uint64_t seed, const char* device) {
  ekt_model* out = nullptr;
  ekt::guarded([&] {
    EKT_CHECK(config_json != nullptr && device != nullptr, "model config and device are required");
    const torch::Device dev = ekt::parse_device(device);
    nlohmann::json json;
    try {
      json = nlohmann::json::parse(config_json);
    } catch (const nlohmann::json::exception& e) {
      EKT_FAIL("model config: invalid JSON (" << e.what() << ")");
    }
    ekt::ModelConfig config = ekt::ModelConfig::parse(json, "model config");
    const ekt::Architecture& arch = ekt::architecture_for(config);
    ekt::WeightSource weights = ekt::init_weights(arch.specs(config), seed);
    for (auto& [name, tensor] : weights) tensor = tensor.to(dev);
    auto handle = std::make_unique<ekt_model>();
    handle->loaded.model = arch.create(config, weights);
    handle->loaded.checkpoint_dtype = "float32";
    handle->info = ekt::describe(handle->loaded, dev).dump();
    out = handle.release();
  });
  return out;
}
