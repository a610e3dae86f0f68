#include "training/trainer.h"

#include <ATen/Parallel.h>

#include <chrono>
#include <cmath>
#include <cstring>

#include "training/checkpoint_activations.h"
#include "training/cpu_cache.h"
#include "device/autocast.h"
#include "device/kernels.h"
#include "distributed/data_parallel.h"
#include "error.h"
#include "training/loss.h"
#include "training/workers.h"

namespace ekt {
namespace {

bool is_embedding_table(const std::string& name) {
  for (const char* suffix : {"wte.weight", "wpe.weight", "embed_tokens.weight", "embed_in.weight"})
    if (name.size() >= std::strlen(suffix) && name.compare(name.size() - std::strlen(suffix), std::string::npos, suffix) == 0)
      return true;
  return false;
}

bool is_lm_head(const std::string& name) { return name == "lm_head.weight" || name == "embed_out.weight"; }

// Forward FLOPs per token outside attention and the LM head: 2 per matrix parameter.
double body_flops_per_token(const CausalLM& model) {
  double n = 0;
  for (const Param& p : model.params())
    if (p.tensor.dim() >= 2 && !is_embedding_table(p.name) && !is_lm_head(p.name)) n += static_cast<double>(p.tensor.numel());
  return 2.0 * n;
}

double head_flops_per_token(const ModelConfig& c) { return 2.0 * static_cast<double>(c.vocab_size * c.hidden); }

// Forward FLOPs of attention scores and their weighted sum for `rows` x `steps` tokens.
double attention_flops(const ModelConfig& c, int64_t rows, int64_t steps) {
  return 4.0 * static_cast<double>(c.layers * c.heads * c.head_dim) * static_cast<double>(rows * steps * steps);
}

void check_batch(const TrainBatch& b, int64_t vocab) {
  EKT_CHECK(b.ids.dim() == 2 && b.ids.size(0) > 0 && b.ids.size(1) > 0, "train batch needs ids of shape (rows, seq), got " << b.ids.sizes());
  for (const torch::Tensor* t : {&b.targets, &b.valid, &b.weights})
    EKT_CHECK(t->sizes() == b.ids.sizes(), "train batch arrays disagree in shape: " << t->sizes() << " vs ids " << b.ids.sizes());
  const int64_t lo = b.ids.min().item<int64_t>(), hi = b.ids.max().item<int64_t>();
  EKT_CHECK(lo >= 0 && hi < vocab, "token id " << (lo < 0 ? lo : hi) << " is outside the vocabulary [0, " << vocab << ")");
  EKT_CHECK(b.weights.ge(0).all().item<bool>() && b.weights.isfinite().all().item<bool>(), "loss weights must be finite and non-negative");
  torch::Tensor weighted = b.weights > 0;
  if (weighted.any().item<bool>()) {
    torch::Tensor t = b.targets.masked_select(weighted);
    const int64_t tlo = t.min().item<int64_t>(), thi = t.max().item<int64_t>();
    EKT_CHECK(tlo >= 0 && thi < vocab, "target id " << (tlo < 0 ? tlo : thi) << " is outside the vocabulary [0, " << vocab << ")");
  }
}

// The batch as the shards read it (CPU): which positions carry a loss term and how many
// columns each row needs (up to its last real or loss-bearing position).
struct Prepared {
  torch::Tensor ids, valid, weights;  // (N, T)
  torch::Tensor targets;              // (N, T), positions outside the CE loss set to a valid id
  torch::Tensor selected;             // (N, T) bool: CE weight > 0, or a valid position under distillation
  torch::Tensor columns;              // (N,) int64
};

// What one worker's rows of a micro-batch contribute.
struct ShardResult {
  double ce_sum = 0, kd_sum = 0, flops = 0;
  int64_t computed_tokens = 0;
  std::vector<torch::Tensor> grads;  // per student parameter, unscaled sum of this shard
};

struct ShardContext {
  CausalLM& student;
  CausalLM* teacher;
  const TrainerOptions& options;
  const std::vector<torch::Tensor>& params;
  bool backward;
  double ce_scale, kd_scale;
};

ShardResult run_shard(const ShardContext& s, const Prepared& b, const std::vector<int64_t>& rows) {
  torch::AutoGradMode grad_mode(s.backward);  // thread-local: set in the worker itself
  AutocastScope mixed_precision(s.student.device().type(), s.options.precision);  // thread-local too
  CheckpointActivationsScope checkpointing(s.options.checkpoint_activations);  // and this
  ShardResult r;
  torch::Tensor row_index = torch::tensor(rows, torch::kInt64);
  const int64_t steps = b.columns.index_select(0, row_index).max().item<int64_t>();
  if (steps == 0) return r;
  const ModelConfig& c = s.student.config();
  const torch::Device device = s.student.device();
  auto slice = [&](const torch::Tensor& x) { return x.index_select(0, row_index).narrow(1, 0, steps).to(device); };
  torch::Tensor ids = slice(b.ids), valid = slice(b.valid);                          // (b, t)
  torch::Tensor index = slice(b.selected).flatten().nonzero().squeeze(1);            // (M,)
  torch::Tensor targets = slice(b.targets).flatten().index_select(0, index);         // (M,)
  torch::Tensor weights = slice(b.weights).flatten().index_select(0, index);         // (M,)

  AttentionContext ctx(c, valid, nullptr);
  torch::Tensor hidden = s.student.hidden(ids, ctx);                                          // (b, t, C)
  // (M, V); the loss is computed in float32 whatever the precision of the products.
  torch::Tensor logits = s.student.logits(hidden.reshape({-1, c.hidden}).index_select(0, index)).to(torch::kFloat32);
  torch::Tensor grad = torch::zeros_like(logits, torch::MemoryFormat::Contiguous);
  r.ce_sum = cross_entropy_with_grad(logits.detach(), targets, weights, s.ce_scale, grad);
  const double tokens = static_cast<double>(ids.numel()), selected = static_cast<double>(index.size(0));
  r.flops = (s.backward ? 3.0 : 1.0) * (body_flops_per_token(s.student) * tokens + attention_flops(c, ids.size(0), steps) +
                                        head_flops_per_token(c) * selected);
  if (s.teacher) {
    torch::NoGradGuard no_grad;
    const ModelConfig& tc = s.teacher->config();
    const torch::Device td = s.teacher->device();
    AttentionContext t_ctx(tc, valid.to(td), nullptr);
    torch::Tensor t_hidden = s.teacher->hidden(ids.to(td), t_ctx);  // (b, t, C_t)
    torch::Tensor t_logits = s.teacher->logits(t_hidden.reshape({-1, tc.hidden}).index_select(0, index.to(td)));
    torch::Tensor kd_weights = valid.flatten().index_select(0, index).to(torch::kFloat32);  // (M,)
    r.kd_sum = distillation_kl_with_grad(logits.detach(), t_logits.to(device), kd_weights, s.options.kd_temperature,
                                         s.kd_scale, grad);
    r.flops += body_flops_per_token(*s.teacher) * tokens + attention_flops(tc, ids.size(0), steps) + head_flops_per_token(tc) * selected;
  }
  if (s.backward) r.grads = torch::autograd::grad({logits}, s.params, {grad}, /*retain_graph=*/false, /*create_graph=*/false,
                                                  /*allow_unused=*/true);
  r.computed_tokens = ids.numel();
  return r;
}

// Worker and optimizer thread counts default to the core's intra-op thread count; data-parallel
// workers are a CPU strategy, so other devices (and the portable path) run one.
TrainerOptions resolved(TrainerOptions o, const torch::Device& device) {
  if (!device.is_cpu() || portable_kernels()) o.workers = 1;
  if (o.workers == 0) o.workers = at::get_num_threads();
  o.adamw.threads = at::get_num_threads();
  return o;
}

}  // namespace

Trainer::Trainer(CausalLM& student, CausalLM* teacher, TrainerOptions options)
    : student_(student), teacher_(teacher), options_(resolved(options, student.device())), optimizer_(student.params(), options_.adamw) {
  if (teacher_) {
    EKT_CHECK(teacher_ != &student_, "the teacher must be a different model handle than the student");
    EKT_CHECK(teacher_->config().vocab_size >= student_.config().vocab_size,
              "teacher vocabulary (" << teacher_->config().vocab_size << ") is smaller than the student's ("
                                     << student_.config().vocab_size << ")");
  }
  for (const Param& p : student_.params()) {
    EKT_CHECK(p.tensor.scalar_type() == torch::kFloat32,
              "parameter '" << p.name << "' is " << p.tensor.scalar_type() << "; a trained model keeps float32 master weights: "
                            << "load the student in float32 (precision bfloat16 gives bfloat16 compute)");
    p.tensor.requires_grad_(true);
    param_tensors_.push_back(p.tensor);
  }
}

Trainer::~Trainer() {
  // The handle goes back to inference use: no gradient buffers, no autograd bookkeeping. The
  // optimizer's tensor handles are used because they stay valid even if the model was freed.
  for (const Param& p : optimizer_.params()) {
    p.tensor.mutable_grad() = torch::Tensor();
    p.tensor.requires_grad_(false);
  }
  CpuBufferCache::release();
}

const Param* Trainer::param(const std::string& name) const {
  for (const Param& p : student_.params())
    if (p.name == name) return &p;
  return nullptr;
}

nlohmann::json Trainer::describe() const {
  nlohmann::json params = nlohmann::json::array();
  for (size_t i = 0; i < student_.params().size(); ++i) {
    const Param& p = student_.params()[i];
    params.push_back({{"name", p.name}, {"shape", p.tensor.sizes().vec()}, {"decay", optimizer_.decays(i)}});
  }
  return {{"options", options_.to_json()}, {"steps", steps()}, {"parameters", params},
          {"body_flops_per_token", body_flops_per_token(student_)}, {"head_flops_per_token", head_flops_per_token(student_.config())},
          {"teacher", teacher_ != nullptr}, {"blas_threads_controllable", blas_threads_controllable()}};
}

StepMetrics Trainer::run(const TrainBatch& batch, bool backward) {
  const auto start = std::chrono::steady_clock::now();
  CpuBufferCache buffers;  // every step allocates the same large buffers: keep them mapped
  check_batch(batch, student_.config().vocab_size);
  StepMetrics m;
  m.loss_tokens = batch.weights.sum(torch::kFloat64).item<double>();
  m.kd_tokens = teacher_ ? static_cast<double>(batch.valid.sum().item<int64_t>()) : 0.0;
  EKT_CHECK(m.loss_tokens > 0 || m.kd_tokens > 0, "train batch has no position with a loss weight");

  Prepared p;
  const int64_t rows_total = batch.ids.size(0), seq = batch.ids.size(1);
  torch::Tensor in_loss = batch.weights > 0;
  p.ids = batch.ids;
  p.valid = batch.valid;
  p.weights = batch.weights;
  p.targets = batch.targets.masked_fill(in_loss.logical_not(), 0);
  p.selected = teacher_ ? in_loss.logical_or(batch.valid) : in_loss;
  p.columns = (p.selected.logical_or(batch.valid).to(torch::kInt64) * torch::arange(1, seq + 1)).amax(1);
  // Normalising over the whole effective batch up front makes accumulation exact.
  const ShardContext context{student_, teacher_, options_, param_tensors_, backward,
                             m.loss_tokens > 0 ? 1.0 / m.loss_tokens : 0.0, m.kd_tokens > 0 ? options_.kd_weight / m.kd_tokens : 0.0};

  const int64_t micro = options_.micro_batch > 0 ? std::min(options_.micro_batch, rows_total) : rows_total;
  double ce_sum = 0, kd_sum = 0;
  for (int64_t r0 = 0; r0 < rows_total; r0 += micro) {
    // Under data parallelism this rank computes only its share of the micro-batch (all of it otherwise).
    const std::vector<int64_t> local = dist::local_rows(r0, std::min(micro, rows_total - r0));
    const int64_t rows = static_cast<int64_t>(local.size());
    if (rows == 0) continue;
    // Rows are dealt round-robin, so with longest-first batches every worker gets similar lengths.
    const int workers = static_cast<int>(std::min<int64_t>(options_.workers, rows));
    std::vector<std::vector<int64_t>> shard_rows(static_cast<size_t>(workers));
    for (int64_t i = 0; i < rows; ++i) shard_rows[static_cast<size_t>(i % workers)].push_back(local[static_cast<size_t>(i)]);
    std::vector<ShardResult> results(static_cast<size_t>(workers));
    if (workers == 1) {
      results[0] = run_shard(context, p, shard_rows[0]);
    } else {
      SingleThreadedKernels single;
      run_parallel(workers, [&](int k) { results[static_cast<size_t>(k)] = run_shard(context, p, shard_rows[static_cast<size_t>(k)]); });
    }
    // Gradients are summed in worker order, so the result does not depend on thread timing.
    torch::NoGradGuard no_grad;
    for (ShardResult& r : results) {
      ce_sum += r.ce_sum;
      kd_sum += r.kd_sum;
      m.flops += r.flops;
      m.computed_tokens += r.computed_tokens;
      for (size_t i = 0; i < r.grads.size(); ++i) {
        if (!r.grads[i].defined()) continue;
        torch::Tensor& g = param_tensors_[i].mutable_grad();
        if (g.defined())
          g.add_(r.grads[i]);
        else
          g = r.grads[i].contiguous();
      }
    }
  }
  dist::StepSums sums{ce_sum, kd_sum, m.flops, m.computed_tokens};
  dist::all_reduce_step(param_tensors_, backward, sums, (backward ? "train step " : "evaluate after step ") + std::to_string(steps() + (backward ? 1 : 0)));
  ce_sum = sums.ce, kd_sum = sums.kd, m.flops = sums.flops, m.computed_tokens = sums.computed_tokens;
  m.ce_loss = m.loss_tokens > 0 ? ce_sum / m.loss_tokens : 0.0;
  m.kd_loss = m.kd_tokens > 0 ? kd_sum / m.kd_tokens : 0.0;
  m.loss = m.ce_loss + (teacher_ ? options_.kd_weight * m.kd_loss : 0.0);
  m.step = steps();
  m.lr = options_.schedule.lr(steps());
  m.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return m;
}

StepMetrics Trainer::compute_gradients(const TrainBatch& batch) {
  optimizer_.zero_grad();
  StepMetrics m = run(batch, true);
  m.grad_norm = optimizer_.grad_norm();
  if (!std::isfinite(m.loss) || !std::isfinite(m.grad_norm)) {
    optimizer_.zero_grad();
    EKT_FAIL("non-finite " << (std::isfinite(m.loss) ? "gradient" : "loss") << " (loss " << m.loss << ", gradient norm "
                           << m.grad_norm << ") at step " << steps() + 1 << "; parameters were not updated");
  }
  return m;
}

StepMetrics Trainer::step(const TrainBatch& batch) {
  const auto start = std::chrono::steady_clock::now();
  StepMetrics m = compute_gradients(batch);
  double coef = 1.0;
  if (options_.max_grad_norm > 0) coef = std::min(1.0, options_.max_grad_norm / (m.grad_norm + 1e-6));
  optimizer_.step(m.lr, coef);
  optimizer_.zero_grad();
  m.step = steps();
  m.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return m;
}

StepMetrics Trainer::evaluate(const TrainBatch& batch) { return run(batch, false); }

}  // namespace ekt
