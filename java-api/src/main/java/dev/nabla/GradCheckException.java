package dev.nabla;

import java.util.Arrays;

/**
 * A gradient that disagrees with central differences, thrown by {@link GradCheck}. An
 * {@link AssertionError}, so test frameworks report it as a failed assertion; unchecked.
 *
 * <p>It names the input whose gradient is wrong, the element where the disagreement is worst
 * (relative to the tolerance there), both values and the tolerance.
 */
public final class GradCheckException extends AssertionError {
    private static final long serialVersionUID = 1L;

    private final int order;
    private final int inputIndex;
    private final long[] elementIndex;
    private final double analytic;
    private final double numerical;
    private final double tolerance;
    private final long mismatches;

    GradCheckException(String message, int order, int inputIndex, long[] elementIndex, double analytic,
            double numerical, double tolerance, long mismatches) {
        super(message);
        this.order = order;
        this.inputIndex = inputIndex;
        this.elementIndex = elementIndex.clone();
        this.analytic = analytic;
        this.numerical = numerical;
        this.tolerance = tolerance;
        this.mismatches = mismatches;
    }

    /** 1 for {@link GradCheck#check}, 2 for {@link GradCheck#checkSecondOrder}. */
    public int order() {
        return order;
    }

    /** The position of the input, among all inputs passed to the check, whose gradient is wrong. */
    public int inputIndex() {
        return inputIndex;
    }

    /** The index (one entry per dim of that input) of the worst element. */
    public long[] elementIndex() {
        return elementIndex.clone();
    }

    /** The gradient backward computed at the worst element. */
    public double analytic() {
        return analytic;
    }

    /** The gradient central differences gave at the worst element. */
    public double numerical() {
        return numerical;
    }

    /** The tolerance there: {@code atol + rtol * |numerical|}. */
    public double tolerance() {
        return tolerance;
    }

    /** How many elements of this input are out of tolerance. */
    public long mismatches() {
        return mismatches;
    }

    @Override
    public String toString() {
        return "GradCheckException(order " + order + ", input " + inputIndex + ", element "
                + Arrays.toString(elementIndex) + "): " + getMessage();
    }
}
