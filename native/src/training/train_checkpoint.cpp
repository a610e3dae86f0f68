// Training checkpoints: one directory per step holding everything a resume needs, written
// into "<dir>.tmp" and renamed into place, so a crash leaves either the old state or the new
// one, never a mix.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "formats/checkpoint.h"
#include "error.h"
#include "formats/fileutil.h"
#include "formats/safetensors.h"
#include "training/trainer.h"

namespace ekt {
namespace {

constexpr int kStateFormat = 1;

void rename_path(const std::string& from, const std::string& to) {
  EKT_CHECK(::rename(from.c_str(), to.c_str()) == 0, "cannot rename " << from << " to " << to << ": " << std::strerror(errno));
}

// Makes a rename durable: the directory entry itself must reach the disk.
void sync_directory(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  EKT_CHECK(fd >= 0, "cannot open directory " << dir << ": " << std::strerror(errno));
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  EKT_CHECK(rc == 0, "cannot fsync directory " << dir << ": " << std::strerror(err));
}

// The directory a checkpoint path names, without trailing slashes; its last component must be a name.
std::string checkpoint_dir(const std::string& dir) {
  std::string d = dir;
  while (d.size() > 1 && d.back() == '/') d.pop_back();
  const std::string name = d.substr(d.find_last_of('/') + 1);
  EKT_CHECK(!name.empty() && name != "." && name != "..", "checkpoint directory needs a name: '" << dir << "'");
  return d;
}

// The directory holding `path` ("." for a bare name).
std::string parent_of(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
}

std::map<std::string, torch::Tensor> read_tensors(const std::string& path) {
  EKT_CHECK(file_exists(path), "missing file: " << path);
  safetensors::File file(path);
  std::map<std::string, torch::Tensor> out;
  for (const auto& info : file.tensors()) out[info.name] = file.load(info, torch::kFloat32);
  return out;
}

}  // namespace

void Trainer::save(const std::string& dir, const nlohmann::json& run_state) const {
  const std::string final_dir = checkpoint_dir(dir);
  const std::string tmp = final_dir + ".tmp", old = final_dir + ".old";
  remove_tree(tmp);
  make_dirs(tmp);
  save_checkpoint(student_, tmp);
  std::vector<std::pair<std::string, torch::Tensor>> moments;
  for (const auto& [name, tensor] : optimizer_.state()) moments.emplace_back(name, tensor.to(torch::kCPU));
  safetensors::write(tmp + "/optimizer.safetensors", moments, {{"format", "pt"}, {"step", std::to_string(steps())}});
  const nlohmann::json state = {{"format", kStateFormat}, {"step", steps()}, {"trainer", options_.to_json()}, {"run", run_state}};
  write_file_atomic(tmp + "/trainer_state.json", state.dump(2) + "\n");
  sync_directory(tmp);
  // Replace a previous checkpoint of the same name only once the new one is complete.
  if (dir_exists(final_dir)) {
    remove_tree(old);
    rename_path(final_dir, old);
  }
  rename_path(tmp, final_dir);
  sync_directory(parent_of(final_dir));
  remove_tree(old);
}

nlohmann::json Trainer::restore(const std::string& dir) {
  const std::string state_path = dir + "/trainer_state.json";
  EKT_CHECK(dir_exists(dir), "checkpoint directory not found: " << dir);
  EKT_CHECK(file_exists(state_path), "missing file: " << state_path << " (not a training checkpoint)");
  nlohmann::json state;
  try {
    state = nlohmann::json::parse(read_file(state_path));
  } catch (const nlohmann::json::exception& e) {
    EKT_FAIL(state_path << ": invalid JSON (" << e.what() << ")");
  }
  EKT_CHECK(state.is_object() && state.contains("format") && state["format"] == kStateFormat,
            state_path << ": unsupported trainer state format (expected " << kStateFormat << ")");
  EKT_CHECK(state.contains("step") && state["step"].is_number_integer(), state_path << ": missing integer 'step'");

  const std::string model_path = dir + "/model.safetensors";
  std::map<std::string, torch::Tensor> weights = read_tensors(model_path);
  torch::NoGradGuard no_grad;
  for (const Param& p : student_.params()) {
    auto it = weights.find(p.name);
    EKT_CHECK(it != weights.end(), model_path << ": no tensor '" << p.name << "' (checkpoint of another model?)");
    EKT_CHECK(it->second.sizes() == p.tensor.sizes(),
              model_path << ": tensor '" << p.name << "' has shape " << it->second.sizes() << ", the model has " << p.tensor.sizes());
    p.tensor.copy_(it->second);
  }
  const std::string optimizer_path = dir + "/optimizer.safetensors";
  optimizer_.load_state(read_tensors(optimizer_path), state["step"].get<int64_t>(), optimizer_path);
  optimizer_.zero_grad();
  return state;
}

}  // namespace ekt
