package dev.nabla.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.DType;
import dev.nabla.Nabla;
import dev.nabla.Shape;
import dev.nabla.ShapeMismatchException;
import dev.nabla.Tensor;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DataLoaderTest extends LeakCheckedTest {
    /** x[i] = [i, i + 0.5, i + 0.25] as float64 [n, 3]; y[i] = i as int64. */
    private static TensorDataset numbered(int n) {
        double[] x = new double[n * 3];
        for (int i = 0; i < n; i++) {
            x[3 * i] = i;
            x[3 * i + 1] = i + 0.5;
            x[3 * i + 2] = i + 0.25;
        }
        Tensor y = Tensor.arange(0, n, 1, DType.INT64);
        return new TensorDataset(Tensor.of(x, n, 3), y);
    }

    private static long[] labels(Batch b) {
        return b.y().numel() == 0 ? new long[0] : b.y().data().toArray(ValueLayout.JAVA_LONG);
    }

    /** Every batch's labels, in order, closing each batch. */
    private static List<long[]> drain(DataLoader.BatchIterator it) {
        List<long[]> out = new ArrayList<>();
        try (it) {
            while (it.hasNext()) {
                try (Batch b = it.next()) {
                    long[] ys = labels(b);
                    double[] xs = b.x().toDoubleArray();
                    for (int i = 0; i < ys.length; i++) {
                        assertEquals(ys[i], xs[3 * i]); // x and y rows stay together
                        assertEquals(ys[i] + 0.5, xs[3 * i + 1]);
                    }
                    out.add(ys);
                }
            }
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2})
    void batchShapesAndEveryIndexOncePerEpoch(int prefetch) {
        TensorDataset ds = numbered(10);
        DataLoader loader = DataLoader.builder(ds).batchSize(4).shuffle(true).seed(3).prefetch(prefetch).build();
        assertEquals(3, loader.numBatches());
        try (DataLoader.BatchIterator it = loader.epoch(0)) {
            try (Batch b = it.next()) {
                assertEquals(Shape.of(4, 3), b.x().shape());
                assertEquals(Shape.of(4), b.y().shape());
                assertEquals(DType.FLOAT64, b.x().dtype());
                assertEquals(DType.INT64, b.y().dtype());
                assertEquals(4, b.size());
            }
        }
        for (int epoch = 0; epoch < 3; epoch++) {
            List<long[]> batches = drain(loader.epoch(epoch));
            assertEquals(List.of(4, 4, 2), batches.stream().map(a -> a.length).toList());
            long[] all = batches.stream().flatMapToLong(Arrays::stream).sorted().toArray();
            assertArrayEquals(new long[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, all);
        }
    }

    @Test
    void withoutShuffleTheOrderIsSequential() {
        DataLoader loader = DataLoader.builder(numbered(5)).batchSize(2).build();
        List<long[]> b = drain(loader.iterator());
        assertArrayEquals(new long[] {0, 1}, b.get(0));
        assertArrayEquals(new long[] {2, 3}, b.get(1));
        assertArrayEquals(new long[] {4}, b.get(2));
    }

    @Test
    void aSeedReproducesEachEpochAndEpochsDiffer() {
        TensorDataset ds = numbered(50);
        DataLoader a = DataLoader.builder(ds).batchSize(7).shuffle(true).seed(42).build();
        DataLoader b = DataLoader.builder(ds).batchSize(7).shuffle(true).seed(42).prefetch(0).build();
        long[] a0 = flat(drain(a.epoch(0)));
        assertArrayEquals(a0, flat(drain(b.epoch(0))));
        long[] a1 = flat(drain(a.epoch(1)));
        assertArrayEquals(a1, flat(drain(b.epoch(1))));
        assertFalse(Arrays.equals(a0, a1), "epochs 0 and 1 should shuffle differently");
        // iterator() walks epochs 0, 1, ... and epoch e is seed + e
        assertArrayEquals(a0, flat(drain(a.iterator())));
        assertArrayEquals(a1, flat(drain(a.iterator())));
        DataLoader c = DataLoader.builder(ds).batchSize(7).shuffle(true).seed(43).build();
        assertArrayEquals(a1, flat(drain(c.epoch(0))));
        // without an explicit seed, Nabla.manualSeed decides
        Nabla.manualSeed(5);
        long[] d = flat(drain(DataLoader.builder(ds).batchSize(7).shuffle(true).build().epoch(0)));
        Nabla.manualSeed(5);
        assertArrayEquals(d, flat(drain(DataLoader.builder(ds).batchSize(7).shuffle(true).build().epoch(0))));
        assertNotEquals(0, d.length);
    }

    private static long[] flat(List<long[]> batches) {
        return batches.stream().flatMapToLong(Arrays::stream).toArray();
    }

    @Test
    void dropLastDropsTheShortBatch() {
        DataLoader loader = DataLoader.builder(numbered(10)).batchSize(4).dropLast(true).build();
        assertEquals(2, loader.numBatches());
        List<long[]> b = drain(loader.epoch(0));
        assertEquals(2, b.size());
        assertTrue(b.stream().allMatch(x -> x.length == 4));
        assertEquals(0, DataLoader.builder(numbered(3)).batchSize(4).dropLast(true).build().numBatches());
        assertFalse(DataLoader.builder(numbered(3)).batchSize(4).dropLast(true).build().iterator().hasNext());
    }

    @Test
    void forEachRunsAnEpochToTheEnd() {
        DataLoader loader = DataLoader.builder(numbered(9)).batchSize(3).build();
        int n = 0;
        for (Batch b : loader) {
            b.close();
            n++;
        }
        assertEquals(3, n);
    }

    @Test
    void closeStopsThePrefetchThreadAndFreesItsBatches() throws Exception {
        DataLoader loader = DataLoader.builder(numbered(100)).batchSize(2).prefetch(2).build();
        long live = Nabla.liveTensors();
        DataLoader.BatchIterator it = loader.epoch(0);
        try (Batch b = it.next()) {
            assertEquals(2, b.size());
        }
        Thread.sleep(50); // let the worker fill the queue and block on it
        assertTrue(it.workerAlive());
        it.close();
        assertFalse(it.workerAlive());
        assertFalse(it.hasNext());
        assertThrows(IllegalStateException.class, it::next);
        it.close(); // idempotent
        assertTrue(Nabla.liveTensors() <= live, "batches made ahead were not freed");
    }

    @Test
    void theThreadEndsByItselfAfterTheLastBatch() throws Exception {
        DataLoader.BatchIterator it = DataLoader.builder(numbered(4)).batchSize(2).build().epoch(0);
        drain(it);
        assertFalse(it.workerAlive());
        assertThrows(IllegalStateException.class, it::next);
        DataLoader.BatchIterator open = DataLoader.builder(numbered(4)).batchSize(2).prefetch(0).build().epoch(0);
        open.next().close();
        open.next().close();
        assertThrows(NoSuchElementException.class, open::next);
    }

    @Test
    void aWorkerExceptionSurfacesInNext() {
        AtomicInteger calls = new AtomicInteger();
        TensorDataset inner = numbered(10);
        IllegalArgumentException boom = new IllegalArgumentException("bad example file");
        Dataset failing = new Dataset() {
            @Override
            public int size() {
                return inner.size();
            }

            @Override
            public Batch batch(int[] indices) {
                if (calls.incrementAndGet() == 2) {
                    throw boom;
                }
                return inner.batch(indices);
            }
        };
        DataLoader.BatchIterator it = DataLoader.builder(failing).batchSize(3).build().epoch(0);
        it.next().close();
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, it::next);
        assertSame(boom, ex);
        assertFalse(it.hasNext());
        assertFalse(it.workerAlive());
        assertEquals(2, calls.get()); // the worker stopped at the failure
    }

    @Test
    void batchesMadeOnTheWorkerAreUsableAndClosableHere() throws Exception {
        CountDownLatch made = new CountDownLatch(1);
        TensorDataset inner = numbered(4);
        Dataset ds = new Dataset() {
            @Override
            public int size() {
                return 4;
            }

            @Override
            public Batch batch(int[] indices) {
                assertNotEquals("main", Thread.currentThread().getName());
                Batch b = inner.batch(indices);
                made.countDown();
                return b;
            }
        };
        try (DataLoader.BatchIterator it = DataLoader.builder(ds).batchSize(4).build().epoch(0)) {
            made.await();
            Batch b = it.next();
            Tensor s = b.x().sum(); // an op here: belongs to this thread's scope
            assertEquals(21.0, s.item()); // rows i, i + 0.5, i + 0.25 for i = 0..3: 3 * 6 + 4 * 0.75
            b.close();
            assertTrue(b.x().isClosed());
        }
    }

    @Test
    void badArgumentsAreRefused() {
        TensorDataset ds = numbered(3);
        assertThrows(IllegalArgumentException.class, () -> DataLoader.builder(ds).batchSize(0));
        assertThrows(IllegalArgumentException.class, () -> DataLoader.builder(ds).prefetch(-1));
        assertThrows(IndexOutOfBoundsException.class, () -> ds.batch(new int[] {3}));
        var ex = assertThrows(ShapeMismatchException.class,
                () -> new TensorDataset(Tensor.zeros(3, 2), Tensor.zeros(DType.INT64, 4)));
        assertTrue(ex.getMessage().contains("[3, 2]") && ex.getMessage().contains("[4]"), ex.getMessage());
    }

    @Test
    void tensorDatasetGathersRowsOfAnyDtypeAndViews() {
        Tensor x = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3).t(); // [3, 2], not contiguous
        TensorDataset ds = new TensorDataset(x, Tensor.zeros(DType.BOOL, 3));
        try (Batch b = ds.batch(new int[] {2, 0, 2})) {
            assertEquals(Shape.of(3, 2), b.x().shape());
            assertArrayEquals(new float[] {3, 6, 1, 4, 3, 6}, b.x().toFloatArray());
            assertEquals(DType.BOOL, b.y().dtype());
        }
    }
}
