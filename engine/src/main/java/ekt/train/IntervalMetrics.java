package ekt.train;

import java.util.List;
import java.util.Locale;

/**
 * Training metrics over an interval of steps: mean loss, latest lr, throughput, MFU.
 *
 * @param step            optimizer steps completed at the interval's end
 * @param totalSteps      steps of the whole schedule (steps per epoch times epochs)
 * @param epoch           epoch of the interval's last step, from 0
 * @param steps           optimizer steps in the interval
 * @param loss            mean of the steps' losses (ceLoss + kdWeight * kdLoss, nats per token)
 * @param lr              learning rate of the interval's last step
 * @param tokensPerSecond computed tokens (positions the forward passes ran over) per wall-clock second of the steps
 * @param gflopsPerSecond model GFLOP per wall-clock second of the steps
 * @param mfu             model FLOPs utilisation: gflopsPerSecond over the configured peak (0..1)
 */
public record IntervalMetrics(long step, long totalSteps, int epoch, int steps, double loss, double lr, double tokensPerSecond,
                       double gflopsPerSecond, double mfu) {

    static IntervalMetrics over(List<StepMetrics> interval, long totalSteps, double peakGflops) {
        double loss = 0, seconds = 0, flops = 0, tokens = 0;
        for (StepMetrics m : interval) {
            loss += m.loss();
            seconds += m.seconds();
            flops += m.flops();
            tokens += m.computedTokens();
        }
        StepMetrics last = interval.get(interval.size() - 1);
        double gflops = flops / seconds / 1e9;
        return new IntervalMetrics(last.step(), totalSteps, last.epoch(), interval.size(), loss / interval.size(), last.lr(),
                tokens / seconds, gflops, gflops / peakGflops);
    }

    /** The metrics for the detail of a progress line ({@link ekt.util.Progress} shows step, rate and ETA). */
    public String metrics() {
        return String.format(Locale.ROOT, "epoch %d  loss %.4f  lr %.3e  %.1f GFLOP/s  MFU %.1f%%",
                epoch + 1, loss, lr, gflopsPerSecond, 100 * mfu);
    }
}
