package ekt.eval;

import java.util.List;

/**
 * One training run's curve for the report (a method has one; expert iteration one per round).
 *
 * @param points (step, loss, cross-entropy, KL term) per logged step; the KL term is 0 without a teacher
 * @param dev    (step, dev-set greedy pass@1 as a fraction) per evaluation during training, if any
 */
public record TrainingCurve(String label, List<double[]> points, List<double[]> dev) {
    public TrainingCurve {
        points = List.copyOf(points);
        dev = dev == null ? List.of() : List.copyOf(dev);
    }

    public boolean hasKl() {
        return points.stream().anyMatch(p -> p.length > 3 && p[3] != 0);
    }
}
