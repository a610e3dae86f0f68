#include "formats/checkpoint.h"

#include <set>

#include "device/placement.h"
#include "error.h"
#include "formats/fileutil.h"
#include "formats/safetensors.h"
#include "formats/torch_bin.h"

namespace ekt {
namespace {

std::string shape_str(c10::IntArrayRef shape) {
  std::ostringstream s;
  s << '[';
  for (size_t i = 0; i < shape.size(); ++i) s << (i ? ", " : "") << shape[i];
  return s.str() + ']';
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// One tensor of a checkpoint, wherever it is stored.
struct Entry {
  std::string name, path, dtype;  // dtype as safetensors names it: F32, F16, BF16, ...
  std::vector<int64_t> shape;
  const safetensors::File* file = nullptr;  // safetensors: copied out of the mapping on demand
  const safetensors::TensorInfo* info = nullptr;
  torch::Tensor tensor;  // pytorch_model.bin: unpickled into memory

  torch::Tensor load(torch::ScalarType type) const {
    return file ? file->load(*info, type) : tensor.to(type).contiguous();
  }
};

// The weight files of a checkpoint: model.safetensors, shards listed in model.safetensors.index.json,
// or the same two layouts of pytorch_model.bin (safetensors first when both are there).
struct Shards {
  std::vector<std::unique_ptr<safetensors::File>> files;
  std::map<std::string, Entry> tensors;

  explicit Shards(const std::string& dir) {
    std::vector<std::string> paths;
    for (const char* base : {"model.safetensors", "pytorch_model.bin"}) {
      if (file_exists(dir + "/" + base)) {
        paths.push_back(dir + "/" + base);
      } else if (file_exists(dir + "/" + base + ".index.json")) {
        paths = indexed_files(dir, dir + "/" + base + ".index.json");
      }
      if (!paths.empty()) break;
    }
    EKT_CHECK(!paths.empty(), "missing file: " << dir << "/model.safetensors (no model.safetensors, model.safetensors.index.json, "
                                               << "pytorch_model.bin or pytorch_model.bin.index.json in " << dir << ")");
    for (const auto& p : paths) {
      if (ends_with(p, ".safetensors")) {
        files.push_back(std::make_unique<safetensors::File>(p));
        for (const auto& t : files.back()->tensors()) add(Entry{t.name, p, t.dtype, t.shape, files.back().get(), &t, {}});
      } else {
        for (auto& [name, t] : torch_bin::read(p))
          add(Entry{name, p, stored_dtype(t, p, name), t.sizes().vec(), nullptr, nullptr, t});
      }
    }
  }

  // Canonical name, or the same name without its "transformer."/"model." prefix.
  const Entry* find(const std::string& name) const {
    auto it = tensors.find(name);
    if (it != tensors.end()) return &it->second;
    const size_t dot = name.find('.');
    const std::string head = name.substr(0, dot);
    if (dot != std::string::npos && (head == "transformer" || head == "model")) {
      it = tensors.find(name.substr(dot + 1));
      if (it != tensors.end()) return &it->second;
    }
    return nullptr;
  }

 private:
  void add(Entry e) {
    auto it = tensors.find(e.name);
    EKT_CHECK(it == tensors.end(), "tensor '" << e.name << "' appears in two shards (" << it->second.path << " and " << e.path << ")");
    const std::string name = e.name;
    tensors.emplace(name, std::move(e));
  }

  static std::string stored_dtype(const torch::Tensor& t, const std::string& path, const std::string& name) {
    try {
      return safetensors::dtype_name(t.scalar_type());
    } catch (const Error&) {
      EKT_FAIL(path << ": tensor '" << name << "' has dtype " << c10::toString(t.scalar_type()) << ", which no checkpoint weight has");
    }
  }

  static std::vector<std::string> indexed_files(const std::string& dir, const std::string& index) {
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(read_file(index));
    } catch (const nlohmann::json::exception& e) {
      EKT_FAIL(index << ": invalid JSON (" << e.what() << ")");
    }
    EKT_CHECK(j.is_object() && j.contains("weight_map") && j["weight_map"].is_object(), index << ": missing 'weight_map' object");
    std::set<std::string> names;
    for (const auto& [name, file] : j["weight_map"].items()) {
      EKT_CHECK(file.is_string(), index << ": weight_map entry '" << name << "' is not a file name");
      const std::string f = file.get<std::string>();
      EKT_CHECK(f.find('/') == std::string::npos, index << ": weight_map entry '" << name << "' points outside the directory: " << f);
      names.insert(f);
    }
    EKT_CHECK(!names.empty(), index << ": empty weight_map");
    std::vector<std::string> paths;
    for (const auto& f : names) {
      EKT_CHECK(file_exists(dir + "/" + f), "missing file: " << dir << "/" << f << " (listed in " << index << ")");
      paths.push_back(dir + "/" + f);
    }
    return paths;
  }
};


}  // namespace

LoadedModel load_checkpoint(const std::string& dir, const torch::Device& device, torch::ScalarType dtype) {
  EKT_CHECK(dir_exists(dir), "model directory not found: " << dir);
  ModelConfig config = ModelConfig::load(dir + "/config.json");
  const Architecture& arch = architecture_for(config);
  Shards shards(dir);

  WeightSource weights;
  std::set<std::string> used;
  std::set<std::string> dtypes;
  for (const ParamSpec& spec : arch.specs(config)) {
    const Entry* e = shards.find(spec.name);
    EKT_CHECK(e != nullptr, "checkpoint " << dir << " has no tensor '" << spec.name << "' (expected shape "
                                          << shape_str(spec.shape) << ")");
    EKT_CHECK(e->shape == spec.shape, "tensor '" << e->name << "' in " << e->path << " has shape "
                                                 << shape_str(e->shape) << ", expected " << shape_str(spec.shape));
    const torch::ScalarType st = safetensors::scalar_type(e->dtype, e->path + ": tensor '" + e->name + "'");
    EKT_CHECK(st == torch::kFloat32 || st == torch::kFloat16 || st == torch::kBFloat16,
              e->path << ": tensor '" << e->name << "' has dtype " << e->dtype << "; weights must be F32, F16 or BF16");
    weights[spec.name] = e->load(dtype).to(device);
    used.insert(e->name);
    dtypes.insert(e->dtype);
  }
  LoadedModel out;
  for (const auto& [name, where] : shards.tensors) {
    if (used.count(name)) continue;
    bool buffer = name == "lm_head.weight" && config.tie_word_embeddings;  // tied: the embedding is used
    for (const auto& suffix : arch.ignored_suffixes) buffer = buffer || ends_with(name, suffix);
    if (!buffer) ++out.ignored_tensors;
  }
  static const std::map<std::string, std::string> kNames = {{"F32", "float32"}, {"F16", "float16"}, {"BF16", "bfloat16"}};
  out.checkpoint_dtype = dtypes.size() == 1 ? kNames.at(*dtypes.begin()) : "mixed";
  out.model = arch.create(config, weights);
  return out;
}

void convert_checkpoint(const std::string& src, const std::string& dst) {
  EKT_CHECK(dir_exists(src), "model directory not found: " << src);
  const Architecture& arch = architecture_for(ModelConfig::load(src + "/config.json"));
  Shards shards(src);
  std::vector<std::pair<std::string, torch::Tensor>> tensors;
  for (const auto& [name, e] : shards.tensors) {
    // Causal-mask buffers old .bin files carry: every loader rebuilds them, and Hugging Face's
    // safetensors checkpoints leave them out.
    bool buffer = false;
    for (const auto& suffix : arch.ignored_suffixes) buffer = buffer || ends_with(name, suffix);
    if (!buffer) tensors.emplace_back(name, e.load(safetensors::scalar_type(e.dtype, e.path + ": tensor '" + name + "'")));
  }
  make_dirs(dst);
  safetensors::write(dst + "/model.safetensors", tensors, {{"format", "pt"}});
}

void save_checkpoint(const CausalLM& model, const std::string& dir) { save_checkpoint(model, dir, model.dtype()); }

void save_checkpoint(const CausalLM& model, const std::string& dir, torch::ScalarType dtype) {
  make_dirs(dir);
  std::vector<std::pair<std::string, torch::Tensor>> tensors;
  for (const Param& p : model.params()) tensors.emplace_back(p.name, p.tensor.detach().to(dtype));
  safetensors::write(dir + "/model.safetensors", tensors, {{"format", "pt"}});
  nlohmann::json config = model.config().raw;
  config["torch_dtype"] = dtype_label(dtype);
  if (!config.contains("architectures")) config["architectures"] = {model.config().architecture};
  write_file_atomic(dir + "/config.json", config.dump(2) + "\n");
  // What generate() reads: the special ids, with padding declared (end-of-text pads, as in training).
  nlohmann::json generation = {{"_from_model_config", true}};
  for (const char* key : {"bos_token_id", "eos_token_id"})
    if (config.contains(key)) generation[key] = config[key];
  const bool has_pad = config.contains("pad_token_id") && !config["pad_token_id"].is_null();
  if (has_pad || config.contains("eos_token_id")) generation["pad_token_id"] = has_pad ? config["pad_token_id"] : config["eos_token_id"];
  write_file_atomic(dir + "/generation_config.json", generation.dump(2) + "\n");
}

int64_t parameter_count(const CausalLM& model) {
  int64_t n = 0;
  for (const Param& p : model.params()) n += p.tensor.numel();
  return n;
}

}  // namespace ekt
