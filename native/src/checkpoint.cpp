#include "checkpoint.h"

#include <set>

#include "device/placement.h"
#include "error.h"
#include "fileutil.h"
#include "safetensors.h"

namespace ekt {
namespace {

std::string shape_str(c10::IntArrayRef shape) {
  std::ostringstream s;
  s << '[';
  for (size_t i = 0; i < shape.size(); ++i) s << (i ? ", " : "") << shape[i];
  return s.str() + ']';
}

// The safetensors files of a checkpoint and, for sharded ones, which file holds which name.
struct Shards {
  std::vector<std::unique_ptr<safetensors::File>> files;
  std::map<std::string, std::pair<const safetensors::File*, const safetensors::TensorInfo*>> tensors;

  explicit Shards(const std::string& dir) {
    const std::string single = dir + "/model.safetensors", index = dir + "/model.safetensors.index.json";
    std::vector<std::string> paths;
    if (file_exists(single)) {
      paths.push_back(single);
    } else if (file_exists(index)) {
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
      for (const auto& f : names) {
        EKT_CHECK(file_exists(dir + "/" + f), "missing file: " << dir << "/" << f << " (listed in " << index << ")");
        paths.push_back(dir + "/" + f);
      }
    } else {
      EKT_FAIL("missing file: " << single << " (no model.safetensors or model.safetensors.index.json in " << dir
                                << (file_exists(dir + "/pytorch_model.bin") ? "; pytorch_model.bin is not supported, convert it to safetensors" : "")
                                << ")");
    }
    for (const auto& p : paths) {
      files.push_back(std::make_unique<safetensors::File>(p));
      for (const auto& t : files.back()->tensors()) {
        EKT_CHECK(!tensors.count(t.name), "tensor '" << t.name << "' appears in two shards (" << tensors[t.name].first->path() << " and " << p << ")");
        tensors[t.name] = {files.back().get(), &t};
      }
    }
  }

  // Canonical name, or the same name without its "transformer."/"model." prefix.
  std::pair<const safetensors::File*, const safetensors::TensorInfo*> find(const std::string& name) const {
    auto it = tensors.find(name);
    if (it != tensors.end()) return it->second;
    const size_t dot = name.find('.');
    const std::string head = name.substr(0, dot);
    if (dot != std::string::npos && (head == "transformer" || head == "model")) {
      it = tensors.find(name.substr(dot + 1));
      if (it != tensors.end()) return it->second;
    }
    return {nullptr, nullptr};
  }
};

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

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
    auto [file, info] = shards.find(spec.name);
    EKT_CHECK(info != nullptr, "checkpoint " << dir << " has no tensor '" << spec.name << "' (expected shape "
                                             << shape_str(spec.shape) << ")");
    EKT_CHECK(info->shape == spec.shape, "tensor '" << info->name << "' in " << file->path() << " has shape "
                                                    << shape_str(info->shape) << ", expected " << shape_str(spec.shape));
    const torch::ScalarType st = safetensors::scalar_type(info->dtype, file->path() + ": tensor '" + info->name + "'");
    EKT_CHECK(st == torch::kFloat32 || st == torch::kFloat16 || st == torch::kBFloat16,
              file->path() << ": tensor '" << info->name << "' has dtype " << info->dtype << "; weights must be F32, F16 or BF16");
    weights[spec.name] = file->load(*info, dtype).to(device);
    used.insert(info->name);
    dtypes.insert(info->dtype);
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
}

int64_t parameter_count(const CausalLM& model) {
  int64_t n = 0;
  for (const Param& p : model.params()) n += p.tensor.numel();
  return n;
}

}  // namespace ekt
