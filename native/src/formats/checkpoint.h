// Hugging Face checkpoint directories: config.json plus model.safetensors, or shards listed in
// model.safetensors.index.json, or the same layouts of pytorch_model.bin (torch.save, read without
// Python). Names may carry the "transformer." prefix or not.
#pragma once

#include <memory>
#include <string>

#include "models/model.h"

namespace ekt {

struct LoadedModel {
  std::unique_ptr<CausalLM> model;
  std::string checkpoint_dtype;  // dtype the tensors were stored in ("mixed" if several)
  int64_t ignored_tensors = 0;   // tensors in the files that the architecture does not use
};

// Weights converted to `dtype` (float32, bfloat16 or float16) on `device`.
LoadedModel load_checkpoint(const std::string& dir, const torch::Device& device, torch::ScalarType dtype = torch::kFloat32);

// Every weight of src's files (safetensors or pytorch_model.bin, single or sharded; causal-mask buffers left out) into
// dst/model.safetensors, each in its stored dtype; the other files are the caller's to copy.
void convert_checkpoint(const std::string& src, const std::string& dst);

// config.json + model.safetensors + generation_config.json, each written atomically; tensors (and
// config.json's torch_dtype) in `dtype`, by default the model's own.
void save_checkpoint(const CausalLM& model, const std::string& dir);
void save_checkpoint(const CausalLM& model, const std::string& dir, torch::ScalarType dtype);

// Parameter count as Hugging Face reports it (tied embeddings counted once).
int64_t parameter_count(const CausalLM& model);

}  // namespace ekt
