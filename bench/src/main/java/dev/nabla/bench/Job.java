package dev.nabla.bench;

import java.util.function.DoubleFunction;
import java.util.function.Function;

/**
 * One measured line of a workload, engine-neutral.
 *
 * @param id         what the command line selects, and the RATIO key ({@code W1}, {@code W2-add-graph})
 * @param label      what the result lines start with ({@code W1 tutorial-loop}, {@code W2 add-graph})
 * @param unit       the unit printed ({@code us/epoch}, {@code ns/op})
 * @param unitNs     nanoseconds per unit
 * @param open       opens the case on an engine (set-up not timed)
 * @param fixedIters iterations per trial when {@code > 0} (no calibration; warm-up is {@code fixedIters / 10}
 *                   iterations, at least 3); {@code 0}: calibrated to {@code --trial-ms}
 * @param derived    from a median in {@code unit}, extra text for the result line (a rate), or null
 */
public record Job(String id, String label, String unit, double unitNs, Function<Engine, Case> open,
        long fixedIters, DoubleFunction<String> derived) {

    public Job(String id, String label, String unit, double unitNs, Function<Engine, Case> open) {
        this(id, label, unit, unitNs, open, 0, null);
    }
}
