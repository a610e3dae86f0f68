#include "trainer.h"

#include <chrono>
#include <cmath>
#include <cstring>

#include "error.h"
#include "loss.h"

namespace ekt {
namespace {

template <class T>
T field(const nlohmann::json& j, const char* name, T fallback) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) return fallback;
  try {
    return it->get<T>();
  } catch (const nlohmann::json::exception&) {
    EKT_FAIL("trainer option '" << name << "' has the wrong type: " << it->dump());
  }
}

bool is_embedding_table(const std::string& name) {
  for (const char* suffix : {"wte.weight", "wpe.weight", "embed_tokens.weight", "embed_in.weight"})
    if (name.size() >= std::strlen(suffix) && name.compare(name.size() - std::strlen(suffix), std::string::npos, suffix) == 0)
      return true;
  return false;
}

bool is_lm_head(const std::string& name) { return name == "lm_head.weight" || name == "embed_out.weight"; }

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
  torch::Tensor weighted = b.weights > 0;
  EKT_CHECK(b.weights.ge(0).all().item<bool>() && b.weights.isfinite().all().item<bool>(), "loss weights must be finite and non-negative");
  if (weighted.any().item<bool>()) {
    torch::Tensor t = b.targets.masked_select(weighted);
    const int64_t tlo = t.min().item<int64_t>(), thi = t.max().item<int64_t>();
    EKT_CHECK(tlo >= 0 && thi < vocab, "target id " << (tlo < 0 ? tlo : thi) << " is outside the vocabulary [0, " << vocab << ")");
  }
}

}  // namespace

TrainerOptions TrainerOptions::parse(const nlohmann::json& j) {
  EKT_CHECK(j.is_object(), "trainer options must be a JSON object, got " << j.dump());
  TrainerOptions o;
  o.adamw.beta1 = field(j, "beta1", o.adamw.beta1);
  o.adamw.beta2 = field(j, "beta2", o.adamw.beta2);
  o.adamw.eps = field(j, "eps", o.adamw.eps);
  o.adamw.weight_decay = field(j, "weight_decay", o.adamw.weight_decay);
  o.schedule.kind = LrSchedule::parse_kind(field<std::string>(j, "schedule", "linear"));
  o.schedule.base_lr = field(j, "lr", o.schedule.base_lr);
  o.schedule.warmup_steps = field<int64_t>(j, "warmup_steps", 0);
  o.schedule.total_steps = field<int64_t>(j, "total_steps", 0);
  o.max_grad_norm = field(j, "max_grad_norm", o.max_grad_norm);
  o.micro_batch = field<int64_t>(j, "micro_batch", 0);
  o.kd_weight = field(j, "kd_weight", o.kd_weight);
  o.kd_temperature = field(j, "kd_temperature", o.kd_temperature);
  EKT_CHECK(o.schedule.base_lr >= 0 && std::isfinite(o.schedule.base_lr), "lr must be a non-negative number, got " << o.schedule.base_lr);
  EKT_CHECK(o.schedule.warmup_steps >= 0, "warmup_steps must be non-negative");
  EKT_CHECK(o.schedule.kind == LrSchedule::Kind::kConstant || o.schedule.total_steps > 0,
            "a " << LrSchedule::kind_name(o.schedule.kind) << " schedule needs total_steps > 0");
  EKT_CHECK(o.micro_batch >= 0, "micro_batch must be non-negative, got " << o.micro_batch);
  EKT_CHECK(o.kd_temperature > 0, "kd_temperature must be positive, got " << o.kd_temperature);
  for (const auto& [key, value] : j.items()) {
    static const char* known[] = {"beta1", "beta2", "eps", "weight_decay", "schedule", "lr", "warmup_steps",
                                  "total_steps", "max_grad_norm", "micro_batch", "kd_weight", "kd_temperature"};
    bool ok = false;
    for (const char* k : known) ok = ok || key == k;
    EKT_CHECK(ok, "unknown trainer option '" << key << "'");
  }
  return o;
}

nlohmann::json TrainerOptions::to_json() const {
  return {{"lr", schedule.base_lr}, {"schedule", LrSchedule::kind_name(schedule.kind)},
          {"warmup_steps", schedule.warmup_steps}, {"total_steps", schedule.total_steps},
          {"beta1", adamw.beta1}, {"beta2", adamw.beta2}, {"eps", adamw.eps}, {"weight_decay", adamw.weight_decay},
          {"max_grad_norm", max_grad_norm}, {"micro_batch", micro_batch},
          {"kd_weight", kd_weight}, {"kd_temperature", kd_temperature}};
}

Trainer::Trainer(CausalLM& student, CausalLM* teacher, TrainerOptions options)
    : student_(student), teacher_(teacher), options_(options), optimizer_(student.params(), options.adamw) {
  if (teacher_) {
    EKT_CHECK(teacher_ != &student_, "the teacher must be a different model handle than the student");
    EKT_CHECK(teacher_->config().vocab_size >= student_.config().vocab_size,
              "teacher vocabulary (" << teacher_->config().vocab_size << ") is smaller than the student's ("
                                     << student_.config().vocab_size << ")");
  }
  for (const Param& p : student_.params()) {
    EKT_CHECK(p.tensor.is_floating_point(), "parameter '" << p.name << "' is not floating point");
    p.tensor.requires_grad_(true);
  }
}

Trainer::~Trainer() {
  // The handle goes back to inference use: no gradient buffers, no autograd bookkeeping. The
  // optimizer's tensor handles are used because they stay valid even if the model was freed.
  for (const Param& p : optimizer_.params()) {
    p.tensor.mutable_grad() = torch::Tensor();
    p.tensor.requires_grad_(false);
  }
}

