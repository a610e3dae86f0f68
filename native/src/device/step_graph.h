// CUDA graphs for a run of identical decode steps. A step launches hundreds of small kernels
// (a few per layer and per token draw); when the host cannot queue them as fast as the GPU runs
// them, the GPU waits on the host. A captured graph queues the whole step with one launch.
//
// StepGraphs is one sampler's state for them: a stream of its own (graphs cannot be captured on
// the default stream) and the memory pool its graphs capture into. While a StepStream lives,
// the thread's GPU work goes to that stream; a StepGraph captures a step there once and replays
// it. A step fit for capture keeps its inputs and outputs in tensors that stay put (updated in
// place) and copies nothing from the host. Builds without CUDA, or with a libtorch older than
// 2.8, have no step graphs.
#pragma once

#include <torch/torch.h>

#include <functional>
#include <memory>

namespace ekt {

// True when this core can capture CUDA graphs on `device`.
bool step_graphs_available(const torch::Device& device);

class StepGraphs {
 public:
  // Needs step_graphs_available(device).
  explicit StepGraphs(const torch::Device& device);
  ~StepGraphs();  // returns the pool's memory to the device
  StepGraphs(const StepGraphs&) = delete;
  StepGraphs& operator=(const StepGraphs&) = delete;

 private:
  friend class StepStream;
  friend class StepGraph;
  // One stream for every run, so the blocks the allocator caches for it (per stream) serve the
  // next run; one pool, to which a destroyed graph's blocks return for the next graph.
  struct State;
  std::unique_ptr<State> state_;
};

class StepStream {
 public:
  // Moves the thread's GPU work to the graphs' stream, after the work already queued on the
  // current one; nothing when `graphs` is null.
  explicit StepStream(StepGraphs* graphs);
  ~StepStream();  // the previous stream waits for this one's work
  StepStream(const StepStream&) = delete;
  StepStream& operator=(const StepStream&) = delete;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

class StepGraph {
 public:
  // Records the kernels `step` launches (inside a StepStream of `graphs`) without running them.
  // Run `step` once before, on the same stream: what it creates lazily the first time (cuBLAS
  // workspaces, cached layouts) must exist before capture. One graph of `graphs` at a time.
  StepGraph(StepGraphs& graphs, const std::function<void()>& step);
  ~StepGraph();
  StepGraph(const StepGraph&) = delete;
  StepGraph& operator=(const StepGraph&) = delete;

  // Runs the recorded kernels again, on the current stream.
  void replay();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace ekt
