package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GraphExport: the DOT text torchviz would draw, SVG through Graphviz, and tensor names. */
class GraphExportTest extends NablaTestBase {

    private static final String HEADER = "digraph {\n"
            + "\tgraph [size=\"12,12\"]\n"
            + "\tnode [align=left fontname=monospace fontsize=10 height=0.2 ranksep=0.1 shape=box style=filled]\n";

    /** The tutorial's out = mean(3 (x + 2)^2). */
    private static Tensor tutorial(Tensor x) {
        Tensor y = x.add(2);
        return y.mul(y).mul(3).mean();
    }

    @Test
    void theTutorialGraphHasOneNodePerGradFnAndTheLeafWithItsName() {
        Tensor x = Tensor.ones(2, 2).requiresGrad(true).name("x");
        Tensor out = tutorial(x);
        // y * y feeds AddBackward0 into MulBackward0 twice: two edges, as torchviz draws them.
        assertEquals(HEADER
                        + "\tt0 [label=\"()\" fillcolor=darkolivegreen1]\n"
                        + "\tn0 [label=\"MeanBackward0\"]\n"
                        + "\tn1 -> n0\n"
                        + "\tn1 [label=\"MulBackward0\"]\n"
                        + "\tn2 -> n1\n"
                        + "\tn2 [label=\"MulBackward0\"]\n"
                        + "\tn3 -> n2\n"
                        + "\tn3 -> n2\n"
                        + "\tn3 [label=\"AddBackward0\"]\n"
                        + "\tn4 -> n3\n"
                        + "\tn4 [label=\"AccumulateGrad\"]\n"
                        + "\tt1 [label=\"x\\n(2, 2)\" fillcolor=lightblue]\n"
                        + "\tt1 -> n4\n"
                        + "\tn0 -> t0\n"
                        + "}\n",
                GraphExport.toDot(out));
    }

    @Test
    void twoLeavesAndAConstant() {
        Tensor w = Tensor.ones(3, 2).requiresGrad(true).name("weight");
        Tensor b = Tensor.zeros(2).requiresGrad(true);
        Tensor input = Tensor.ones(4, 3); // needs no gradient: no node, no edge
        Tensor loss = input.matmul(w).add(b).sum().name("loss");
        String dot = GraphExport.toDot(loss);
        assertTrue(dot.contains("\tt0 [label=\"loss\\n()\" fillcolor=darkolivegreen1]\n"), dot);
        assertTrue(dot.contains("[label=\"MmBackward0\"]"), dot);
        assertTrue(dot.contains("[label=\"AddBackward0\"]"), dot);
        assertTrue(dot.contains("[label=\"weight\\n(3, 2)\" fillcolor=lightblue]"), dot);
        assertTrue(dot.contains("[label=\"(2)\" fillcolor=lightblue]"), dot); // b has no name
        assertEquals(2, count(dot, "[label=\"AccumulateGrad\"]"), dot);
        assertEquals(2, count(dot, "fillcolor=lightblue"), dot);
        assertTrue(!dot.contains("(4, 3)"), "the constant input is not drawn: " + dot);
    }

    @Test
    void aLeafUsedTwiceIsDrawnOnce() {
        Tensor x = Tensor.ones(3).requiresGrad(true);
        Tensor out = x.mul(2).add(x.pow(2)).sum();
        String dot = GraphExport.toDot(out);
        assertEquals(1, count(dot, "[label=\"AccumulateGrad\"]"), dot);
        assertEquals(1, count(dot, "fillcolor=lightblue"), dot);
        assertTrue(dot.contains("[label=\"PowBackward0\"]"), dot);
    }

    @Test
    void showSavedDrawsEachNodesSavedTensorsAndMarksFreedOnes() {
        Tensor a = Tensor.ones(2, 3).requiresGrad(true);
        Tensor b = Tensor.full(2.0, 3);
        Tensor out = a.mul(b).sum();
        // MulBackward0 saves b (for a's gradient); a is not saved because b needs no gradient.
        String dot = GraphExport.toDot(out, true);
        assertTrue(dot.contains("[label=\"saved 0\\n(3)\" fillcolor=orange]"), dot);
        assertTrue(dot.contains(" [style=dotted]"), dot);
        assertFalse(GraphExport.toDot(out).contains("saved"), "only with showSaved");
        out.backward();
        String freed = GraphExport.toDot(out, true);
        assertTrue(freed.contains("saved 0\\n(freed)"), freed);
    }

    @Test
    void aRootWithoutGradFnIsOneNode() {
        Tensor x = Tensor.ones(2, 3).requiresGrad(true).name("x");
        assertEquals(HEADER + "\tt0 [label=\"x\\n(2, 3)\" fillcolor=darkolivegreen1]\n}\n", GraphExport.toDot(x));
        assertEquals(HEADER + "\tt0 [label=\"(4)\" fillcolor=darkolivegreen1]\n}\n", GraphExport.toDot(Tensor.zeros(4)));
    }

    @Test
    void namesFollowTheNativeTensorWhileTheNamingTensorIsOpen() {
        Tensor x = Tensor.ones(2).requiresGrad(true);
        assertNull(x.name());
        assertEquals(x, x.name("x"));
        assertEquals("x", x.name());
        x.name("renamed");
        assertEquals("renamed", x.name());
        x.name(null);
        assertNull(x.name());
        x.name("quote\"d");
        Tensor out = x.mul(2).sum();
        assertTrue(GraphExport.toDot(out).contains("\"quote\\\"d\\n(2)\""), GraphExport.toDot(out));
        x.close(); // the graph still holds the leaf, but its name went with the Tensor that gave it
        assertTrue(GraphExport.toDot(out).contains("[label=\"(2)\" fillcolor=lightblue]"), GraphExport.toDot(out));
    }

    @Test
    void svgThroughGraphviz(@TempDir Path dir) throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/dot")) || onPath("dot"), "Graphviz dot is not installed");
        Tensor x = Tensor.ones(2, 2).requiresGrad(true).name("x");
        Tensor out = tutorial(x);
        String svg = GraphExport.toSvg(out);
        assertTrue(svg.contains("<svg"), svg);
        assertTrue(svg.contains("MeanBackward0"), svg);
        Path file = dir.resolve("graph.svg");
        GraphExport.writeSvg(out, file);
        assertTrue(Files.readString(file).contains("AccumulateGrad"));
    }

    @Test
    void aMissingGraphvizIsAClearError() {
        Tensor out = tutorial(Tensor.ones(2, 2).requiresGrad(true));
        String before = System.getProperty(GraphExport.DOT_PROPERTY);
        System.setProperty(GraphExport.DOT_PROPERTY, "/nonexistent/graphviz/dot");
        try {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> GraphExport.toSvg(out));
            assertTrue(e.getMessage().contains("Graphviz") && e.getMessage().contains("/nonexistent/graphviz/dot"),
                    e.getMessage());
        } finally {
            if (before == null) {
                System.clearProperty(GraphExport.DOT_PROPERTY);
            } else {
                System.setProperty(GraphExport.DOT_PROPERTY, before);
            }
        }
    }

    private static boolean onPath(String program) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String d : path.split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(d, program))) {
                return true;
            }
        }
        return false;
    }

    private static int count(String s, String part) {
        int n = 0;
        for (int i = s.indexOf(part); i >= 0; i = s.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }
}
