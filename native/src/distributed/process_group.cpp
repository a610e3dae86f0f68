#include "distributed/process_group.h"

#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <torch/version.h>
#ifdef USE_C10D_NCCL
#include <c10/cuda/CUDAFunctions.h>
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <thread>

#include "error.h"
#include "api/json_options.h"

namespace ekt::dist {
namespace {

// libtorch 2.x split the communicator (Backend) from the ProcessGroup front; the collectives
// we call have the same signatures on both.
#if TORCH_VERSION_MAJOR >= 2
using Communicator = c10d::Backend;
#else
using Communicator = c10d::ProcessGroup;
#endif

std::unique_ptr<ProcessGroup> g_default;

const char* env(const char* name) {
  const char* v = std::getenv(name);
  return v && *v ? v : nullptr;
}

int env_int(const char* name, int fallback) {
  const char* v = env(name);
  if (!v) return fallback;
  char* end = nullptr;
  const long n = std::strtol(v, &end, 10);
  EKT_CHECK(*end == '\0' && n >= 0 && n < (1L << 30), "environment variable " << name << "='" << v << "' is not a non-negative integer");
  return static_cast<int>(n);
}

// torchrun's names first, then Slurm's.
int env_int(const char* torchrun, const char* slurm, int fallback) {
  return env(torchrun) ? env_int(torchrun, fallback) : env_int(slurm, fallback);
}

std::chrono::milliseconds millis(double seconds) { return std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000.0)); }

uint64_t fnv1a(const std::string& s) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ULL;
  return h;
}

}  // namespace

GroupOptions GroupOptions::resolve(const nlohmann::json& json) {
  EKT_CHECK(json.is_object(), "distributed options must be a JSON object, got " << json.dump());
  GroupOptions o;
  o.rank = env_int("RANK", "SLURM_PROCID", 0);
  o.world_size = env_int("WORLD_SIZE", "SLURM_NTASKS", 1);
  o.local_rank = env_int("LOCAL_RANK", "SLURM_LOCALID", 0);
  // Under srun without MASTER_ADDR, the node srun was started from (the batch host) is the rendezvous.
  if (const char* a = env("MASTER_ADDR") ? env("MASTER_ADDR") : env("SLURM_LAUNCH_NODE_IPADDR")) o.master_addr = a;
  o.master_port = env_int("MASTER_PORT", o.master_port);
  if (const char* t = env("EKT_DIST_TIMEOUT")) o.timeout_s = std::atof(t);
  if (const char* b = env("EKT_DIST_BACKEND")) o.backend = b;
  o.agent_store = env("TORCHELASTIC_USE_AGENT_STORE") && std::string(env("TORCHELASTIC_USE_AGENT_STORE")) == "True";
  o.attempt = env_int("TORCHELASTIC_RESTART_COUNT", 0);

  JsonOptions j(json, "distributed option");
  o.rank = j.get("rank", o.rank);
  o.world_size = j.get("world_size", o.world_size);
  o.local_rank = j.get("local_rank", o.local_rank);
  o.master_addr = j.get("master_addr", o.master_addr);
  o.master_port = j.get("master_port", o.master_port);
  o.backend = j.get("backend", o.backend);
  o.timeout_s = j.get("timeout_s", o.timeout_s);
  EKT_CHECK(o.world_size >= 1 && o.rank >= 0 && o.rank < o.world_size,
            "rank " << o.rank << " is outside a world of " << o.world_size << " processes (RANK/WORLD_SIZE)");
  EKT_CHECK(o.master_port > 0 && o.master_port < 65536, "MASTER_PORT " << o.master_port << " is not a TCP port");
  EKT_CHECK(o.timeout_s > 0, "distributed timeout must be positive, got " << o.timeout_s << " s");
  EKT_CHECK(o.backend == "gloo" || o.backend == "nccl", "distributed backend '" << o.backend << "' is not gloo or nccl");
#ifndef USE_C10D_NCCL
  EKT_CHECK(o.backend != "nccl", "backend nccl: this core was built against a libtorch without NCCL (use gloo)");
#endif
  return o;
}

nlohmann::json GroupOptions::to_json() const {
  return {{"rank", rank},       {"world_size", world_size}, {"local_rank", local_rank}, {"master_addr", master_addr},
          {"master_port", master_port}, {"backend", backend}, {"timeout_s", timeout_s}, {"agent_store", agent_store},
          {"attempt", attempt}};
}

struct ProcessGroup::Comm {
  c10::intrusive_ptr<Communicator> pg;
  torch::Device device = torch::kCPU;  // where the backend wants its tensors
};

