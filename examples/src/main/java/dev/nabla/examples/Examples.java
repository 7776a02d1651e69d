package dev.nabla.examples;

import java.util.Arrays;
import java.util.Map;
import java.util.function.Consumer;

/** Runs an example by name: {@code Examples tutorial [args]}, as {@code ./nabla example tutorial} does. */
public final class Examples {
    private static final Map<String, Consumer<String[]>> EXAMPLES = Map.of(
            "tutorial", Tutorial::main,
            "fashion-mnist-mlp", args -> run(FashionMnistMlp::main, args),
            "fashion-mnist-cnn", args -> run(FashionMnistCnn::main, args));

    /** An example main that may throw an I/O error. */
    private interface Main {
        void main(String[] args) throws java.io.IOException;
    }

    private static void run(Main main, String[] args) {
        try {
            main.main(args);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private Examples() {}

    public static void main(String[] args) {
        String name = args.length > 0 && !args[0].isBlank() ? args[0].trim() : "tutorial";
        Consumer<String[]> example = EXAMPLES.get(name);
        if (example == null) {
            System.err.println("unknown example '" + name + "'; known: " + EXAMPLES.keySet());
            System.exit(2);
        }
        String[] rest = Arrays.stream(args, Math.min(1, args.length), args.length)
                .flatMap(a -> Arrays.stream(a.trim().split("\\s+")))
                .filter(a -> !a.isEmpty())
                .toArray(String[]::new);
        example.accept(rest);
    }
}
