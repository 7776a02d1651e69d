package dev.nabla;

import dev.nabla.bindings.global.nabla;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.IntPointer;

/**
 * Draws the autograd graph behind a tensor, in the spirit of torchviz's {@code make_dot}: one box per
 * grad_fn node ({@code MulBackward0}, ...), one per {@code AccumulateGrad}, the leaves it writes
 * {@code .grad} into in light blue with their shape (and the name given with {@link Tensor#name(String)}),
 * edges from each input's node to the op that used it, and the root tensor in green.
 *
 * <pre>{@code
 * Tensor x = Tensor.ones(2, 2).requiresGrad(true).name("x");
 * Tensor out = x.add(2).pow(2).mul(3).mean();
 * String dot = GraphExport.toDot(out);                 // Graphviz DOT text
 * GraphExport.writeSvg(out, Path.of("graph.svg"));     // runs Graphviz's dot
 * }</pre>
 *
 * <p>Saved tensors (torchviz's {@code show_saved}) are not drawn: the native graph does not list them yet.
 */
public final class GraphExport {
    /** The system property naming the Graphviz program; {@code dot} on the PATH by default. */
    public static final String DOT_PROPERTY = "nabla.dot";

    private GraphExport() {}

    /**
     * The graph that {@code root.backward()} would walk, as Graphviz DOT text. Node ids are numbered in
     * the order of a depth-first walk from the root, so the text is the same for the same graph.
     * A root without a grad_fn (a leaf, or a tensor outside any graph) gives a graph of one node.
     */
    public static String toDot(Tensor root) {
        return toDot(root, false);
    }

    /**
     * {@link #toDot(Tensor)}, and with {@code showSaved} also the tensors each node saved for its backward
     * rule (orange boxes with their shape, like torchviz's {@code show_saved=True}); a tensor the graph
     * already freed after backward is drawn as "(freed)".
     */
    public static String toDot(Tensor root, boolean showSaved) {
        long rootHandle = root.handle();
        Walk w = new Walk(showSaved);
        StringBuilder sb = new StringBuilder();
        sb.append("digraph {\n");
        sb.append("\tgraph [size=\"12,12\"]\n");
        sb.append("\tnode [align=left fontname=monospace fontsize=10 height=0.2 ranksep=0.1 shape=box style=filled]\n");
        String rootId = w.tensorId(rootHandle);
        sb.append('\t').append(rootId).append(" [label=").append(quote(tensorLabel(rootHandle)))
                .append(" fillcolor=darkolivegreen1]\n");
        List<Long> held = new ArrayList<>();
        try {
            long fn = nabla.nb_tensor_grad_fn_node(rootHandle);
            if (fn != 0) {
                held.add(fn);
                w.walk(fn, held, sb);
                sb.append('\t').append(w.nodeId(fn)).append(" -> ").append(rootId).append('\n');
            }
        } finally {
            for (long n : held) {
                nabla.nb_node_free(n);
            }
        }
        java.lang.ref.Reference.reachabilityFence(root); // Note [reachability] in Tensor
        return sb.append("}\n").toString();
    }

