#include "device/placement.h"

#include <torch/version.h>

#include <regex>

#include "error.h"

namespace ekt {

torch::Device parse_device(const std::string& name) {
  static const std::regex kForm("cpu|cuda(:[0-9]{1,3})?");
  EKT_CHECK(std::regex_match(name, kForm), "unknown device '" << name << "' (use cpu, cuda or cuda:N)");
  torch::Device device(name);
  if (device.is_cpu()) return device;
  // A CUDA build without a driver or a visible GPU counts no devices, as one without CUDA does: the build says which.
#ifdef EKT_WITH_CUDA
  const char* why = " with CUDA, but no GPU is visible (check the driver and CUDA_VISIBLE_DEVICES), or use device cpu";
#else
  const char* why = " without CUDA; use device cpu, or build against a CUDA libtorch (README, \"The paper on a GPU\")";
#endif
  EKT_CHECK(torch::cuda::is_available(),
            "device '" << name << "' requested but CUDA is not available: this core is built against libtorch " << TORCH_VERSION << why);
  const int64_t count = static_cast<int64_t>(torch::cuda::device_count());
  EKT_CHECK(!device.has_index() || device.index() < count,
            "device '" << name << "' requested but only " << count << " CUDA device(s) are visible");
  return device;
}

torch::Tensor to_device(const torch::Tensor& host, const torch::Device& device) {
  if (!device.is_cuda() || !host.device().is_cpu()) return host.to(device);
  return host.pin_memory().to(device, /*non_blocking=*/true);
}

torch::ScalarType parse_dtype(const std::string& name) {
  if (name == "float32" || name == "fp32") return torch::kFloat32;
  if (name == "bfloat16" || name == "bf16") return torch::kBFloat16;
  if (name == "float16" || name == "fp16") return torch::kFloat16;
  EKT_FAIL("unknown dtype '" << name << "' (use float32, bfloat16 or float16)");
}

void check_compute_dtype(torch::ScalarType type, const torch::Device& device) {
#if TORCH_VERSION_MAJOR < 2
  // libtorch 1.x has no CPU kernels for half-precision layer norms and matrix products.
  EKT_CHECK(type != torch::kFloat16 || !device.is_cpu(),
            "dtype float16 needs a CUDA device with libtorch " << TORCH_VERSION << "; use bfloat16 on the CPU");
#else
  (void)type;
  (void)device;
#endif
}

const char* dtype_label(torch::ScalarType type) {
  switch (type) {
    case torch::kFloat32: return "float32";
    case torch::kBFloat16: return "bfloat16";
    case torch::kFloat16: return "float16";
    default: EKT_FAIL("unsupported model dtype " << type);
  }
}

}  // namespace ekt