ProcessGroup::ProcessGroup(const GroupOptions& options) : options_(options), comm_(std::make_unique<Comm>()) {
  const auto timeout = millis(options_.timeout_s);
  c10::intrusive_ptr<c10d::Store> base;
  try {
    c10d::TCPStoreOptions so;
    so.port = static_cast<uint16_t>(options_.master_port);
    so.isServer = !options_.agent_store && options_.rank == 0;
    if (!options_.agent_store) so.numWorkers = static_cast<size_t>(options_.world_size);
    so.timeout = timeout;
    base = c10::make_intrusive<c10d::TCPStore>(options_.master_addr, so);
  } catch (const std::exception& e) {
    EKT_FAIL("rank " << options_.rank << ": rendezvous at " << options_.master_addr << ":" << options_.master_port
                     << " failed within " << options_.timeout_s << " s (MASTER_ADDR/MASTER_PORT; is rank 0 running?): " << e.what());
  }
  // The keys torch.distributed uses for a torchrun attempt, so a restarted attempt starts clean.
  auto attempt = c10::make_intrusive<c10d::PrefixStore>("/worker/attempt_" + std::to_string(options_.attempt), base);
  store_ = c10::make_intrusive<c10d::PrefixStore>("ekt", attempt);
  auto pg_store = c10::make_intrusive<c10d::PrefixStore>("ekt_pg", attempt);
  try {
    if (options_.backend == "nccl") {
#ifdef USE_C10D_NCCL
      c10::cuda::set_device(static_cast<c10::DeviceIndex>(options_.local_rank));
      auto o = c10d::ProcessGroupNCCL::Options::create();
      o->timeout = timeout;
      comm_->pg = c10::make_intrusive<c10d::ProcessGroupNCCL>(pg_store, options_.rank, options_.world_size, o);
      comm_->device = torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(options_.local_rank));
#endif
    } else {
      auto o = c10d::ProcessGroupGloo::Options::create(timeout);
      const char* ifname = env("GLOO_SOCKET_IFNAME");
      const bool loopback = options_.master_addr == "127.0.0.1" || options_.master_addr == "localhost";
      o->devices.push_back(ifname     ? c10d::ProcessGroupGloo::createDeviceForInterface(ifname)
                           : loopback ? c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1")
                                      : c10d::ProcessGroupGloo::createDefaultDevice());
      o->threads = 2;  // two buckets in flight at once
      comm_->pg = c10::make_intrusive<c10d::ProcessGroupGloo>(pg_store, options_.rank, options_.world_size, o);
    }
  } catch (const std::exception& e) {
    EKT_FAIL("rank " << options_.rank << ": creating the " << options_.backend << " process group of " << options_.world_size
                     << " ranks failed within " << options_.timeout_s << " s (a rank did not start?): " << e.what());
  }
}

ProcessGroup::~ProcessGroup() = default;

std::string ProcessGroup::arrive(const std::string& stage) {
  const std::string key = "arrive/" + std::to_string(sequence_++) + "/";
  try {
    store_->set(key + std::to_string(options_.rank), std::vector<uint8_t>(stage.begin(), stage.end()));
  } catch (const std::exception& e) {
    fail(stage, key, e.what());
  }
  return key;
}

std::string ProcessGroup::absent(const std::string& prefix) {
  std::ostringstream out;
  for (int r = 0; r < options_.world_size; ++r)
    if (!store_->check({prefix + std::to_string(r)})) out << (out.tellp() > 0 ? ", " : "") << r;
  return out.str();
}

std::string ProcessGroup::peers() const {
  std::ostringstream out;
  for (int r = 0; r < options_.world_size; ++r)
    if (r != options_.rank) out << (out.tellp() > 0 ? ", " : "") << r;
  return (options_.world_size == 2 ? "rank " : "one of ranks ") + out.str();
}

void ProcessGroup::fail(const std::string& stage, const std::string& key, const std::string& error) {
  failed_ = true;
  std::string who;
  try {
    const std::string missing = absent(key);
    if (!missing.empty()) {
      who = "rank " + missing + " did not arrive (it died, or hung past the " + std::to_string(static_cast<int64_t>(options_.timeout_s)) +
            " s timeout)";
    } else {
      // Everyone arrived, so someone failed inside the collective: the ranks still alive see it
      // fail too and say so here; the silent ones died or hang in it.
      store_->set(key + "failed/" + std::to_string(options_.rank), std::vector<uint8_t>{1});
      const auto until = std::chrono::steady_clock::now() + std::min<std::chrono::milliseconds>(millis(options_.timeout_s), millis(5));
      std::string silent = absent(key + "failed/");
      while (!silent.empty() && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        silent = absent(key + "failed/");
      }
      who = silent.empty() ? "every rank saw it fail" : "rank " + silent + " stopped during it (it died, hangs, or lost its connection)";
    }
  } catch (const std::exception&) {
    // A store stops answering when its host died, or when a rank stopped in the middle of a
    // request: torch 1.13's TCPStore server then waits, without a timeout, for the rest of it.
    if (options_.agent_store)
      who = "the launcher's store is unreachable (the launcher died, or a rank hung in the middle of a request to it)";
    else if (options_.rank == 0)
      who = peers() + " stopped during it (it hung in the middle of a request to the store this rank hosts, which waits for the rest)";
    else
      who = "rank 0 is unreachable (it died; it hosts the store)";
  }
  EKT_FAIL("distributed job failed at stage '" << stage << "' on rank " << options_.rank << " of " << options_.world_size << ": " << who
                                               << " [" << error << "]");
}