    /**
     * The graph as SVG, rendered by Graphviz's {@code dot -Tsvg} (the program named by the system
     * property {@value #DOT_PROPERTY}, else {@code dot} on the PATH).
     *
     * @throws IllegalStateException when the program cannot be run (Graphviz is not installed) or fails
     */
    public static String toSvg(Tensor root) {
        String dot = toDot(root);
        String program = System.getProperty(DOT_PROPERTY, "dot");
        Process p;
        try {
            p = new ProcessBuilder(program, "-Tsvg").start();
        } catch (IOException e) {
            throw new IllegalStateException("toSvg: cannot run the Graphviz program '" + program + "' (" + e.getMessage()
                    + "); install Graphviz (e.g. apt-get install graphviz), set -D" + DOT_PROPERTY
                    + "=/path/to/dot, or render the text of GraphExport.toDot yourself", e);
        }
        // Own threads, not the common pool: with one worker there the writer could wait behind a reader.
        var err = new java.util.concurrent.FutureTask<>(() -> readAll(p.getErrorStream()));
        var in = new java.util.concurrent.FutureTask<Void>(() -> {
            try (OutputStream os = p.getOutputStream()) {
                os.write(dot.getBytes(StandardCharsets.UTF_8));
            }
            return null;
        });
        Thread.ofVirtual().name("nabla-dot-stderr").start(err);
        Thread.ofVirtual().name("nabla-dot-stdin").start(in);
        try {
            byte[] out = readAll(p.getInputStream());
            int code = p.waitFor();
            String stderr = new String(err.get(), StandardCharsets.UTF_8).strip();
            if (code != 0) {
                throw new IllegalStateException("toSvg: '" + program + " -Tsvg' exited with status " + code
                        + (stderr.isEmpty() ? "" : ": " + stderr));
            }
            in.get();
            return new String(out, StandardCharsets.UTF_8);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("toSvg: talking to '" + program + "' failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            p.destroy();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("toSvg: interrupted while waiting for '" + program + "'", e);
        }
    }

    /**
     * Writes {@link #toSvg(Tensor)} to {@code file}.
     *
     * @throws UncheckedIOException when the file cannot be written
     * @throws IllegalStateException when Graphviz cannot be run
     */
    public static void writeSvg(Tensor root, Path file) {
        String svg = toSvg(root);
        try {
            Files.writeString(file, svg, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("writeSvg: cannot write " + file, e);
        }
    }

    private static byte[] readAll(InputStream s) {
        try (s) {
            ByteArrayOutputStream bos = new ByteArrayOutputStream();
            s.transferTo(bos);
            return bos.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sequential DOT ids for native identities, and the depth-first walk over grad_fn nodes. */
    private static final class Walk {
        private final Map<Long, String> nodes = new HashMap<>();
        private final Map<Long, String> tensors = new HashMap<>();
        private final boolean showSaved;
        private int savedCount;

        Walk(boolean showSaved) {
            this.showSaved = showSaved;
        }

        String nodeId(long node) {
            return nodes.computeIfAbsent(nabla.nb_node_id(node), k -> "n" + nodes.size());
        }

        String tensorId(long tensor) {
            return tensors.computeIfAbsent(tensor, k -> "t" + tensors.size());
        }

        /** Emits every node reachable from {@code start}; each handle obtained goes into {@code held}. */
        void walk(long start, List<Long> held, StringBuilder sb) {
            ArrayDeque<Long> stack = new ArrayDeque<>();
            java.util.Set<Long> seen = new java.util.HashSet<>();
            stack.push(start);
            seen.add(nabla.nb_node_id(start));
            while (!stack.isEmpty()) {
                long fn = stack.pop();
                String id = nodeId(fn);
                sb.append('\t').append(id).append(" [label=").append(quote(nabla.nb_node_name(fn))).append("]\n");
                long leaf = nabla.nb_node_variable(fn);
                if (leaf != 0) {
                    try {
                        String tid = tensorId(leaf);
                        sb.append('\t').append(tid).append(" [label=").append(quote(tensorLabel(leaf)))
                                .append(" fillcolor=lightblue]\n");
                        sb.append('\t').append(tid).append(" -> ").append(id).append('\n');
                    } finally {
                        nabla.nb_tensor_free(leaf);
                    }
                }
                if (showSaved) {
                    saved(fn, id, sb);
                }
                int n = nabla.nb_node_num_next(fn);
                List<Long> children = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    long next = nabla.nb_node_next(fn, i, (IntPointer) null);
                    if (next == 0) {
                        continue;
                    }
                    held.add(next);
                    sb.append('\t').append(nodeId(next)).append(" -> ").append(id).append('\n');
                    if (seen.add(nabla.nb_node_id(next))) {
                        children.add(next);
                    }
                }
                // Pushed in reverse so that input 0 is drawn first, as a recursive walk would.
                for (int i = children.size() - 1; i >= 0; i--) {
                    stack.push(children.get(i));
                }
            }
        }

        /** The node's saved tensors as orange boxes joined to it by dotted edges. */
        private void saved(long fn, String id, StringBuilder sb) {
            int count = nabla.nb_node_num_saved(fn);
            for (int i = 0; i < count; i++) {
                String sid = "s" + savedCount++;
                long t = nabla.nb_node_saved(fn, i);
                String label;
                if (t == 0) {
                    label = "saved " + i + "\n(freed)";
                } else {
                    try {
                        label = "saved " + i + "\n" + tensorLabel(t);
                    } finally {
                        nabla.nb_tensor_free(t);
                    }
                }
                sb.append('\t').append(sid).append(" [label=").append(quote(label)).append(" fillcolor=orange]\n");
                sb.append('\t').append(sid).append(" -> ").append(id).append(" [style=dotted]\n");
            }
        }
    }

    /** torchviz's label of a tensor: its name (if any) over its size, e.g. {@code x\n(2, 2)}. */
    private static String tensorLabel(long tensor) {
        ThreadState s = ThreadState.get();
        int ndim = nabla.nb_tensor_shape(tensor, s.dimsOut(), ThreadState.MAX_DIMS);
        long[] dims = s.readDims(ndim);
        StringBuilder size = new StringBuilder("(");
        for (int i = 0; i < dims.length; i++) {
            size.append(i == 0 ? "" : ", ").append(dims[i]);
        }
        size.append(')');
        String name = TensorNames.get(tensor);
        return name == null ? size.toString() : name + "\n" + size;
    }

    /** A DOT string literal. */
    private static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                default -> sb.append(c);
            }
        }
        return sb.append('"').toString();
    }
}
