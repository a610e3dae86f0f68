#include "formats/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>

#include "error.h"
#include "formats/fileutil.h"

namespace ekt::safetensors {
namespace {

// The reference implementation refuses headers above 100 MB; so do we.
constexpr uint64_t kMaxHeader = 100ull * 1024 * 1024;

struct DTypeEntry {
  const char* name;
  torch::ScalarType type;
  size_t bytes;
};

const DTypeEntry kDTypes[] = {
    {"F64", torch::kFloat64, 8}, {"F32", torch::kFloat32, 4}, {"F16", torch::kFloat16, 2},
    {"BF16", torch::kBFloat16, 2}, {"I64", torch::kInt64, 8}, {"I32", torch::kInt32, 4},
    {"I16", torch::kInt16, 2}, {"I8", torch::kInt8, 1}, {"U8", torch::kUInt8, 1},
    {"BOOL", torch::kBool, 1},
};

const DTypeEntry* lookup(const std::string& dtype) {
  for (const auto& e : kDTypes)
    if (dtype == e.name) return &e;
  return nullptr;
}

std::string shape_str(const std::vector<int64_t>& shape) {
  std::ostringstream s;
  s << '[';
  for (size_t i = 0; i < shape.size(); ++i) s << (i ? ", " : "") << shape[i];
  return s.str() + ']';
}

}  // namespace

torch::ScalarType scalar_type(const std::string& dtype, const std::string& context) {
  const DTypeEntry* e = lookup(dtype);
  EKT_CHECK(e != nullptr, context << ": unsupported dtype '" << dtype << "'");
  return e->type;
}

std::string dtype_name(torch::ScalarType type) {
  for (const auto& e : kDTypes)
    if (e.type == type) return e.name;
  EKT_FAIL("cannot store torch dtype " << c10::toString(type) << " in safetensors");
}

void parse_header(const uint8_t* bytes, size_t size, const std::string& path,
                  std::vector<TensorInfo>& tensors, std::map<std::string, std::string>& metadata,
                  uint64_t& data_start) {
  EKT_CHECK(size >= 8, path << ": not a safetensors file (only " << size << " bytes, the header length alone needs 8)");
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | bytes[i];
  EKT_CHECK(n <= kMaxHeader, path << ": corrupt safetensors header (declared length " << n << " bytes exceeds the 100 MB limit)");
  EKT_CHECK(n <= size - 8, path << ": truncated safetensors file (header declares " << n << " bytes, file has " << size - 8 << " after the length)");
  EKT_CHECK(n >= 2 && bytes[8] == '{', path << ": corrupt safetensors header (does not start with a JSON object)");

  nlohmann::json header;
  try {
    header = nlohmann::json::parse(bytes + 8, bytes + 8 + n);
  } catch (const nlohmann::json::exception& e) {
    EKT_FAIL(path << ": corrupt safetensors header (invalid JSON: " << e.what() << ")");
  }
  EKT_CHECK(header.is_object(), path << ": corrupt safetensors header (not a JSON object)");

  data_start = 8 + n;
  const uint64_t data_size = size - data_start;
  tensors.clear();
  metadata.clear();
  for (const auto& [name, entry] : header.items()) {
    if (name == "__metadata__") {
      EKT_CHECK(entry.is_object(), path << ": __metadata__ must be an object of strings");
      for (const auto& [k, v] : entry.items()) {
        EKT_CHECK(v.is_string(), path << ": __metadata__ entry '" << k << "' is not a string");
        metadata[k] = v.get<std::string>();
      }
      continue;
    }
    const std::string where = path + ": tensor '" + name + "'";
    EKT_CHECK(entry.is_object(), where << " is not an object");
    EKT_CHECK(entry.contains("dtype") && entry["dtype"].is_string(), where << " has no dtype");
    EKT_CHECK(entry.contains("shape") && entry["shape"].is_array(), where << " has no shape");
    EKT_CHECK(entry.contains("data_offsets") && entry["data_offsets"].is_array() && entry["data_offsets"].size() == 2,
              where << " has no data_offsets [begin, end]");
    TensorInfo t;
    t.name = name;
    t.dtype = entry["dtype"].get<std::string>();
    const DTypeEntry* dt = lookup(t.dtype);
    EKT_CHECK(dt != nullptr, where << " has unsupported dtype '" << t.dtype << "'");
    uint64_t numel = 1;
    for (const auto& d : entry["shape"]) {
      EKT_CHECK(d.is_number_integer() && d.get<int64_t>() >= 0, where << " has an invalid shape entry " << d.dump());
      const uint64_t dim = d.get<uint64_t>();
      EKT_CHECK(dim == 0 || numel <= std::numeric_limits<uint64_t>::max() / dim / dt->bytes,
                where << " has a shape too large to address");
      numel *= dim;
      t.shape.push_back(static_cast<int64_t>(dim));
    }
    for (const auto& o : entry["data_offsets"])
      EKT_CHECK(o.is_number_unsigned() || (o.is_number_integer() && o.get<int64_t>() >= 0),
                where << " has invalid data_offsets " << entry["data_offsets"].dump());
    t.begin = entry["data_offsets"][0].get<uint64_t>();
    t.end = entry["data_offsets"][1].get<uint64_t>();
    EKT_CHECK(t.begin <= t.end && t.end <= data_size,
              where << " has data_offsets [" << t.begin << ", " << t.end << "] outside the " << data_size
                    << "-byte data buffer (truncated or corrupt file)");
    EKT_CHECK(t.end - t.begin == numel * dt->bytes,
              where << " has " << t.end - t.begin << " bytes for shape " << shape_str(t.shape) << " " << t.dtype
                    << ", which needs " << numel * dt->bytes);
    tensors.push_back(std::move(t));
  }
  // The format requires the buffers to tile the data region without holes or overlaps.
  std::vector<const TensorInfo*> order;
  for (const auto& t : tensors) order.push_back(&t);
  std::sort(order.begin(), order.end(), [](auto* a, auto* b) { return a->begin < b->begin || (a->begin == b->begin && a->end < b->end); });
  uint64_t cursor = 0;
  for (const TensorInfo* t : order) {
    EKT_CHECK(t->begin == cursor, path << ": tensor '" << t->name << "' starts at byte " << t->begin << " but the previous tensor ends at "
                                       << cursor << " (overlapping or non-contiguous buffers)");
    cursor = t->end;
  }
  EKT_CHECK(cursor == data_size, path << ": " << data_size - cursor << " trailing bytes after the last tensor (corrupt file)");
}

File::File(const std::string& path) : path_(path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  EKT_CHECK(fd >= 0, "cannot open " << path << ": " << std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    EKT_FAIL("cannot stat " << path << ": " << std::strerror(err));
  }
  size_ = static_cast<size_t>(st.st_size);
  if (size_ > 0) {
    void* m = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
    int err = errno;
    ::close(fd);
    EKT_CHECK(m != MAP_FAILED, "cannot map " << path << ": " << std::strerror(err));
    map_ = static_cast<const uint8_t*>(m);
  } else {
    ::close(fd);
  }
  try {
    uint64_t data_start = 0;
    parse_header(map_, size_, path_, tensors_, metadata_, data_start);
    data_ = map_ + data_start;
  } catch (...) {
    if (map_) ::munmap(const_cast<uint8_t*>(map_), size_);
    throw;
  }
  for (size_t i = 0; i < tensors_.size(); ++i) index_[tensors_[i].name] = i;
}

File::~File() {
  if (map_) ::munmap(const_cast<uint8_t*>(map_), size_);
}

const TensorInfo* File::find(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &tensors_[it->second];
}

torch::Tensor File::load(const TensorInfo& info, torch::ScalarType dtype) const {
  const auto stored = torch::TensorOptions().dtype(scalar_type(info.dtype, path_));
  const uint8_t* bytes = data_ + info.begin;
  torch::Tensor out;
  if (info.end > info.begin && reinterpret_cast<uintptr_t>(bytes) % stored.dtype().itemsize() == 0) {
    // Aligned (the usual case): convert straight out of the mapping into a new tensor.
    out = torch::from_blob(const_cast<uint8_t*>(bytes), info.shape, stored).to(dtype, /*non_blocking=*/false, /*copy=*/true);
  } else {
    // The format does not promise alignment: copy into an aligned tensor of the stored type
    // first, then convert; only one tensor is ever held twice.
    out = torch::empty(info.shape, stored);
    if (info.end > info.begin) std::memcpy(out.data_ptr(), bytes, info.end - info.begin);
    out = out.to(dtype);
  }
  release_pages(info);
  return out;
}

void File::release_pages(const TensorInfo& info) const {
  // Pages of the mapping that were read count towards the process's resident memory until
  // unmapped; dropping them as each tensor is copied keeps a loading model from also holding
  // the whole file. Only pages lying entirely inside this tensor's bytes are dropped (a later
  // read simply faults them in again from the file).
  static const uintptr_t page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
  const uintptr_t first = (reinterpret_cast<uintptr_t>(data_ + info.begin) + page - 1) / page * page;
  const uintptr_t last = reinterpret_cast<uintptr_t>(data_ + info.end) / page * page;
  if (last > first) ::madvise(reinterpret_cast<void*>(first), last - first, MADV_DONTNEED);  // advisory: failure is harmless
}

void write(const std::string& path, const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
           const std::map<std::string, std::string>& metadata) {
  nlohmann::json header = nlohmann::json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::vector<torch::Tensor> contiguous;
  uint64_t offset = 0;
  for (const auto& [name, tensor] : tensors) {
    EKT_CHECK(!header.contains(name), "duplicate tensor name '" << name << "' while writing " << path);
    torch::Tensor t = tensor.detach().to(torch::kCPU).contiguous();
    const uint64_t bytes = static_cast<uint64_t>(t.numel()) * t.element_size();
    header[name] = {{"dtype", dtype_name(t.scalar_type())}, {"shape", t.sizes().vec()}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
    contiguous.push_back(std::move(t));
  }
  std::string json = header.dump();
  json.append((8 - json.size() % 8) % 8, ' ');  // keep the data buffer 8-byte aligned
  AtomicFile out(path);
  uint8_t len[8];
  uint64_t n = json.size();
  for (int i = 0; i < 8; ++i) len[i] = static_cast<uint8_t>(n >> (8 * i));
  out.write(len, 8);
  out.write(json.data(), json.size());
  for (const auto& t : contiguous) out.write(t.data_ptr(), static_cast<size_t>(t.numel()) * t.element_size());
  out.commit();
}

}  // namespace ekt::safetensors
