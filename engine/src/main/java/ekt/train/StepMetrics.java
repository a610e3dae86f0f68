package ekt.train;

import ekt.core.NativeTrainer;

/**
 * What one optimizer step (or evaluation) reports.
 *
 * @param step           optimizer steps completed
 * @param epoch          epoch the batch came from (-1 for batches given explicitly)
 * @param loss           ceLoss + kdWeight * kdLoss
 * @param ceLoss         loss-weighted mean cross-entropy (nats per token)
 * @param kdLoss         mean KL(teacher || student) over the valid positions (0 without a teacher)
 * @param gradNorm       global gradient norm before clipping (0 for evaluations)
 * @param lr             learning rate of the update
 * @param lossTokens     predicted tokens the cross-entropy averages over (padding included under the ALL mask)
 * @param kdTokens       positions the distillation term averages over (0 without a teacher)
 * @param computedTokens positions the forward passes ran over
 * @param flops          model FLOPs done: 6 per parameter and token for training (2 for a forward), plus attention
 * @param seconds        wall-clock seconds of the core's call
 */
public record StepMetrics(long step, int epoch, double loss, double ceLoss, double kdLoss, double gradNorm, double lr,
                          double lossTokens, double kdTokens, long computedTokens, double flops, double seconds) {

    static StepMetrics of(double[] m, int epoch) {
        return new StepMetrics((long) m[NativeTrainer.STEP], epoch, m[NativeTrainer.LOSS], m[NativeTrainer.CE_LOSS],
                m[NativeTrainer.KD_LOSS], m[NativeTrainer.GRAD_NORM], m[NativeTrainer.LR], m[NativeTrainer.LOSS_TOKENS],
                m[NativeTrainer.KD_TOKENS], (long) m[NativeTrainer.COMPUTED_TOKENS], m[NativeTrainer.FLOPS],
                m[NativeTrainer.SECONDS]);
    }

    /** @return computed tokens per wall-clock second */
    public double tokensPerSecond() {
        return computedTokens / seconds;
    }

    /** @return model GFLOP per wall-clock second */
    public double gflopsPerSecond() {
        return flops / seconds / 1e9;
    }

    /** Model FLOPs utilisation against a peak in GFLOP/s. */
    public double mfu(double peakGflops) {
        return gflopsPerSecond() / peakGflops;
    }
}
