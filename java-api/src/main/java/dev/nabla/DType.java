package dev.nabla;

import dev.nabla.bindings.global.nabla;

/** Element types, as in PyTorch. Only {@link #FLOAT32} and {@link #FLOAT64} take part in autograd. */
public enum DType {
    /** {@code torch.float32}, the default. */
    FLOAT32(nabla.NB_DTYPE_F32, 4, "torch.float32"),
    /** {@code torch.float64}. */
    FLOAT64(nabla.NB_DTYPE_F64, 8, "torch.float64"),
    /** {@code torch.int64}. */
    INT64(nabla.NB_DTYPE_I64, 8, "torch.int64"),
    /** {@code torch.bool}, one byte per element. */
    BOOL(nabla.NB_DTYPE_BOOL, 1, "torch.bool");

    private static final DType[] BY_CODE = values();

    private final int code;
    private final int byteSize;
    private final String torchName;

    DType(int code, int byteSize, String torchName) {
        this.code = code;
        this.byteSize = byteSize;
        this.torchName = torchName;
    }

    /** The native code ({@code NB_DTYPE_*}). */
    public int code() {
        return code;
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }

    /** True for the floating-point types. */
    public boolean isFloatingPoint() {
        return this == FLOAT32 || this == FLOAT64;
    }

    /** The name PyTorch prints, e.g. {@code torch.float64}. */
    public String torchName() {
        return torchName;
    }

    static DType of(int code) {
        if (code < 0 || code >= BY_CODE.length || BY_CODE[code].code != code) {
            throw new NablaException(nabla.NB_ERR_INTERNAL, "unknown native dtype code " + code);
        }
        return BY_CODE[code];
    }
}
