// The C API of ekt/train_api.h: adapters from plain arrays to ekt::Trainer.
#include "ekt/train_api.h"

#include <cstring>
#include <memory>

#include "api/api_guard.h"
#include "error.h"
#include "api/model_handle.h"
#include "training/trainer.h"

struct ekt_trainer {
  std::unique_ptr<ekt::Trainer> trainer;
  std::string text;  // last string handed out (info, restored state)
};

namespace {

ekt::TrainBatch wrap_batch(const int64_t* ids, const int64_t* targets, const uint8_t* valid, const float* weights,
                           int64_t rows, int64_t seq) {
  EKT_CHECK(ids && targets && valid && weights, "train batch: null array");
  EKT_CHECK(rows > 0 && seq > 0, "train batch: rows and seq must be positive, got " << rows << " x " << seq);
  // The arrays stay owned by the caller for the duration of the call; nothing keeps them.
  auto cpu = torch::TensorOptions().device(torch::kCPU);
  return {torch::from_blob(const_cast<int64_t*>(ids), {rows, seq}, cpu.dtype(torch::kInt64)),
          torch::from_blob(const_cast<int64_t*>(targets), {rows, seq}, cpu.dtype(torch::kInt64)),
          torch::from_blob(const_cast<uint8_t*>(valid), {rows, seq}, cpu.dtype(torch::kUInt8)).ne(0),
          torch::from_blob(const_cast<float*>(weights), {rows, seq}, cpu.dtype(torch::kFloat32))};
}

void write_metrics(const ekt::StepMetrics& m, double* out, int64_t len) {
  EKT_CHECK(out != nullptr && len >= EKT_METRIC_COUNT, "metrics array holds " << len << " doubles, needs " << EKT_METRIC_COUNT);
  out[EKT_METRIC_STEP] = static_cast<double>(m.step);
  out[EKT_METRIC_LOSS] = m.loss;
  out[EKT_METRIC_CE_LOSS] = m.ce_loss;
  out[EKT_METRIC_KD_LOSS] = m.kd_loss;
  out[EKT_METRIC_GRAD_NORM] = m.grad_norm;
  out[EKT_METRIC_LR] = m.lr;
  out[EKT_METRIC_LOSS_TOKENS] = m.loss_tokens;
  out[EKT_METRIC_KD_TOKENS] = m.kd_tokens;
  out[EKT_METRIC_COMPUTED_TOKENS] = static_cast<double>(m.computed_tokens);
  out[EKT_METRIC_FLOPS] = m.flops;
  out[EKT_METRIC_SECONDS] = m.seconds;
}

using Run = ekt::StepMetrics (ekt::Trainer::*)(const ekt::TrainBatch&);

int run_batch(Run fn, ekt_trainer* t, const int64_t* ids, const int64_t* targets, const uint8_t* valid,
              const float* weights, int64_t rows, int64_t seq, double* metrics, int64_t metrics_len) {
  return ekt::guarded([&] {
    EKT_CHECK(t != nullptr, "trainer is null");
    EKT_CHECK(metrics != nullptr && metrics_len >= EKT_METRIC_COUNT, "metrics array needs " << EKT_METRIC_COUNT << " doubles");
    write_metrics((t->trainer.get()->*fn)(wrap_batch(ids, targets, valid, weights, rows, seq)), metrics, metrics_len);
  });
}

}  // namespace

extern "C" {

ekt_trainer* ekt_trainer_create(ekt_model* student, ekt_model* teacher, const char* options_json) {
  ekt_trainer* out = nullptr;
  ekt::guarded([&] {
    EKT_CHECK(student != nullptr && options_json != nullptr, "trainer: student model and options are required");
    nlohmann::json options;
    try {
      options = nlohmann::json::parse(options_json);
    } catch (const nlohmann::json::exception& e) {
      EKT_FAIL("trainer options: invalid JSON (" << e.what() << ")");
    }
    auto handle = std::make_unique<ekt_trainer>();
    handle->trainer = std::make_unique<ekt::Trainer>(*student->loaded.model, teacher ? teacher->loaded.model.get() : nullptr,
                                                     ekt::TrainerOptions::parse(options));
    out = handle.release();
  });
  return out;
}

void ekt_trainer_free(ekt_trainer* trainer) { delete trainer; }

const char* ekt_trainer_info(ekt_trainer* trainer) {
  if (!trainer) return "";
  trainer->text = trainer->trainer->describe().dump();
  return trainer->text.c_str();
}

int ekt_trainer_step(ekt_trainer* t, const int64_t* ids, const int64_t* targets, const uint8_t* valid, const float* weights,
                     int64_t rows, int64_t seq, double* metrics, int64_t metrics_len) {
  return run_batch(&ekt::Trainer::step, t, ids, targets, valid, weights, rows, seq, metrics, metrics_len);
}

int ekt_trainer_evaluate(ekt_trainer* t, const int64_t* ids, const int64_t* targets, const uint8_t* valid,
                         const float* weights, int64_t rows, int64_t seq, double* metrics, int64_t metrics_len) {
  return run_batch(&ekt::Trainer::evaluate, t, ids, targets, valid, weights, rows, seq, metrics, metrics_len);
}

int ekt_trainer_gradients(ekt_trainer* t, const int64_t* ids, const int64_t* targets, const uint8_t* valid,
                          const float* weights, int64_t rows, int64_t seq, double* metrics, int64_t metrics_len) {
  return run_batch(&ekt::Trainer::compute_gradients, t, ids, targets, valid, weights, rows, seq, metrics, metrics_len);
}

int ekt_trainer_gradient(ekt_trainer* t, const char* name, float* out, int64_t len) {
  return ekt::guarded([&] {
    EKT_CHECK(t && name && out, "gradient: null argument");
    const ekt::Param* found = t->trainer->param(name);
    EKT_CHECK(found != nullptr, "gradient: the model has no parameter '" << name << "'");
    torch::Tensor g = found->tensor.grad();
    EKT_CHECK(g.defined(), "gradient: no gradient for '" << name << "' (call ekt_trainer_gradients first)");
    EKT_CHECK(len == g.numel(), "gradient: '" << name << "' has " << g.numel() << " elements, buffer holds " << len);
    torch::Tensor cpu = g.to(torch::kCPU, torch::kFloat32).contiguous();
    std::memcpy(out, cpu.data_ptr<float>(), static_cast<size_t>(len) * sizeof(float));
  });
}

int ekt_trainer_save(ekt_trainer* t, const char* dir, const char* run_state_json) {
  return ekt::guarded([&] {
    EKT_CHECK(t && dir, "save: null argument");
    nlohmann::json run = nlohmann::json::object();
    if (run_state_json && *run_state_json) {
      try {
        run = nlohmann::json::parse(run_state_json);
      } catch (const nlohmann::json::exception& e) {
        EKT_FAIL("save: run state is not valid JSON (" << e.what() << ")");
      }
    }
    t->trainer->save(dir, run);
  });
}

const char* ekt_trainer_restore(ekt_trainer* t, const char* dir) {
  const char* out = nullptr;
  ekt::guarded([&] {
    EKT_CHECK(t && dir, "restore: null argument");
    t->text = t->trainer->restore(dir).dump();
    out = t->text.c_str();
  });
  return out;
}

}  // extern "C"
