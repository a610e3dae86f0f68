package ekt.exec;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;

/** Decides whether a program's answer matches a problem's numeric label. */
public enum AnswerChecker {
    /**
     * The paper's rule, for reproduction: {@code isinstance(ans, float) and
     * abs(ans - label) / max(label, 1e-5) < 0.01}. Int answers count as wrong (the paper's programs
     * compute with float literals), the tolerance is 1% relative, and for labels at or below 1e-5
     * (zero and negative labels) the denominator is 1e-5, i.e. an absolute tolerance of 1e-7.
     */
    PAPER {
        @Override
        public boolean isCorrect(AnswerValue answer, double label) {
            if (answer == null || answer.kind() != AnswerValue.Kind.FLOAT) return false;
            return Math.abs(answer.number().doubleValue() - label) / Math.max(label, 1e-5) < 0.01;
        }
    },
    /**
     * The default: an int or a float that equals the label after rounding both to 6 decimals.
     * Bools, strings and other types are wrong; so are NaN and infinities.
     */
    STRICT {
        @Override
        public boolean isCorrect(AnswerValue answer, double label) {
            if (answer == null || answer.number() == null || !Double.isFinite(label)) return false;
            BigDecimal expected = round(new BigDecimal(label));
            return switch (answer.kind()) {
                case INT -> new BigDecimal(answer.number() instanceof BigInteger big ? big
                        : BigInteger.valueOf(answer.number().longValue())).compareTo(expected) == 0;
                case FLOAT -> Double.isFinite(answer.number().doubleValue())
                        && round(new BigDecimal(answer.number().doubleValue())).compareTo(expected) == 0;
                case BOOL, OTHER -> false;
            };
        }

        private BigDecimal round(BigDecimal value) {
            return value.setScale(6, RoundingMode.HALF_EVEN);
        }
    };

    /** Whether {@code answer} (null: the program produced none) is correct for {@code label}. */
    public abstract boolean isCorrect(AnswerValue answer, double label);
}
