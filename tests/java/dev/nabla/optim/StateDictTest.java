package dev.nabla.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.DType;
import dev.nabla.Generator;
import dev.nabla.Tensor;
import dev.nabla.TensorScope;
import dev.nabla.io.SafeTensors;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Optimizer state dicts: PyTorch-style keys, and a run saved with SafeTensors resumes exactly. */
class StateDictTest extends OptimTestBase {
    @TempDir
    Path dir;

    /** (params, tuned) -> optimizer: tuned gives the run's options, untuned the defaults a resumed run starts from. */
    static Stream<Arguments> optimizers() {
        BiFunction<List<Tensor>, Boolean, Optimizer<?>> adam = (p, tuned) -> tuned
                ? new Adam(p, Adam.options().lr(0.05).amsgrad(true).weightDecay(0.01)) : new Adam(p);
        BiFunction<List<Tensor>, Boolean, Optimizer<?>> adamW = (p, tuned) -> tuned
                ? new AdamW(p, AdamW.options().lr(0.05).betas(0.8, 0.99)) : new AdamW(p);
        BiFunction<List<Tensor>, Boolean, Optimizer<?>> sgd = (p, tuned) -> tuned
                ? new SGD(p, SGD.options().lr(0.05).momentum(0.9).nesterov(true).weightDecay(1e-3)) : new SGD(p, 0.1);
        BiFunction<List<Tensor>, Boolean, Optimizer<?>> rmsprop = (p, tuned) -> tuned
                ? new RMSprop(p, RMSprop.options().lr(0.01).centered(true).momentum(0.5)) : new RMSprop(p);
        return Stream.of(Arguments.of("Adam", adam), Arguments.of("AdamW", adamW), Arguments.of("SGD", sgd),
                Arguments.of("RMSprop", rmsprop));
    }

    private record Problem(Tensor x, Tensor y) {
        static Problem make() {
            try (Generator g = new Generator(7)) {
                return new Problem(Tensor.randn(g, DType.FLOAT32, 16, 3), Tensor.randn(g, DType.FLOAT32, 16, 2));
            }
        }

        /** One training step; b gets a gradient only from step 3 on, so its state starts later than w's. */
        void step(Optimizer<?> opt, Tensor w, Tensor b, int i) {
            try (TensorScope s = TensorScope.open()) {
                opt.zeroGrad();
                Tensor out = x.matmul(w);
                if (i >= 3) {
                    out = out.add(b);
                }
                out.sub(y).pow(2).mean().backward();
                opt.step();
            }
        }
    }

