package dev.nabla.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Nabla against libtorch in one JVM. Usage:
 * <pre>BenchMain [W1] [W2] [W2-add-graph ...] [W3] ... [W7] [F1] [F2] [startup] [rss] [all]
 *           [--threads 1,2] [--engines nabla,libtorch] [--trials 7] [--trial-ms 200] [--warmup-ms 1000]
 *           [--f1-batches 200] [--f2-batches 60] [--data DIR]</pre>
 * Prints one line per workload, engine and thread count, and {@code RATIO <workload> <threads> <nabla/libtorch>}
 * (of times: {@code < 1} means Nabla is faster); {@code startup} and {@code rss} (child JVMs) print
 * {@code RATIO startup - r} and {@code RATIO peak-rss - r}. {@code REF} lines set Nabla against the
 * machine: W5 against OpenBLAS's own sgemm, W3's must-move bytes against the STREAM triad ({@link Triad}).
 */
public final class BenchMain {

    private BenchMain() {}

    public static void main(String[] rawArgs) {
        List<String> args = new ArrayList<>();
        for (String a : rawArgs) {
            args.addAll(Arrays.asList(a.trim().split("\\s+")));
        }
        args.removeIf(String::isEmpty);

        int[] threads = {1, 2};
        List<String> engineNames = List.of("nabla", "libtorch");
        int trials = 7;
        long trialMs = 200;
        long warmupMs = 1000;
        Set<String> wanted = new LinkedHashSet<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            switch (a) {
                case "--threads" -> threads = Arrays.stream(args.get(++i).split(",")).mapToInt(Integer::parseInt).toArray();
                case "--engines" -> engineNames = List.of(args.get(++i).split(","));
                case "--trials" -> trials = Integer.parseInt(args.get(++i));
                case "--trial-ms" -> trialMs = Long.parseLong(args.get(++i));
                case "--warmup-ms" -> warmupMs = Long.parseLong(args.get(++i));
                case "--f1-batches" -> F.f1Batches = Long.parseLong(args.get(++i));
                case "--f2-batches" -> F.f2Batches = Long.parseLong(args.get(++i));
                case "--data" -> FashionData.dir = java.nio.file.Path.of(args.get(++i));
                case "-h", "--help" -> {
                    System.out.println("BenchMain [W1] [W2] [W2-add-nograd|W2-add-graph|W2-mul-graph|W2-sum-graph] [W3] [W4]"
                            + " [W5] [W5-256|W5-1024|W5-2048|W5-1024-fwdbwd] [W6] [W7] [F1] [F2] [startup] [rss] [all]"
                            + " [--threads 1,2] [--engines nabla,libtorch] [--trials 7] [--trial-ms 200] [--warmup-ms 1000]"
                            + " [--f1-batches 200] [--f2-batches 60] [--data DIR]");
                    return;
                }
                default -> {
                    if (a.startsWith("-")) {
                        throw new IllegalArgumentException("unknown option " + a);
                    }
                    String id = a.equalsIgnoreCase("all") || a.equalsIgnoreCase("startup") || a.equalsIgnoreCase("rss")
                            ? a.toLowerCase(Locale.ROOT) : a.toUpperCase(Locale.ROOT).charAt(0) + a.substring(1);
                    wanted.add(id); // w1 -> W1, w2-add-graph -> W2-add-graph
                }
            }
        }
        if (trials < 5) {
            throw new IllegalArgumentException("at least 5 trials (BENCHMARKS.md)");
        }

        List<Job> all = new ArrayList<>();
        all.addAll(W1.jobs());
        all.addAll(W2.jobs());
        all.addAll(W3.jobs());
        all.addAll(W4.jobs());
        all.addAll(W5.jobs());
        all.addAll(W6.jobs());
        all.addAll(W7.jobs());
        all.addAll(F.jobs());
        boolean all2 = wanted.isEmpty() || wanted.contains("all");
        boolean startup = all2 || wanted.contains("startup");
        boolean rss = all2 || wanted.contains("rss");
        List<Job> jobs = new ArrayList<>();
        for (Job j : all) {
            String family = j.id().contains("-") ? j.id().substring(0, j.id().indexOf('-')) : j.id();
            if (wanted.isEmpty() || wanted.contains("all") || wanted.contains(j.id()) || wanted.contains(family)) {
                jobs.add(j);
            }
        }
        for (String w : wanted) {
            if (!w.equals("all") && !w.equals("startup") && !w.equals("rss") && jobs.stream().noneMatch(j -> j.id().equals(w) || j.id().startsWith(w + "-"))) {
                throw new IllegalArgumentException("unknown or not implemented workload " + w);
            }
        }

