// Data-parallel process group over libtorch's own c10d: a TCPStore rendezvous (the contract
// torchrun and Slurm set: RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT) and a
// ProcessGroupGloo (CPU tensors) or ProcessGroupNCCL (CUDA tensors, when libtorch has it).
//
// Every collective is named by the stage it belongs to. Before each one a rank records its
// arrival in the store, so when a collective fails (a peer died: connection closed) or times
// out (a peer hangs), the error names the ranks that never arrived and the stage, instead of
// a bare socket error or a silent hang.
#pragma once

#include <torch/torch.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace c10d {
class Store;
}

namespace ekt::dist {

struct GroupOptions {
  int rank = 0;
  int world_size = 1;
  int local_rank = 0;
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;
  std::string backend = "gloo";  // "gloo" or "nccl"
  double timeout_s = 1800;       // torch.distributed's default: 30 minutes
  // torchrun's static rendezvous hosts the store in its agent (TORCHELASTIC_USE_AGENT_STORE);
  // otherwise rank 0 hosts it.
  bool agent_store = false;
  int attempt = 0;  // TORCHELASTIC_RESTART_COUNT: a restarted attempt's keys never collide

  // The launcher's environment (torchrun, or Slurm's SLURM_PROCID/SLURM_NTASKS/SLURM_LOCALID),
  // then explicit fields of `json` over it. Fails naming the variable or field that is wrong.
  static GroupOptions resolve(const nlohmann::json& json);
  nlohmann::json to_json() const;
};

class ProcessGroup {
 public:
  explicit ProcessGroup(const GroupOptions& options);
  ~ProcessGroup();
  ProcessGroup(const ProcessGroup&) = delete;
  ProcessGroup& operator=(const ProcessGroup&) = delete;

  int rank() const { return options_.rank; }
  int world_size() const { return options_.world_size; }
  const GroupOptions& options() const { return options_; }
  // Wall time spent in all_reduce_sum so far (packing, communication, unpacking), and calls.
  double reduce_seconds() const { return reduce_seconds_; }
  int64_t reduces() const { return reduces_; }
  // True once a collective failed: the job is over, and the group's threads may be blocked on a
  // hung peer for good.
  bool failed() const { return failed_; }
  // Where this backend wants small tensors (CPU for Gloo, the rank's GPU for NCCL).
  torch::Device device() const;

  // Waits until every rank reached `stage`, at most the timeout.
  void barrier(const std::string& stage);
  // Fails on every rank unless every rank passed the same value (a config, a data fingerprint).
  void check_same(const std::string& what, const std::string& value);
  // Sums the tensors in place across ranks. Large lists go in buckets of about bucket_bytes,
  // all in flight at once, each one flat buffer (one collective per bucket, not per tensor).
  void all_reduce_sum(std::vector<torch::Tensor>& tensors, const std::string& stage, int64_t bucket_bytes = 25 << 20);

 private:
  struct Comm;
  std::string arrive(const std::string& stage);
  // The ranks r (comma-separated) for which key prefix + r is not in the store.
  std::string absent(const std::string& prefix);
  // Every rank but this one: "rank 1", or "one of ranks 1, 2, 3".
  std::string peers() const;
  [[noreturn]] void fail(const std::string& stage, const std::string& key, const std::string& error);

  GroupOptions options_;
  c10::intrusive_ptr<c10d::Store> store_;  // this job's keys (prefixed per attempt)
  std::unique_ptr<Comm> comm_;
  int64_t sequence_ = 0;  // collectives so far; every rank issues them in the same order
  double reduce_seconds_ = 0;
  int64_t reduces_ = 0;
  bool failed_ = false;
};

// The process's default group (as torch.distributed has one): set by ekt_dist_init, used by
// the trainer. nullptr in a single-process run. Replacing a failed group abandons it rather than
// destroying it (see set_default_group).
ProcessGroup* default_group();
void set_default_group(std::unique_ptr<ProcessGroup> group);

}  // namespace ekt::dist
