package ekt.eval;

import java.util.List;

/**
 * One training run's curve for the report (a method has one; expert iteration one per round).
 *
 * @param label  the run's name in plots and tables, e.g. {@code EI round 2}
 * @param points (step, loss, cross-entropy, KL term) per logged step; the KL term is 0 without a teacher
 * @param dev    (step, dev-set greedy pass@1 as a fraction) per evaluation during training, if any
 */
public record TrainingCurve(String label, List<double[]> points, List<double[]> dev) {
    /** Copies the lists; a null dev list becomes empty. */
    public TrainingCurve {
        points = List.copyOf(points);
        dev = dev == null ? List.of() : List.copyOf(dev);
    }

    /** @return whether some logged step has a non-zero KL term (a run with a teacher) */
    public boolean hasKl() {
        return points.stream().anyMatch(p -> p.length > 3 && p[3] != 0);
    }
}
