#include "device/step_graph.h"

#include "device/torch_features.h"
#include "error.h"

#if defined(EKT_WITH_CUDA) && EKT_HAS_GRAPH_POOL
#define EKT_STEP_GRAPHS 1
#include <ATen/cuda/CUDAEvent.h>
#include <ATen/cuda/CUDAGraph.h>
#include <ATen/cuda/MemPool.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#endif

namespace ekt {

bool step_graphs_available([[maybe_unused]] const torch::Device& device) {
#ifdef EKT_STEP_GRAPHS
  return device.is_cuda();
#else
  return false;
#endif
}

#ifdef EKT_STEP_GRAPHS
struct StepGraphs::State {
  explicit State(c10::DeviceIndex device) : stream(c10::cuda::getStreamFromPool(false, device)) {}
  c10::cuda::CUDAStream stream;
  at::cuda::MemPool pool;  // on the current device: the constructor's guard
};

StepGraphs::StepGraphs(const torch::Device& device) {
  EKT_CHECK(step_graphs_available(device), "internal: no CUDA graphs on " << device);
  c10::cuda::CUDAGuard on(device);
  state_ = std::make_unique<State>(c10::cuda::current_device());
}

struct StepStream::State {
  State(c10::cuda::CUDAStream previous, c10::cuda::CUDAStream own) : previous(previous), guard(own) {}
  c10::cuda::CUDAStream previous;
  c10::cuda::CUDAStreamGuard guard;  // makes `own` current until the run ends
};

StepStream::StepStream(StepGraphs* graphs) {
  if (!graphs) return;
  const c10::cuda::CUDAStream own = graphs->state_->stream;
  const c10::cuda::CUDAStream previous = c10::cuda::getCurrentCUDAStream(own.device_index());
  at::cuda::CUDAEvent queued;
  queued.record(previous);
  queued.block(own);  // own starts after what is queued already (the prefill, moved cache rows)
  state_ = std::make_unique<State>(previous, own);
}

StepStream::~StepStream() {
  if (!state_) return;
  at::cuda::CUDAEvent done;
  done.record(c10::cuda::getCurrentCUDAStream(state_->previous.device_index()));
  done.block(state_->previous);
}

struct StepGraph::State {
  at::cuda::CUDAGraph graph;
};

StepGraph::StepGraph(StepGraphs& graphs, const std::function<void()>& step) : state_(std::make_unique<State>()) {
  // Thread-local capture: other threads of the process (another engine, the JVM's) may go on
  // calling CUDA meanwhile.
  state_->graph.capture_begin(graphs.state_->pool.id(), cudaStreamCaptureModeThreadLocal);
  try {
    step();
  } catch (const std::exception& e) {
    try {
      state_->graph.capture_end();  // leaves the stream usable again
    } catch (const std::exception&) {
    }
    EKT_FAIL("capturing the decode step as a CUDA graph failed (run without cuda_graphs): " << e.what());
  }
  state_->graph.capture_end();
}

void StepGraph::replay() { state_->graph.replay(); }
#else
struct StepGraphs::State {};

StepGraphs::StepGraphs(const torch::Device& device) { EKT_FAIL("internal: no CUDA graphs on " << device << " in this core"); }

struct StepStream::State {};

StepStream::StepStream(StepGraphs* graphs) { EKT_CHECK(!graphs, "internal: no CUDA graphs in this core"); }

StepStream::~StepStream() = default;

struct StepGraph::State {};

StepGraph::StepGraph(StepGraphs&, const std::function<void()>&) { EKT_FAIL("internal: no CUDA graphs in this core"); }

void StepGraph::replay() {}
#endif

StepGraphs::~StepGraphs() = default;
StepGraph::~StepGraph() = default;

}  // namespace ekt
