package dev.nabla.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The measurements made in child JVMs: startup to the first op, peak RSS per engine, and OpenBLAS's own
 * sgemm rate (the reference for W5). Each child is this JVM's java, options and class path.
 */
final class Extras {

    private Extras() {}

    private static List<String> javaCommand(String mainClass) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass);
        return cmd;
    }

    /** Runs a child; calls {@code onLine} for each output line; returns the wall ns from start to the line matching {@code until} (or to exit). */
    private static long run(List<String> cmd, Map<String, String> env, String until, List<String> lines) {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(env);
        long t0 = System.nanoTime();
        long at = -1;
        try {
            Process p = pb.start();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (at < 0 && until != null && line.startsWith(until)) {
                        at = System.nanoTime() - t0;
                    }
                    lines.add(line);
                }
            }
            int rc = p.waitFor();
            if (rc != 0) {
                throw new IllegalStateException("child " + cmd.get(cmd.size() - 1) + " exited with " + rc + ": "
                        + String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size())));
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return at >= 0 ? at : System.nanoTime() - t0;
    }

    /** Startup to the first op, median of 3 fresh JVMs per engine (alternating), with a RATIO line. */
    static void startup(List<String> engines) {
        Map<String, double[]> secs = new LinkedHashMap<>();
        int runs = 3;
        for (String e : engines) {
            secs.put(e, new double[runs]);
        }
        for (int t = 0; t < runs; t++) {
            for (int k = 0; k < engines.size(); k++) {
                String e = engines.get(t % 2 == 0 ? k : engines.size() - 1 - k);
                List<String> cmd = javaCommand("dev.nabla.bench.Child");
                cmd.add("startup");
                cmd.add(e);
                List<String> out = new ArrayList<>();
                secs.get(e)[t] = run(cmd, Map.of(), "FIRST-OP-DONE", out) / 1e9;
            }
        }
        Map<String, Double> med = new LinkedHashMap<>();
        for (var kv : secs.entrySet()) {
            Stats s = Stats.of(kv.getValue(), 1);
            med.put(kv.getKey(), s.median());
            System.out.printf(Locale.ROOT, "STARTUP %s median=%.3f s min=%.3f max=%.3f (fresh JVM to the return of"
                    + " the first add, %d runs)%n", kv.getKey(), s.median(), s.min(), s.max(), runs);
        }
        ratio("startup", med);
    }

    private static final String RSS_HEAP = System.getProperty("bench.rssHeap", "-Xms16m -Xmx256m");

    /** Peak RSS (VmHWM) of a child JVM per engine running {@code W1 W2 W6} at 1 thread, with a RATIO line. */
    static void peakRss(List<String> engines) {
        Map<String, Double> kb = new LinkedHashMap<>();
        for (String e : engines) {
            List<String> cmd = javaCommand("dev.nabla.bench.BenchMain");
            // The same heap for both children, sized for this suite: with the benchmark's -Xms512m the young
            // generation, touched by any allocation-heavy loop, was most of either child's RSS and hid the
            // engines' own memory. (Both engines' figures under the parent's options are in docs/benchmarks.md.)
            cmd.removeIf(a -> a.startsWith("-Xms") || a.startsWith("-Xmx"));
            cmd.addAll(1, List.of(RSS_HEAP.split(" ")));
            cmd.addAll(List.of("--engines", e, "--threads", "1", "--trials", "5", "--trial-ms", "100",
                    "--warmup-ms", "300", "W1", "W2", "W6"));
            List<String> out = new ArrayList<>();
            run(cmd, Map.of(), null, out);
            String hwm = out.stream().filter(l -> l.startsWith("# peak RSS")).findFirst().orElse("n/a");
            String value = hwm.substring(hwm.lastIndexOf(':') + 1).trim();
            double v = Double.parseDouble(value.split("\\s+")[0]);
            kb.put(e, v);
            System.out.printf(Locale.ROOT, "PEAK-RSS %s %.0f kB (VmHWM of a child JVM running W1 W2 W6, 1 thread,"
                    + " this JVM's options with %s)%n", e, v, RSS_HEAP);
        }
        ratio("peak-rss", kb);
    }

    private static void ratio(String id, Map<String, Double> med) {
        Double n = med.get("nabla");
        Double l = med.get("libtorch");
        if (n != null && l != null) {
            System.out.printf(Locale.ROOT, "RATIO %s - %.3f%n", id, n / l);
        }
        System.out.flush();
    }

    /** OpenBLAS's own sgemm GFLOP/s per N at {@code threads} threads, from a child JVM; empty on failure. */
    static Map<Integer, Double> openblas(int threads, int[] sizes) {
        Map<Integer, Double> rate = new LinkedHashMap<>();
        List<String> cmd = javaCommand("dev.nabla.bench.Child");
        cmd.add("openblas");
        Arrays.stream(sizes).forEach(n -> cmd.add(Integer.toString(n)));
        List<String> out = new ArrayList<>();
        try {
            run(cmd, Map.of("OPENBLAS_NUM_THREADS", Integer.toString(threads)), null, out);
        } catch (RuntimeException ex) {
            System.out.println("# NOTE OpenBLAS reference not available: " + ex.getMessage());
            return rate;
        }
        for (String l : out) {
            if (l.startsWith("OPENBLAS ")) {
                Map<String, String> kv = new LinkedHashMap<>();
                for (String f : l.substring(9).split(" ")) {
                    kv.put(f.substring(0, f.indexOf('=')), f.substring(f.indexOf('=') + 1));
                }
                int n = Integer.parseInt(kv.get("N"));
                double g = Double.parseDouble(kv.get("gflops"));
                rate.put(n, g);
                System.out.printf(Locale.ROOT, "REF openblas-sgemm threads=%d N=%d median=%s ms = %.1f GFLOP/s"
                        + " (org.bytedeco:openblas 0.3.31 through CBLAS, child JVM, OPENBLAS_NUM_THREADS=%d)%n",
                        threads, n, kv.get("ms"), g, threads);
            }
        }
        return rate;
    }
}
