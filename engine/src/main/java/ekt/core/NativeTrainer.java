package ekt.core;

import java.nio.file.Path;

/**
 * The core's trainer for one student model (and optionally a live teacher): each call is one
 * coarse JNI crossing carrying a whole effective batch as primitive arrays. Metrics come back
 * as a {@code double[METRIC_COUNT]} laid out as the {@code EKT_METRIC_*} enum of
 * {@code train_api.h}. Not thread-safe; the models must stay open while it is.
 */
public final class NativeTrainer implements AutoCloseable {
    /**
     * Indices into the metrics array of {@link #step} and friends ({@code EKT_METRIC_*} of train_api.h):
     * optimizer steps completed, loss, cross-entropy, distillation KL, gradient norm before clipping,
     * learning rate, loss-weight sum, KL positions, computed positions, model FLOPs, wall seconds;
     * {@code METRIC_COUNT} is the array's length. {@code StepMetrics} names them.
     */
    public static final int STEP = 0, LOSS = 1, CE_LOSS = 2, KD_LOSS = 3, GRAD_NORM = 4, LR = 5, LOSS_TOKENS = 6,
            KD_TOKENS = 7, COMPUTED_TOKENS = 8, FLOPS = 9, SECONDS = 10, METRIC_COUNT = 11;

    private TrainNative.ekt_trainer handle;
    private final Model student, teacher;

    private NativeTrainer(TrainNative.ekt_trainer handle, Model student, Model teacher) {
        this.handle = handle;
        this.student = student;
        this.teacher = teacher;
    }

    /** @param teacher null without distillation; {@code optionsJson} as documented in train_api.h */
    public static NativeTrainer create(Model student, Model teacher, String optionsJson) {
        TrainNative.ekt_trainer h = TrainNative.ekt_trainer_create(student.live(), teacher == null ? null : teacher.live(),
                optionsJson);
        if (h == null || h.isNull()) throw Native.error("creating trainer");
        return new NativeTrainer(h, student, teacher);
    }

    /** @return the model this trainer updates in place */
    public Model student() {
        return student;
    }

    /** One optimizer step (forward, backward, clip, AdamW, schedule). */
    public double[] step(long[] ids, long[] targets, byte[] valid, float[] weights, int rows, int seq) {
        check(ids, targets, valid, weights, rows, seq);
        double[] m = new double[METRIC_COUNT];
        Native.check(TrainNative.ekt_trainer_step(live(), ids, targets, valid, weights, rows, seq, m, m.length), "train step");
        return m;
    }

    /** The loss without gradients or updates. */
    public double[] evaluate(long[] ids, long[] targets, byte[] valid, float[] weights, int rows, int seq) {
        check(ids, targets, valid, weights, rows, seq);
        double[] m = new double[METRIC_COUNT];
        Native.check(TrainNative.ekt_trainer_evaluate(live(), ids, targets, valid, weights, rows, seq, m, m.length), "evaluate");
        return m;
    }

    /** Computes and keeps the normalised, unclipped gradient; read it with {@link #gradient}. */
    public double[] gradients(long[] ids, long[] targets, byte[] valid, float[] weights, int rows, int seq) {
        check(ids, targets, valid, weights, rows, seq);
        double[] m = new double[METRIC_COUNT];
        Native.check(TrainNative.ekt_trainer_gradients(live(), ids, targets, valid, weights, rows, seq, m, m.length),
                "computing gradients");
        return m;
    }

    /** The gradient of one parameter (Hugging Face name, {@code size} elements, row-major). */
    public float[] gradient(String name, int size) {
        float[] out = new float[size];
        Native.check(TrainNative.ekt_trainer_gradient(live(), name, out, size), "reading gradient of " + name);
        return out;
    }

    /** Writes a resumable checkpoint directory atomically; {@code runStateJson} is kept under "run". */
    public void save(Path dir, String runStateJson) {
        Native.check(TrainNative.ekt_trainer_save(live(), dir.toString(), runStateJson), "saving checkpoint " + dir);
    }

    /** Loads weights, optimizer state and step count; returns the checkpoint's trainer_state.json. */
    public String restore(Path dir) {
        var p = TrainNative.ekt_trainer_restore(live(), dir.toString());
        if (p == null || p.isNull()) throw Native.error("restoring checkpoint " + dir);
        return Native.string(p);
    }

    /** JSON: options in effect, steps done, FLOP constants. */
    public String info() {
        return Native.string(TrainNative.ekt_trainer_info(live()));
    }

    private static void check(long[] ids, long[] targets, byte[] valid, float[] weights, int rows, int seq) {
        long n = (long) rows * seq;
        if (rows <= 0 || seq <= 0) throw new IllegalArgumentException("batch needs positive rows and seq, got " + rows + "x" + seq);
        if (ids.length != n || targets.length != n || valid.length != n || weights.length != n)
            throw new IllegalArgumentException("batch arrays must hold rows*seq = " + n + " entries");
    }

    private TrainNative.ekt_trainer live() {
        if (handle == null) throw new IllegalStateException("trainer is closed");
        student.live();  // fails if a model was closed before the trainer
        if (teacher != null) teacher.live();
        return handle;
    }

    @Override
    public synchronized void close() {
        if (handle != null) {
            TrainNative.ekt_trainer_free(handle);
            handle = null;
        }
    }
}