void ProcessGroup::barrier(const std::string& stage) {
  const std::string key = arrive(stage);
  try {
    c10d::BarrierOptions o;
    o.timeout = millis(options_.timeout_s);
    comm_->pg->barrier(o)->wait();
  } catch (const std::exception& e) {
    fail(stage, key, e.what());
  }
}

void ProcessGroup::check_same(const std::string& what, const std::string& value) {
  const std::string key = arrive("check " + what);
  const std::string mine = std::to_string(fnv1a(value));
  std::vector<std::string> keys;
  for (int r = 0; r < options_.world_size; ++r) keys.push_back(key + "value/" + std::to_string(r));
  try {
    store_->set(keys[static_cast<size_t>(options_.rank)], std::vector<uint8_t>(mine.begin(), mine.end()));
    store_->wait(keys, millis(options_.timeout_s));
  } catch (const std::exception& e) {
    fail("check " + what, key, e.what());
  }
  std::ostringstream differ;
  for (int r = 0; r < options_.world_size; ++r) {
    std::vector<uint8_t> v = store_->get(keys[static_cast<size_t>(r)]);
    if (std::string(v.begin(), v.end()) != mine) differ << (differ.tellp() > 0 ? ", " : "") << r;
  }
  EKT_CHECK(differ.str().empty(), "rank " << options_.rank << ": " << what << " differs on rank " << differ.str()
                                          << "; every rank must be started with the same command and files");
}

void ProcessGroup::all_reduce_sum(std::vector<torch::Tensor>& tensors, const std::string& stage, int64_t bucket_bytes) {
  const auto start = std::chrono::steady_clock::now();
  const std::string key = arrive(stage);
  torch::NoGradGuard no_grad;
  // Consecutive tensors of one dtype go into one flat buffer of up to bucket_bytes.
  std::vector<std::vector<size_t>> buckets;
  int64_t bytes = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const int64_t size = tensors[i].numel() * static_cast<int64_t>(tensors[i].element_size());
    if (buckets.empty() || bytes + size > bucket_bytes || tensors[buckets.back().front()].scalar_type() != tensors[i].scalar_type()) {
      buckets.emplace_back();
      bytes = 0;
    }
    buckets.back().push_back(i);
    bytes += size;
  }
  std::vector<torch::Tensor> flats;
  std::vector<c10::intrusive_ptr<c10d::Work>> works;
  try {
    for (const auto& bucket : buckets) {
      std::vector<torch::Tensor> parts;
      for (size_t i : bucket) parts.push_back(tensors[i].reshape(-1));
      std::vector<torch::Tensor> flat{torch::cat(parts).to(comm_->device)};
      works.push_back(comm_->pg->allreduce(flat));  // in flight while the next bucket is packed
      flats.push_back(flat[0]);
    }
    for (auto& w : works) w->wait(millis(options_.timeout_s));
  } catch (const std::exception& e) {
    fail(stage, key, e.what());
  }
  for (size_t b = 0; b < buckets.size(); ++b) {
    int64_t offset = 0;
    for (size_t i : buckets[b]) {
      torch::Tensor& t = tensors[i];
      t.copy_(flats[b].narrow(0, offset, t.numel()).view(t.sizes()));
      offset += t.numel();
    }
  }
  reduce_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ++reduces_;
}

torch::Device ProcessGroup::device() const { return comm_->device; }

ProcessGroup* default_group() { return g_default.get(); }

void set_default_group(std::unique_ptr<ProcessGroup> group) {
  // Destroying a failed group joins its store server and communicator threads, which may wait
  // on a hung peer for good: the rank would hang on its way out. The job is over; the group's
  // threads and sockets go with the process.
  if (g_default && g_default->failed()) static_cast<void>(g_default.release());
  g_default = std::move(group);
}

}  // namespace ekt::dist