const Param* Trainer::param(const std::string& name) const {
  for (const Param& p : student_.params())
    if (p.name == name) return &p;
  return nullptr;
}

double Trainer::body_flops_per_token(const CausalLM& model) {
  double n = 0;
  for (const Param& p : model.params())
    if (p.tensor.dim() >= 2 && !is_embedding_table(p.name) && !is_lm_head(p.name)) n += static_cast<double>(p.tensor.numel());
  return 2.0 * n;
}

nlohmann::json Trainer::describe() const {
  const ModelConfig& c = student_.config();
  nlohmann::json params = nlohmann::json::array();
  for (size_t i = 0; i < student_.params().size(); ++i) {
    const Param& p = student_.params()[i];
    params.push_back({{"name", p.name}, {"shape", p.tensor.sizes().vec()}, {"decay", optimizer_.decays(i)}});
  }
  return {{"options", options_.to_json()}, {"steps", steps()}, {"parameters", params},
          {"body_flops_per_token", body_flops_per_token(student_)},
          {"head_flops_per_token", 2.0 * static_cast<double>(c.vocab_size * c.hidden)},
          {"teacher", teacher_ != nullptr}};
}

StepMetrics Trainer::run(const TrainBatch& batch, bool backward) {
  const auto start = std::chrono::steady_clock::now();
  const ModelConfig& c = student_.config();
  check_batch(batch, c.vocab_size);
  StepMetrics m;
  m.loss_tokens = batch.weights.sum(torch::kFloat64).item<double>();
  m.kd_tokens = teacher_ ? static_cast<double>(batch.valid.sum().item<int64_t>()) : 0.0;
  EKT_CHECK(m.loss_tokens > 0 || m.kd_tokens > 0, "train batch has no position with a loss weight");
  const double ce_scale = m.loss_tokens > 0 ? 1.0 / m.loss_tokens : 0.0;
  const double kd_scale = m.kd_tokens > 0 ? options_.kd_weight / m.kd_tokens : 0.0;

  const int64_t rows_total = batch.ids.size(0), seq = batch.ids.size(1);
  torch::Tensor in_loss = batch.weights > 0;                                                // (N, T)
  torch::Tensor selected = teacher_ ? in_loss.logical_or(batch.valid) : in_loss;          // positions with a loss term
  torch::Tensor targets = batch.targets.masked_fill(in_loss.logical_not(), 0);            // unused targets -> a valid id
  // Columns each row needs: up to its last real or loss-bearing position; the rest is padding.
  torch::Tensor columns = (selected.logical_or(batch.valid).to(torch::kInt64) * torch::arange(1, seq + 1)).amax(1);  // (N,)
  const int64_t micro = options_.micro_batch > 0 ? std::min(options_.micro_batch, rows_total) : rows_total;
  const torch::Device device = student_.device();
  const double head_flops = 2.0 * static_cast<double>(c.vocab_size * c.hidden);
  const double body_flops = body_flops_per_token(student_);

  torch::AutoGradMode grad_mode(backward);
  double ce_sum = 0, kd_sum = 0;
  for (int64_t r0 = 0; r0 < rows_total; r0 += micro) {
    const int64_t rows = std::min(micro, rows_total - r0);
    const int64_t steps = columns.narrow(0, r0, rows).max().item<int64_t>();
    if (steps == 0) continue;
    auto slice = [&](const torch::Tensor& x) { return x.narrow(0, r0, rows).narrow(1, 0, steps).to(device); };
    torch::Tensor ids = slice(batch.ids), valid = slice(batch.valid);                           // (b, t)
    torch::Tensor index = slice(selected).flatten().nonzero().squeeze(1);                       // (M,)
    torch::Tensor sel_targets = slice(targets).flatten().index_select(0, index);                // (M,)
    torch::Tensor sel_weights = slice(batch.weights).flatten().index_select(0, index);          // (M,)

    AttentionContext ctx(c, valid, nullptr);
    torch::Tensor hidden = student_.hidden(ids, ctx);                                          // (b, t, C)
    torch::Tensor logits = student_.logits(hidden.reshape({-1, c.hidden}).index_select(0, index));  // (M, V)
    torch::Tensor grad = torch::zeros_like(logits, torch::MemoryFormat::Contiguous);
    ce_sum += cross_entropy_with_grad(logits.detach(), sel_targets, sel_weights, ce_scale, grad);
    const double M = static_cast<double>(index.size(0)), tokens = static_cast<double>(rows * steps);
    m.flops += (backward ? 3.0 : 1.0) * (body_flops * tokens + attention_flops(c, rows, steps) + head_flops * M);
    if (teacher_) {
      torch::NoGradGuard no_grad;
      const ModelConfig& tc = teacher_->config();
      torch::Tensor t_valid = valid.to(teacher_->device());
      AttentionContext t_ctx(tc, t_valid, nullptr);
      torch::Tensor t_hidden = teacher_->hidden(ids.to(teacher_->device()), t_ctx);  // (b, t, C_t)
      torch::Tensor t_logits = teacher_->logits(t_hidden.reshape({-1, tc.hidden}).index_select(0, index.to(teacher_->device())));
      torch::Tensor kd_weights = valid.flatten().index_select(0, index).to(torch::kFloat32);  // (M,)
      kd_sum += distillation_kl_with_grad(logits.detach(), t_logits.to(device), kd_weights, options_.kd_temperature, kd_scale, grad);
      m.flops += body_flops_per_token(*teacher_) * tokens + attention_flops(tc, rows, steps) +
                 2.0 * static_cast<double>(tc.vocab_size * tc.hidden) * M;
    }
    if (backward) logits.backward(grad);
    m.computed_tokens += rows * steps;
  }
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
