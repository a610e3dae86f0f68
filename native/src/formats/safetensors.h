// Reader and writer for the safetensors format (Hugging Face): 8-byte little-endian header
// length, a JSON header {name: {dtype, shape, data_offsets}, "__metadata__": {...}}, then one
// byte buffer. The reader validates everything before touching tensor data, so a truncated or
// hostile file yields an ekt::Error, never an out-of-bounds read.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace ekt::safetensors {

struct TensorInfo {
  std::string name;
  std::string dtype;            // "F32", "F16", "BF16", ...
  std::vector<int64_t> shape;
  uint64_t begin = 0, end = 0;  // byte offsets into the data buffer
};

// A validated, memory-mapped safetensors file.
class File {
 public:
  explicit File(const std::string& path);
  ~File();
  File(const File&) = delete;
  File& operator=(const File&) = delete;

  const std::string& path() const { return path_; }
  const std::vector<TensorInfo>& tensors() const { return tensors_; }
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  const TensorInfo* find(const std::string& name) const;

  // Copies one tensor out of the mapping, converted to `dtype` (CPU); the mapped pages it
  // occupied are released afterwards.
  torch::Tensor load(const TensorInfo& info, torch::ScalarType dtype) const;

 private:
  // Drops the mapped pages of a tensor that was copied out, so they stop counting as resident.
  void release_pages(const TensorInfo& info) const;

  std::string path_;
  const uint8_t* map_ = nullptr;
  size_t size_ = 0;
  const uint8_t* data_ = nullptr;  // start of the byte buffer
  std::vector<TensorInfo> tensors_;
  std::map<std::string, size_t> index_;
  std::map<std::string, std::string> metadata_;
};

// Parses and validates a header given the whole file's bytes (exposed for fuzzing).
void parse_header(const uint8_t* bytes, size_t size, const std::string& path,
                  std::vector<TensorInfo>& tensors, std::map<std::string, std::string>& metadata,
                  uint64_t& data_start);

// Writes tensors (any CPU dtype among F32/F16/BF16/I64/...) atomically: path.tmp then rename.
void write(const std::string& path, const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
           const std::map<std::string, std::string>& metadata);

// Element size and torch type of a safetensors dtype name; throws for unsupported names.
torch::ScalarType scalar_type(const std::string& dtype, const std::string& context);
std::string dtype_name(torch::ScalarType type);

}  // namespace ekt::safetensors
