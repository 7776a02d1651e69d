package dev.nabla.optim;

import dev.nabla.DType;
import dev.nabla.Tensor;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.Map;

/**
 * Options records to and from state-dict entries: each record component becomes
 * {@code prefix + snake_case(name)} ({@code weightDecay} gives {@code weight_decay}, as in PyTorch's
 * param_groups), a double as a 0-d float64 tensor, a boolean as a 0-d bool tensor. Options that are not
 * a record are saved as their {@code lr} alone.
 */
final class OptionsCodec {
    private OptionsCodec() {}

    static void write(OptimizerOptions<?> options, String prefix, Map<String, Tensor> out) {
        Class<?> c = options.getClass();
        if (!c.isRecord()) {
            out.put(prefix + "lr", Tensor.full(options.lr(), DType.FLOAT64));
            return;
        }
        for (RecordComponent rc : c.getRecordComponents()) {
            Object v = get(rc, options);
            String key = prefix + snake(rc.getName());
            if (v instanceof Boolean b) {
                out.put(key, Tensor.full(b ? 1 : 0, DType.BOOL));
            } else if (v instanceof Number n) {
                out.put(key, Tensor.full(n.doubleValue(), DType.FLOAT64));
            } else {
                throw new IllegalStateException("stateDict: option " + rc.getName() + " of " + c.getSimpleName()
                        + " is neither a number nor a flag");
            }
        }
    }

    /**
     * The options that {@code saved} (the group's entries, "params" and "initial_lr" already taken out)
     * holds, of {@code current}'s type. Every component must be present and nothing else.
     */
    @SuppressWarnings("unchecked")
    static <O extends OptimizerOptions<O>> O read(O current, String prefix, Map<String, Tensor> saved, String who) {
        Class<?> c = current.getClass();
        if (!c.isRecord()) {
            Tensor lr = saved.remove("lr");
            if (lr == null) {
                throw new IllegalArgumentException(who + "missing key '" + prefix + "lr'");
            }
            checkEmpty(saved, prefix, who);
            return current.lr(Optimizer.number(who, prefix + "lr", lr));
        }
        RecordComponent[] rcs = c.getRecordComponents();
        Object[] args = new Object[rcs.length];
        Class<?>[] types = new Class<?>[rcs.length];
        for (int i = 0; i < rcs.length; i++) {
            String key = snake(rcs[i].getName());
            Tensor t = saved.remove(key);
            if (t == null) {
                throw new IllegalArgumentException(who + "missing key '" + prefix + key + "'");
            }
            double v = Optimizer.number(who, prefix + key, t);
            Class<?> type = rcs[i].getType();
            types[i] = type;
            if (type == boolean.class) {
                args[i] = v != 0;
            } else if (type == double.class) {
                args[i] = v;
            } else if (type == float.class) {
                args[i] = (float) v;
            } else if (type == long.class) {
                args[i] = (long) v;
            } else if (type == int.class) {
                args[i] = (int) v;
            } else {
                throw new IllegalStateException("loadStateDict: option " + rcs[i].getName() + " of "
                        + c.getSimpleName() + " is neither a number nor a flag");
            }
        }
        checkEmpty(saved, prefix, who);
        try {
            Constructor<?> k = c.getDeclaredConstructor(types);
            return (O) k.newInstance(args);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("loadStateDict: cannot make a " + c.getName() + ": " + e, e);
        }
    }

    private static void checkEmpty(Map<String, Tensor> saved, String prefix, String who) {
        if (!saved.isEmpty()) {
            throw new IllegalArgumentException(who + "unexpected key '" + prefix + saved.keySet().iterator().next()
                    + "' (not an option of this optimizer)");
        }
    }

    private static Object get(RecordComponent rc, Object record) {
        try {
            return rc.getAccessor().invoke(record);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("stateDict: cannot read option " + rc.getName() + ": " + e, e);
        }
    }

    /** {@code weightDecay} to {@code weight_decay}. */
    static String snake(String name) {
        StringBuilder b = new StringBuilder(name.length() + 4);
        for (int i = 0; i < name.length(); i++) {
            char ch = name.charAt(i);
            if (Character.isUpperCase(ch)) {
                b.append('_').append(Character.toLowerCase(ch));
            } else {
                b.append(ch);
            }
        }
        return b.toString();
    }
}
