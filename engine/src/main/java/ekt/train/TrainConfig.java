package ekt.train;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Everything that defines a fine-tuning run. {@link #builder()} starts from the paper's settings
 * (transformers.AdamW lr 1e-4, weight decay 0.1, eps 1e-6, betas 0.9/0.999, clip 1.0, 100 warmup
 * steps then linear decay, effective batch 16 x 2 = 32, 140 epochs, sequences of 400 tokens with
 * the loss on every token including the padding).
 *
 * @param lr             peak learning rate of AdamW, reached after the warmup
 * @param weightDecay    AdamW's decoupled weight decay
 * @param beta1          AdamW's first-moment decay
 * @param beta2          AdamW's second-moment decay
 * @param eps            AdamW's denominator epsilon
 * @param maxGradNorm    clip the global gradient norm to this (0 = no clipping)
 * @param schedule       how the learning rate decays after the warmup
 * @param warmupSteps    optimizer steps of linear warmup from 0 to {@code lr}
 * @param epochs         passes over the training data; the schedule spans all of them
 * @param maxLength      tokens per sequence (prompt + completion + padding); 0 = the model's context
 * @param batchSize      rows per forward/backward (micro-batch)
 * @param accum          micro-batches per optimizer step; effective batch = batchSize * accum
 * @param stopAfter      stop this run after that many optimizer steps (0 = run to the end); the
 *                       schedule still spans all epochs, so a later resume continues the same run
 * @param mask           which predicted tokens count in the loss
 * @param overflow       what to do with an example longer than {@code maxLength}
 * @param seed           seed of the epoch shuffles (and so of the batches each step sees)
 * @param bucketWindow   length bucketing across this many steps (1 = only within a step, which
 *                       leaves every step's example set, and so the optimisation, unchanged)
 * @param logEvery       report progress every that many steps (0 = never)
 * @param evalEvery      call the listener's evaluation every that many steps (0 = never)
 * @param saveEvery      checkpoint every that many steps (0 = only at the end)
 * @param keepCheckpoints keep only the newest that many checkpoints (0 = keep all)
 * @param kdWeight       weight of the distillation term: loss = cross-entropy + kdWeight *
 *                       KL(teacher || student); only used with a teacher
 * @param kdTemperature  temperature dividing teacher and student logits in the distillation term (no T² rescaling)
 * @param padId          padding/end-of-text token (-1 = the model's eos_token_id)
 * @param peakGflops     the machine's peak for the MFU figure of the progress line
 * @param workers        data-parallel threads of the core; 0 = its intra-op thread count (1 = one
 *                       thread of work whose kernels use the intra-op threads); a bit-exact resume
 *                       needs the same count
 * @param precision      "float32", or "bfloat16" for mixed precision (bfloat16 matrix products,
 *                       float32 master weights, AdamW state, softmax, norms and loss)
 * @param checkpointActivations recompute each transformer block's activations in backward instead
 *                       of keeping them (about a third more compute, far less memory; same updates)
 */
public record TrainConfig(double lr, double weightDecay, double beta1, double beta2, double eps, double maxGradNorm,
                          Schedule schedule, int warmupSteps, int epochs, int stopAfter, int batchSize, int accum,
                          int maxLength, Mask mask, Overflow overflow, int padId, long seed, int bucketWindow,
                          int logEvery, int evalEvery, int saveEvery, int keepCheckpoints,
                          double kdWeight, double kdTemperature, double peakGflops, int workers,
                          String precision, boolean checkpointActivations) {

    /** Which predicted tokens count in the loss. */
    public enum Mask {
        /** Every position of the padded sequence, padding included (the paper: labels = input_ids). */
        ALL,
        /** Prompt and completion tokens plus the one end-of-text token after them. */
        NO_PADDING,
        /** Completion tokens plus the end-of-text token after them. */
        COMPLETION_ONLY
    }

    /** How the learning rate moves from {@code lr} after the warmup. */
    public enum Schedule {
        /** Linear decay to 0 at the last step (the paper's). */
        LINEAR,
        /** Cosine decay to 0 at the last step. */
        COSINE,
        /** Stays at {@code lr}. */
        CONSTANT
    }

    /** What to do with an example longer than maxLength. */
    public enum Overflow {
        /** Keep the first maxLength tokens ({@link BatchBuilder#truncated()} counts such examples). */
        TRUNCATE,
        /** Fail with an IllegalArgumentException naming the example. */
        REFUSE
    }

    /**
     * Checks the settings.
     *
     * @throws IllegalArgumentException naming the first setting out of range, or if schedule, mask
     *                                  or overflow is null
     */
    public TrainConfig {
        require(lr >= 0 && Double.isFinite(lr), "lr must be a non-negative number");
        require(weightDecay >= 0, "weight decay must be non-negative");
        require(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1, "betas must be in [0, 1)");
        require(eps >= 0, "eps must be non-negative");
        require(warmupSteps >= 0, "warmup steps must be non-negative");
        require(epochs > 0, "epochs must be positive");
        require(stopAfter >= 0, "stopAfter must be non-negative");
        require(batchSize > 0 && accum > 0, "batch size and accumulation steps must be positive");
        require(maxLength >= 0, "max length must be non-negative (0 = model context)");
        require(bucketWindow > 0, "bucket window must be positive");
        require(logEvery >= 0 && evalEvery >= 0 && saveEvery >= 0 && keepCheckpoints >= 0, "intervals must be non-negative");
        require(kdWeight >= 0 && kdTemperature > 0, "kd weight must be non-negative and temperature positive");
        require(peakGflops > 0, "peak GFLOP/s must be positive");
        require(workers >= 0, "workers must be non-negative (0 = the core's thread count)");
        require("float32".equals(precision) || "bfloat16".equals(precision),
                "training precision must be float32 or bfloat16 (mixed), got " + precision);
        if (schedule == null || mask == null || overflow == null) throw new IllegalArgumentException("schedule, mask and overflow are required");
    }

    private static void require(boolean ok, String message) {
        if (!ok) throw new IllegalArgumentException(message);
    }

    /** @return examples per optimizer step: {@code batchSize * accum} */
    public int effectiveBatch() {
        return batchSize * accum;
    }

    /**
     * The paper's settings: the one definition of every training default (the builder's), which
     * {@code ekt train}'s options and a run config's {@code student} section start from.
     */
    public static final TrainConfig DEFAULTS = builder().build();

    /** @return a builder holding the paper's settings ({@link #DEFAULTS}) */
    public static Builder builder() {
        return new Builder();
    }

    /** @return a builder holding these settings, to change some of them */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** The options the native trainer takes (train_api.h). */
    String nativeOptions(long totalSteps) {
        return String.format(Locale.ROOT,
                "{\"lr\": %s, \"schedule\": \"%s\", \"warmup_steps\": %d, \"total_steps\": %d, \"beta1\": %s, \"beta2\": %s, "
                        + "\"eps\": %s, \"weight_decay\": %s, \"max_grad_norm\": %s, \"micro_batch\": %d, \"kd_weight\": %s, "
                        + "\"kd_temperature\": %s, \"workers\": %d, \"precision\": \"%s\", \"checkpoint_activations\": %s}",
                lr, schedule.name().toLowerCase(Locale.ROOT), warmupSteps, totalSteps, beta1, beta2, eps, weightDecay,
                maxGradNorm, batchSize, kdWeight, kdTemperature, workers, precision, checkpointActivations);
    }

    /**
     * The settings that decide which updates a run makes. A resumed run must agree on all of
     * them to continue the interrupted one exactly; logging, saving and stopping may change.
     */
    public Map<String, Object> trajectory() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("lr", lr);
        m.put("weight_decay", weightDecay);
        m.put("beta1", beta1);
        m.put("beta2", beta2);
        m.put("eps", eps);
        m.put("max_grad_norm", maxGradNorm);
        m.put("schedule", schedule.name());
        m.put("warmup_steps", warmupSteps);
        m.put("epochs", epochs);
        m.put("batch_size", batchSize);
        m.put("accum", accum);
        m.put("max_length", maxLength);
        m.put("mask", mask.name());
        m.put("overflow", overflow.name());
        m.put("pad_id", padId);
        m.put("seed", seed);
        m.put("bucket_window", bucketWindow);
        m.put("kd_weight", kdWeight);
        m.put("kd_temperature", kdTemperature);
        if (!precision.equals("float32")) m.put("precision", precision);  // absent from checkpoints made before it existed
        return m;
    }

    /**
     * Sets the settings one by one; each setter returns this builder. The record's components
     * document what they mean; {@link #build()} checks them.
     */
    public static final class Builder {
        private double lr = 1e-4, weightDecay = 0.1, beta1 = 0.9, beta2 = 0.999, eps = 1e-6, maxGradNorm = 1.0;
        private Schedule schedule = Schedule.LINEAR;
        private int warmupSteps = 100, epochs = 140, stopAfter = 0, batchSize = 16, accum = 2, maxLength = 400;
        private Mask mask = Mask.ALL;
        private Overflow overflow = Overflow.TRUNCATE;
        private int padId = -1;
        private long seed = 42;
        private int bucketWindow = 1, logEvery = 10, evalEvery = 0, saveEvery = 0, keepCheckpoints = 0;
        private double kdWeight = 1.0, kdTemperature = 1.0, peakGflops = 375.0;
        private int workers = 0;
        private String precision = "float32";
        private boolean checkpointActivations = false;

        private Builder() {
        }

        private Builder(TrainConfig c) {
            lr = c.lr;
            weightDecay = c.weightDecay;
            beta1 = c.beta1;
            beta2 = c.beta2;
            eps = c.eps;
            maxGradNorm = c.maxGradNorm;
            schedule = c.schedule;
            warmupSteps = c.warmupSteps;
            epochs = c.epochs;
            stopAfter = c.stopAfter;
            batchSize = c.batchSize;
            accum = c.accum;
            maxLength = c.maxLength;
            mask = c.mask;
            overflow = c.overflow;
            padId = c.padId;
            seed = c.seed;
            bucketWindow = c.bucketWindow;
            logEvery = c.logEvery;
            evalEvery = c.evalEvery;
            saveEvery = c.saveEvery;
            keepCheckpoints = c.keepCheckpoints;
            kdWeight = c.kdWeight;
            kdTemperature = c.kdTemperature;
            peakGflops = c.peakGflops;
            workers = c.workers;
            precision = c.precision;
            checkpointActivations = c.checkpointActivations;
        }

        /** Sets {@link TrainConfig#lr()}. */
        public Builder lr(double v) { lr = v; return this; }
        /** Sets {@link TrainConfig#weightDecay()}. */
        public Builder weightDecay(double v) { weightDecay = v; return this; }
        /** Sets {@link TrainConfig#beta1()} and {@link TrainConfig#beta2()}. */
        public Builder betas(double b1, double b2) { beta1 = b1; beta2 = b2; return this; }
        /** Sets {@link TrainConfig#eps()}. */
        public Builder eps(double v) { eps = v; return this; }
        /** Gradient-norm clipping threshold; 0 disables clipping. */
        public Builder maxGradNorm(double v) { maxGradNorm = v; return this; }
        /** Sets {@link TrainConfig#schedule()}. */
        public Builder schedule(Schedule v) { schedule = v; return this; }
        /** Sets {@link TrainConfig#warmupSteps()}. */
        public Builder warmupSteps(int v) { warmupSteps = v; return this; }
        /** Sets {@link TrainConfig#epochs()}. */
        public Builder epochs(int v) { epochs = v; return this; }
        /** Sets {@link TrainConfig#stopAfter()} (0 = run to the end). */
        public Builder stopAfter(int v) { stopAfter = v; return this; }
        /** Sets {@link TrainConfig#batchSize()}, the micro-batch rows. */
        public Builder batchSize(int v) { batchSize = v; return this; }
        /** Sets {@link TrainConfig#accum()}, micro-batches per optimizer step. */
        public Builder accum(int v) { accum = v; return this; }
        /** Sets {@link TrainConfig#maxLength()} (0 = the model's context). */
        public Builder maxLength(int v) { maxLength = v; return this; }
        /** Sets {@link TrainConfig#mask()}. */
        public Builder mask(Mask v) { mask = v; return this; }
        /** Sets {@link TrainConfig#overflow()}. */
        public Builder overflow(Overflow v) { overflow = v; return this; }
        /** Sets {@link TrainConfig#padId()} (-1 = the model's eos_token_id). */
        public Builder padId(int v) { padId = v; return this; }
        /** Sets {@link TrainConfig#seed()}. */
        public Builder seed(long v) { seed = v; return this; }
        /** Sets {@link TrainConfig#bucketWindow()}. */
        public Builder bucketWindow(int v) { bucketWindow = v; return this; }
        /** Sets {@link TrainConfig#logEvery()} (0 = never). */
        public Builder logEvery(int v) { logEvery = v; return this; }
        /** Sets {@link TrainConfig#evalEvery()} (0 = never). */
        public Builder evalEvery(int v) { evalEvery = v; return this; }
        /** Sets {@link TrainConfig#saveEvery()} (0 = only at the end). */
        public Builder saveEvery(int v) { saveEvery = v; return this; }
        /** Sets {@link TrainConfig#keepCheckpoints()} (0 = keep all). */
        public Builder keepCheckpoints(int v) { keepCheckpoints = v; return this; }
        /** Sets {@link TrainConfig#kdWeight()}. */
        public Builder kdWeight(double v) { kdWeight = v; return this; }
        /** Sets {@link TrainConfig#kdTemperature()}. */
        public Builder kdTemperature(double v) { kdTemperature = v; return this; }
        /** Sets {@link TrainConfig#peakGflops()}, the machine peak for the MFU figure. */
        public Builder peakGflops(double v) { peakGflops = v; return this; }
        /** Sets {@link TrainConfig#workers()} (0 = the core's thread count). */
        public Builder workers(int v) { workers = v; return this; }
        /** "float32" or "bfloat16" (mixed precision with float32 master weights). */
        public Builder precision(String v) { precision = v; return this; }
        /** Recompute activations in backward (memory for compute; the updates are the same). */
        public Builder checkpointActivations(boolean v) { checkpointActivations = v; return this; }

        /**
         * @return the configuration
         * @throws IllegalArgumentException if a setting is out of range (see the record's constructor)
         */
        public TrainConfig build() {
            return new TrainConfig(lr, weightDecay, beta1, beta2, eps, maxGradNorm, schedule, warmupSteps, epochs, stopAfter,
                    batchSize, accum, maxLength, mask, overflow, padId, seed, bucketWindow, logEvery, evalEvery, saveEvery,
                    keepCheckpoints, kdWeight, kdTemperature, peakGflops, workers, precision, checkpointActivations);
        }
    }
}