        List<Engine> engines = new ArrayList<>();
        for (String n : engineNames) {
            Engine e = load(n);
            if (e != null) {
                engines.add(e);
            }
        }
        Harness.Options opts = new Harness.Options(trials, trialMs, warmupMs);
        System.out.printf(Locale.ROOT, "# Nabla bench: JVM %s, %s, %d cores; engines %s; trials=%d trial-ms=%d warmup-ms=%d%n",
                Runtime.version(), System.getProperty("os.arch"), Runtime.getRuntime().availableProcessors(),
                engines.stream().map(Engine::name).toList(), trials, trialMs, warmupMs);

        for (int t : threads) {
            for (Engine e : engines) {
                String note = e.setThreads(t);
                if (note != null) {
                    System.out.println("# NOTE threads=" + t + ": " + note);
                }
            }
            Map<Integer, Double> blas = null;
            for (Job j : jobs) {
                Map<String, Stats> r;
                try {
                    r = runJob(j, engines, t, opts);
                } catch (RuntimeException | LinkageError ex) {
                    System.out.println("# ERROR " + j.id() + " threads=" + t + ": " + ex);
                    continue;
                }
                if (j.id().equals("W3") && r.containsKey("nabla")) {
                    Stats triad = Triad.gbPerSecond(t);
                    double nabla = W3.MUST_MOVE_BYTES / (r.get("nabla").median() * 1e6);
                    System.out.printf(Locale.ROOT, "REF W3 %d nabla-must-move/triad %.3f (medians: nabla %.1f GB/s, triad %.1f"
                            + " GB/s; the triad's best %.1f GB/s, ratio %.3f; triad measured after W3 in this process)%n",
                            t, nabla / triad.median(), nabla, triad.median(), triad.max(), nabla / triad.max());
                }
                if (j.id().startsWith("W5-") && !j.id().endsWith("fwdbwd")) {
                    if (blas == null) {
                        blas = Extras.openblas(t, W5.SIZES);
                    }
                    int n = Integer.parseInt(j.id().substring(3));
                    Stats ns = r.get("nabla");
                    if (ns != null && blas.containsKey(n)) {
                        System.out.printf(Locale.ROOT, "REF W5-%d %d nabla/openblas-rate %.3f%n", n, t,
                                W5.gflops(n, ns.median()) / blas.get(n));
                    }
                }
            }
        }
        List<String> names = engines.stream().map(Engine::name).toList();
        if (startup && !names.isEmpty()) {
            Extras.startup(names);
        }
        if (rss && !names.isEmpty()) {
            Extras.peakRss(names);
        }
        System.out.println("# peak RSS of the whole process (VmHWM): " + vmHwm());
    }

    private static Map<String, Stats> runJob(Job j, List<Engine> engines, int threads, Harness.Options opts) {
        List<Harness.Entry> entries = new ArrayList<>();
        try {
            for (Engine e : engines) {
                entries.add(new Harness.Entry(e.name(), j.open().apply(e)));
            }
            Map<String, Stats> r = Harness.measure(entries, opts, j.unitNs(), j.fixedIters());
            for (var kv : r.entrySet()) {
                Stats s = kv.getValue();
                System.out.printf(Locale.ROOT, "%s %s threads=%d median=%s %s min=%s max=%s (%d trials x %d iters)%s%n",
                        j.label(), kv.getKey(), threads, fmt(s.median()), j.unit(), fmt(s.min()), fmt(s.max()),
                        s.trials(), s.iters(), j.derived() == null ? "" : " " + j.derived().apply(s.median()));
            }
            Stats n = r.get("nabla");
            Stats l = r.get("libtorch");
            if (n != null && l != null) {
                System.out.printf(Locale.ROOT, "RATIO %s %d %.3f%n", j.id(), threads, n.median() / l.median());
            }
            System.out.flush();
            return r;
        } finally {
            for (Harness.Entry en : entries) {
                en.c().close();
            }
        }
    }

    /** Loads an engine by name; the Nabla engine through reflection, so a missing native library is reported, not fatal. */
    private static Engine load(String name) {
        String cls = switch (name) {
            case "libtorch", "torch" -> "dev.nabla.bench.TorchEngine";
            case "nabla" -> "dev.nabla.bench.NablaEngine";
            default -> throw new IllegalArgumentException("unknown engine " + name);
        };
        try {
            return (Engine) Class.forName(cls).getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException | LinkageError ex) {
            Throwable c = ex.getCause() != null ? ex.getCause() : ex;
            System.out.println("# NOTE engine " + name + " not available: " + c);
            return null;
        }
    }

    static String fmt(double v) {
        if (v >= 100) {
            return String.format(Locale.ROOT, "%.1f", v);
        } else if (v >= 1) {
            return String.format(Locale.ROOT, "%.2f", v);
        }
        return String.format(Locale.ROOT, "%.4f", v);
    }

    private static String vmHwm() {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return line.substring(6).trim();
                }
            }
        } catch (java.io.IOException | RuntimeException ignored) {
            // not Linux
        }
        return "n/a";
    }
}
