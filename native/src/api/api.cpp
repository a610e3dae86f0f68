// The C API of ekt/api.h: thin, guarded adapters from plain pointers to the core's classes.
#include "ekt/api.h"

#include <torch/torch.h>
#include <torch/version.h>

#include <cstring>
#include <memory>
#include <nlohmann/json.hpp>

#include "api/api_guard.h"
#include "formats/checkpoint.h"
#include "device/placement.h"
#include "error.h"
#include "api/model_handle.h"

namespace ekt {
namespace {
thread_local std::string g_last_error;
std::string g_runtime_info;
}  // namespace

void set_last_error(std::string message) { g_last_error = std::move(message); }
void clear_last_error() { g_last_error.clear(); }

}  // namespace ekt

using ekt::guarded;

extern "C" {

const char* ekt_last_error(void) { return ekt::g_last_error.c_str(); }

const char* ekt_runtime_info(void) {
  nlohmann::json j = {{"torch_version", TORCH_VERSION}, {"cuda_available", torch::cuda::is_available()},
                      {"cuda_devices", torch::cuda::device_count()}, {"threads", at::get_num_threads()}};
  ekt::g_runtime_info = j.dump();
  return ekt::g_runtime_info.c_str();
}

int ekt_set_num_threads(int threads) {
  return guarded([&] {
    EKT_CHECK(threads > 0, "thread count must be positive, got " << threads);
    at::set_num_threads(threads);
  });
}

int ekt_check_device(const char* device) {
  return guarded([&] {
    EKT_CHECK(device != nullptr, "device is required");
    ekt::parse_device(device);
  });
}

ekt_model* ekt_model_load(const char* dir, const char* device, const char* dtype) {
  ekt_model* out = nullptr;
  guarded([&] {
    EKT_CHECK(dir != nullptr && device != nullptr, "model directory and device are required");
    const torch::Device dev = ekt::parse_device(device);
    const torch::ScalarType type = ekt::parse_dtype(dtype ? dtype : "float32");
    ekt::check_compute_dtype(type, dev);
    auto handle = std::make_unique<ekt_model>();
    handle->loaded = ekt::load_checkpoint(dir, dev, type);
    handle->info = ekt::describe(handle->loaded, dev).dump();
    out = handle.release();
  });
  return out;
}

void ekt_model_free(ekt_model* model) { delete model; }

const char* ekt_model_info(ekt_model* model) { return model ? model->info.c_str() : ""; }

int ekt_model_forward(ekt_model* model, const int64_t* ids, const uint8_t* mask, int64_t batch, int64_t seq,
                      int last_only, float* logits, int64_t logits_len) {
  return guarded([&] {
    EKT_CHECK(model && ids && mask && logits, "forward: null argument");
    EKT_CHECK(batch > 0 && seq > 0, "forward: batch and seq must be positive, got " << batch << " x " << seq);
    ekt::CausalLM& m = *model->loaded.model;
    const int64_t vocab = m.config().vocab_size;
    const int64_t needed = batch * (last_only ? 1 : seq) * vocab;
    EKT_CHECK(logits_len >= needed, "forward: logits buffer holds " << logits_len << " floats, needs " << needed);
    c10::InferenceMode inference;
    auto cpu = torch::TensorOptions().device(torch::kCPU);
    torch::Tensor t_ids = torch::from_blob(const_cast<int64_t*>(ids), {batch, seq}, cpu.dtype(torch::kInt64)).to(m.device());
    torch::Tensor t_valid = torch::from_blob(const_cast<uint8_t*>(mask), {batch, seq}, cpu.dtype(torch::kUInt8)).ne(0).to(m.device());
    torch::Tensor out = m.forward(t_ids, t_valid, nullptr, last_only != 0).to(torch::kCPU, torch::kFloat32).contiguous();
    std::memcpy(logits, out.data_ptr<float>(), static_cast<size_t>(needed) * sizeof(float));
  });
}

int ekt_model_save(ekt_model* model, const char* dir, const char* dtype) {
  return guarded([&] {
    EKT_CHECK(model && dir, "save: null argument");
    const ekt::CausalLM& m = *model->loaded.model;
    ekt::save_checkpoint(m, dir, dtype ? ekt::parse_dtype(dtype) : m.dtype());
  });
}

int ekt_checkpoint_convert(const char* src_dir, const char* dst_dir) {
  return guarded([&] {
    EKT_CHECK(src_dir && dst_dir, "convert: null argument");
    ekt::convert_checkpoint(src_dir, dst_dir);
  });
}

}  // extern "C"
