package dev.nabla.data;

import dev.nabla.Tensor;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Batches a {@link Dataset}, shuffling with a seed and making the next batches on a background thread
 * while the current one trains, like {@code torch.utils.data.DataLoader(ds, batch_size, shuffle,
 * drop_last)} with one worker:
 *
 * <pre>{@code
 * DataLoader loader = DataLoader.builder(train).batchSize(64).shuffle(true).seed(42).build();
 * for (int epoch = 0; epoch < 10; epoch++) {
 *     try (DataLoader.BatchIterator it = loader.epoch(epoch)) {
 *         while (it.hasNext()) {
 *             try (Batch b = it.next()) {            // x [64, ...], y [64]
 *                 ...
 *             }
 *         }
 *     }
 * }
 * }</pre>
 *
 * <p>Shuffling: epoch {@code e} visits every index exactly once, in the order of a Fisher-Yates shuffle
 * seeded with {@code seed + e}, so a run is reproducible and each epoch differs. Without
 * {@link Builder#seed}, the seed is drawn once from Nabla's default generator, so
 * {@code Nabla.manualSeed} makes the loader reproducible too. {@link #iterator()} (a for-each loop)
 * takes epochs 0, 1, 2, ... in turn.
 *
 * <p>Prefetching: with {@link Builder#prefetch} {@code k > 0} (default 2), a daemon thread makes batches
 * into a queue of {@code k}. {@link BatchIterator#close()} stops it and frees the batches it made but
 * did not hand out; an exception thrown by {@link Dataset#batch} surfaces in {@link BatchIterator#next()}
 * (the same exception, with the worker's stack trace). A for-each loop that runs to the end needs no
 * close; one that leaves early should use try-with-resources as above.
 *
 * <p>Note [batch ownership]: a batch made on the prefetch thread is made outside any
 * {@link dev.nabla.TensorScope} (the worker opens none), so it is not in the consumer's scope: close it
 * (try-with-resources on the {@link Batch}), or it is freed by the safety net once unreachable. Results of
 * ops on it belong to the consumer's scope as usual. With {@code prefetch(0)} batches are made on the
 * consumer's thread, in its current scope.
 */
public final class DataLoader implements Iterable<Batch> {
    private static final AtomicInteger THREADS = new AtomicInteger();

    private final Dataset dataset;
    private final int batchSize;
    private final boolean shuffle;
    private final long seed;
    private final boolean dropLast;
    private final int prefetch;
    private int nextEpoch;

    private DataLoader(Builder b) {
        this.dataset = b.dataset;
        this.batchSize = b.batchSize;
        this.shuffle = b.shuffle;
        this.seed = b.seed != null ? b.seed : seedFromDefaultGenerator();
        this.dropLast = b.dropLast;
        this.prefetch = b.prefetch;
    }

    /** 48 random bits from Nabla's default generator, so {@code Nabla.manualSeed} fixes the shuffles. */
    private static long seedFromDefaultGenerator() {
        try (Tensor r = Tensor.rand(2)) {
            float[] u = r.toFloatArray();
            return ((long) (u[0] * (1 << 24)) << 24) | (long) (u[1] * (1 << 24));
        }
    }

    /** A builder for a loader over {@code dataset}: batch size 1, no shuffle, no drop-last, prefetch 2. */
    public static Builder builder(Dataset dataset) {
        return new Builder(dataset);
    }

    /** Options of a {@link DataLoader}. */
    public static final class Builder {
        private final Dataset dataset;
        private int batchSize = 1;
        private boolean shuffle;
        private Long seed;
        private boolean dropLast;
        private int prefetch = 2;

        private Builder(Dataset dataset) {
            if (dataset == null) {
                throw new IllegalArgumentException("DataLoader: dataset is null");
            }
            this.dataset = dataset;
        }

        /** Examples per batch ({@code batch_size}), at least 1. */
        public Builder batchSize(int batchSize) {
            if (batchSize < 1) {
                throw new IllegalArgumentException("DataLoader: batchSize should be a positive integer, got " + batchSize);
            }
            this.batchSize = batchSize;
            return this;
        }

        /** Whether each epoch visits the examples in a new random order ({@code shuffle}). */
        public Builder shuffle(boolean shuffle) {
            this.shuffle = shuffle;
            return this;
        }

        /** The base seed: epoch {@code e} shuffles with {@code seed + e}. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Whether to drop the last batch when it is smaller than the batch size ({@code drop_last}). */
        public Builder dropLast(boolean dropLast) {
            this.dropLast = dropLast;
            return this;
        }

        /** How many batches the background thread makes ahead (0: no thread, batches made in {@code next()}). */
        public Builder prefetch(int batches) {
            if (batches < 0) {
                throw new IllegalArgumentException("DataLoader: prefetch must be >= 0, got " + batches);
            }
            this.prefetch = batches;
            return this;
        }

        /** The loader. */
        public DataLoader build() {
            return new DataLoader(this);
        }
    }

    /** The dataset. */
    public Dataset dataset() {
        return dataset;
    }

    /** Batches per epoch ({@code len(loader)}). */
    public int numBatches() {
        int n = dataset.size();
        return dropLast ? n / batchSize : (n + batchSize - 1) / batchSize;
    }

    /** The order in which epoch {@code epoch} visits the examples. */
    int[] order(int epoch) {
        int n = dataset.size();
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        if (shuffle) {
            SplittableRandom r = new SplittableRandom(seed + epoch);
            for (int i = n - 1; i > 0; i--) {
                int j = r.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
        }
        return order;
    }

    /** The batches of the next epoch (0 the first time, then 1, 2, ...), like {@code iter(loader)}. */
    @Override
    public synchronized BatchIterator iterator() {
        return epoch(nextEpoch++);
    }

    /** The batches of epoch {@code epoch}; starts the prefetch thread unless prefetch is 0. */
    public BatchIterator epoch(int epoch) {
        return new BatchIterator(order(epoch), epoch);
    }

    /**
     * The batches of one epoch. Close it to stop the prefetch thread early; closing frees the batches
     * made ahead and not handed out. Use from one thread.
     */
    public final class BatchIterator implements Iterator<Batch>, AutoCloseable {
        private final int[] order;
        private final int count;
        private final BlockingQueue<Object> queue;
        private final Thread worker;
        private volatile boolean closed;
        private int taken;

        /** What the worker queues when {@link Dataset#batch} throws. */
        private record Failure(Throwable error) {}

        private BatchIterator(int[] order, int epoch) {
            this.order = order;
            this.count = numBatches();
            if (prefetch > 0 && count > 0) {
                queue = new ArrayBlockingQueue<>(prefetch);
                worker = new Thread(this::work, "nabla-dataloader-" + THREADS.incrementAndGet() + "-epoch-" + epoch);
                worker.setDaemon(true);
                worker.start();
            } else {
                queue = null;
                worker = null;
            }
        }

        private Batch make(int k) {
            int from = k * batchSize;
            int to = Math.min(from + batchSize, order.length);
            return dataset.batch(java.util.Arrays.copyOfRange(order, from, to));
        }

        /** The prefetch thread: makes batches in order until done, closed or failed. */
        private void work() {
            for (int k = 0; k < count && !closed; k++) {
                Batch b;
                try {
                    b = make(k);
                } catch (Throwable t) {
                    try {
                        queue.put(new Failure(t));
                    } catch (InterruptedException ignored) {
                        // closed while reporting: nobody is waiting for it
                    }
                    return;
                }
                try {
                    queue.put(b);
                } catch (InterruptedException e) {
                    b.close(); // closed while waiting for room: this batch will never be taken
                    return;
                }
            }
        }

        /** Whether the worker thread is still running (for tests and diagnostics). */
        boolean workerAlive() {
            return worker != null && worker.isAlive();
        }

        @Override
        public boolean hasNext() {
            return !closed && taken < count;
        }

        /**
         * The next batch, waiting for the prefetch thread if it is behind. The caller owns it (see
         * Note [batch ownership] in {@link DataLoader}).
         *
         * @throws NoSuchElementException after the last batch
         * @throws IllegalStateException after {@link #close()}, or when interrupted while waiting
         * @throws RuntimeException whatever {@link Dataset#batch} threw on the prefetch thread (then the
         *     iterator is closed)
         */
        @Override
        public Batch next() {
            if (closed) {
                throw new IllegalStateException("DataLoader.next: the iterator is closed");
            }
            if (taken >= count) {
                throw new NoSuchElementException("DataLoader.next: all " + count + " batches of the epoch were taken");
            }
            if (worker == null) {
                Batch b = make(taken);
                taken++;
                return b;
            }
            Object o;
            try {
                o = queue.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                close();
                throw new IllegalStateException("DataLoader.next: interrupted while waiting for a batch", e);
            }
            if (o instanceof Failure f) {
                close();
                Throwable t = f.error;
                if (t instanceof RuntimeException re) {
                    throw re;
                }
                if (t instanceof Error err) {
                    throw err;
                }
                throw new RuntimeException("DataLoader: the dataset failed on the prefetch thread: " + t, t);
            }
            taken++;
            return (Batch) o;
        }

        /** Stops the prefetch thread, waits for it, and frees the batches it made ahead. Idempotent. */
        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            if (worker == null) {
                return;
            }
            worker.interrupt();
            boolean interrupted = false;
            while (true) {
                try {
                    worker.join();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            for (Object o; (o = queue.poll()) != null; ) {
                if (o instanceof Batch b) {
                    b.close();
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