    private static Tensor[] initialParams() {
        try (Generator g = new Generator(3)) {
            return new Tensor[] {Tensor.randn(g, DType.FLOAT32, 3, 2).requiresGrad(true),
                Tensor.zeros(2).requiresGrad(true)};
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("optimizers")
    void aRunSavedAndReloadedContinuesIdentically(String name, BiFunction<List<Tensor>, Boolean, Optimizer<?>> make) {
        Problem pr = Problem.make();
        int total = 9;
        for (int saveAt : new int[] {2, 5}) { // before and after b's first gradient
            Tensor[] run = initialParams();
            Path stateFile = dir.resolve(name + saveAt + "-optim.safetensors");
            Path paramFile = dir.resolve(name + saveAt + "-params.safetensors");
            try (Optimizer<?> opt = make.apply(List.of(run), true)) {
                for (int i = 0; i < saveAt; i++) {
                    pr.step(opt, run[0], run[1], i);
                }
                opt.setLr(0, opt.getLr(0) * 0.5); // as a scheduler would; the saved lr must win on load
                Map<String, Tensor> sd = opt.stateDict();
                assertEquals(saveAt > 3, sd.containsKey("state.1.step"), () -> "keys " + sd.keySet());
                SafeTensors.save(sd, stateFile);
                SafeTensors.save(Map.of("w", run[0], "b", run[1]), paramFile);
                for (int i = saveAt; i < total; i++) {
                    pr.step(opt, run[0], run[1], i);
                }

                Map<String, Tensor> params = SafeTensors.load(paramFile);
                Tensor w = params.get("w").requiresGrad(true);
                Tensor b = params.get("b").requiresGrad(true);
                try (Optimizer<?> resumed = make.apply(List.of(w, b), false)) {
                    resumed.loadStateDict(SafeTensors.load(stateFile));
                    assertEquals(opt.paramGroups().get(0).options(), resumed.paramGroups().get(0).options());
                    for (int i = saveAt; i < total; i++) {
                        pr.step(resumed, w, b, i);
                    }
                    // the same operations on the same values: equal to the last bit
                    assertArrayEquals(run[0].toFloatArray(), w.toFloatArray(), name + " w after resuming at " + saveAt);
                    assertArrayEquals(run[1].toFloatArray(), b.toFloatArray(), name + " b after resuming at " + saveAt);
                    assertEquals(opt.state(run[1]).step(), resumed.state(b).step());
                    assertSameDict(opt.stateDict(), resumed.stateDict());
                }
            }
        }
    }

    private static void assertSameDict(Map<String, Tensor> expected, Map<String, Tensor> actual) {
        assertEquals(expected.keySet(), actual.keySet());
        for (String k : expected.keySet()) {
            assertEquals(expected.get(k).dtype(), actual.get(k).dtype(), k);
            assertArrayEquals(expected.get(k).to(DType.FLOAT64).toDoubleArray(),
                    actual.get(k).to(DType.FLOAT64).toDoubleArray(), k);
        }
    }

    @Test
    void keysFollowPyTorchsStateDict() {
        Tensor a = param(1, 1);
        Tensor b = param(3);
        Tensor c = param(4);
        try (Adam opt = new Adam(List.of(a, b), Adam.options().lr(0.1).amsgrad(true))) {
            opt.addParamGroup(List.of(c), Adam.options().lr(0.01));
            new StepLR(opt, 10, 0.5);
            setGrad(a, 0.5, -2);
            setGrad(c, 1);
            opt.step();
            Map<String, Tensor> sd = opt.stateDict();
            // parameters numbered across groups: a = 0, b = 1 (no gradient yet: no state), c = 2
            assertEquals(List.of("state.0.step", "state.0.exp_avg", "state.0.exp_avg_sq", "state.0.max_exp_avg_sq",
                    "state.2.step", "state.2.exp_avg", "state.2.exp_avg_sq",
                    "param_groups.0.params", "param_groups.0.lr", "param_groups.0.beta1", "param_groups.0.beta2",
                    "param_groups.0.eps", "param_groups.0.weight_decay", "param_groups.0.amsgrad",
                    "param_groups.0.maximize", "param_groups.0.initial_lr",
                    "param_groups.1.params", "param_groups.1.lr", "param_groups.1.beta1", "param_groups.1.beta2",
                    "param_groups.1.eps", "param_groups.1.weight_decay", "param_groups.1.amsgrad",
                    "param_groups.1.maximize", "param_groups.1.initial_lr"), List.copyOf(sd.keySet()));
            Tensor step = sd.get("state.0.step");
            assertEquals(DType.FLOAT64, step.dtype());
            assertEquals(0, step.dim());
            assertEquals(1, step.item());
            // m = (1 - β1)·g after one step
            assertValues(new double[] {0.05, -0.2}, sd.get("state.0.exp_avg"), 1e-12);
            assertArrayEquals(new long[] {0, 1}, sd.get("param_groups.0.params").toLongArray());
            assertArrayEquals(new long[] {2}, sd.get("param_groups.1.params").toLongArray());
            assertEquals(DType.FLOAT64, sd.get("param_groups.1.lr").dtype());
            assertEquals(0.01, sd.get("param_groups.1.lr").item());
            assertEquals(0.999, sd.get("param_groups.0.beta2").item());
            assertEquals(DType.BOOL, sd.get("param_groups.0.amsgrad").dtype());
            assertEquals(1, sd.get("param_groups.0.amsgrad").item());
            // a snapshot: later steps do not change it
            setGrad(a, 1, 1);
            opt.step();
            assertEquals(1, step.item());
            assertValues(new double[] {0.05, -0.2}, sd.get("state.0.exp_avg"), 1e-12);
        }
    }

    @Test
    void loadingReplacesStateAndConvertsDtype() {
        Tensor a = Tensor.of(new float[] {1, 1}, 2).requiresGrad(true);
        try (SGD opt = new SGD(List.of(a), SGD.options().lr(0.1).momentum(0.9))) {
            setGrad(a, 1, 1);
            opt.step();
            Map<String, Tensor> sd = new LinkedHashMap<>(opt.stateDict());
            sd.put("state.0.momentum_buffer", Tensor.of(new double[] {2, 3}, 2)); // float64 into a float32 state
            sd.put("state.0.step", Tensor.full(7, DType.FLOAT64));
            opt.loadStateDict(sd);
            assertEquals(7, opt.state(a).step());
            Tensor buf = opt.state(a).get("momentum_buffer");
            assertEquals(DType.FLOAT32, buf.dtype());
            assertValues(new double[] {2, 3}, buf, 0);
            // without the parameter's entries its state is emptied, as PyTorch's load replaces optimizer.state
            sd.remove("state.0.momentum_buffer");
            sd.remove("state.0.step");
            opt.loadStateDict(sd);
            assertTrue(opt.state(a).isEmpty());
        }
    }

    @Test
    void badStateDictsAreRefusedWithoutChangingAnything() {
        Tensor a = param(1, 1);
        Tensor b = param(2);
        try (Adam opt = new Adam(List.of(a, b), Adam.options().lr(0.1))) {
            setGrad(a, 1, 1);
            setGrad(b, 1);
            opt.step();
            Map<String, Tensor> good = opt.stateDict();
            Map<String, Tensor> sd = new LinkedHashMap<>(good);
            sd.put("state.1.exp_avg", Tensor.zeros(DType.FLOAT64, 3));
            expect(opt, sd, "size mismatch for state.1.exp_avg", "[3]", "[1]");

            sd = new LinkedHashMap<>(good);
            sd.put("param_groups.1.lr", Tensor.full(0.1, DType.FLOAT64));
            expect(opt, sd, "different number of parameter groups");

            sd = new LinkedHashMap<>(good);
            sd.put("param_groups.0.params", Tensor.of(new long[] {0}, 1));
            expect(opt, sd, "doesn't match the size of optimizer's group");

            sd = new LinkedHashMap<>(good);
            sd.remove("param_groups.0.eps");
            expect(opt, sd, "missing key 'param_groups.0.eps'");

            sd = new LinkedHashMap<>(good);
            sd.put("param_groups.0.momentum", Tensor.full(0.9, DType.FLOAT64));
            expect(opt, sd, "unexpected key 'param_groups.0.momentum'");

            sd = new LinkedHashMap<>(good);
            sd.put("exp_avg", Tensor.zeros(DType.FLOAT64, 2));
            expect(opt, sd, "unexpected key 'exp_avg'");

            sd = new LinkedHashMap<>(good);
            sd.put("param_groups.0.beta1", Tensor.full(1.5, DType.FLOAT64));
            expect(opt, sd, "beta parameter at index 0");

            sd = new LinkedHashMap<>(good);
            sd.remove("state.0.step");
            expect(opt, sd, "missing key 'state.0.step'");

            // nothing changed: stepping goes on from step 1
            assertEquals(0.1, opt.getLr(0));
            assertEquals(1, opt.state(b).step());
            assertValues(new double[] {0.1}, opt.state(b).get("exp_avg"), 1e-12);
        }
    }

    private static void expect(Optimizer<?> opt, Map<String, Tensor> sd, String... parts) {
        var e = assertThrows(IllegalArgumentException.class, () -> opt.loadStateDict(sd));
        assertTrue(e.getMessage().startsWith("Adam.loadStateDict: "), e.getMessage());
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), () -> "'" + p + "' not in: " + e.getMessage());
        }
    }

    @Test
    void closedOptimizerHasNoStateDict() {
        Tensor a = param(1);
        Adam opt = new Adam(List.of(a));
        opt.close();
        assertThrows(IllegalStateException.class, opt::stateDict);
        assertTrue(opt.isClosed());
    }
}
