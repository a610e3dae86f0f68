// Where a model lives and the floating-point type it computes in, from the API's strings
// ("cpu", "cuda", "cuda:1"; "float32", "bfloat16", "float16"), checked before any work starts.
#pragma once

#include <torch/torch.h>

#include <string>

namespace ekt {

// A device this process can use; names the problem otherwise (unknown name, no CUDA in this
// libtorch or no GPU visible, index beyond the visible GPUs).
torch::Device parse_device(const std::string& name);

// float32, bfloat16 or float16 (also fp32/bf16/fp16).
torch::ScalarType parse_dtype(const std::string& name);

// A model may compute in `type` on `device` (float16 needs kernels libtorch 1.x lacks on the CPU).
void check_compute_dtype(torch::ScalarType type, const torch::Device& device);

// A tensor's copy on `device` (itself if it is there). From the host to a GPU it goes through
// pinned memory without blocking: a plain .to() waits for all of the GPU's queued work first, a
// host synchronisation that would stall the decode loop once per step.
torch::Tensor to_device(const torch::Tensor& host, const torch::Device& device);

// "float32", "bfloat16", "float16" (Hugging Face's torch_dtype names).
const char* dtype_label(torch::ScalarType type);

}  // namespace ekt
