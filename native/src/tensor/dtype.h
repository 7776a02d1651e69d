#pragma once
#include <cstddef>
#include <cstdint>

#include "tensor/error.h"

namespace nabla {

enum class DType : int32_t { F32 = NB_DTYPE_F32, F64 = NB_DTYPE_F64, I64 = NB_DTYPE_I64, Bool = NB_DTYPE_BOOL };

inline size_t dtype_size(DType d) {
  switch (d) {
    case DType::F32: return 4;
    case DType::F64: return 8;
    case DType::I64: return 8;
    case DType::Bool: return 1;
  }
  return 0;
}

inline bool is_floating(DType d) { return d == DType::F32 || d == DType::F64; }

// The names PyTorch prints in error messages ("torch.FloatTensor").
inline const char* dtype_tensor_name(DType d) {
  switch (d) {
    case DType::F32: return "torch.FloatTensor";
    case DType::F64: return "torch.DoubleTensor";
    case DType::I64: return "torch.LongTensor";
    case DType::Bool: return "torch.BoolTensor";
  }
  return "?";
}

inline const char* dtype_name(DType d) {
  switch (d) {
    case DType::F32: return "float32";
    case DType::F64: return "float64";
    case DType::I64: return "int64";
    case DType::Bool: return "bool";
  }
  return "?";
}

inline DType dtype_from_code(int32_t code) {
  if (code < 0 || code > 3) fail_arg("unknown dtype code " + std::to_string(code));
  return static_cast<DType>(code);
}

// Calls f with a value of the element type, for float dtypes only (the ones with kernels).
#define NB_DISPATCH_FLOAT(dtype, opname, ...)                                            \
  [&] {                                                                                  \
    switch (dtype) {                                                                     \
      case ::nabla::DType::F32: { using scalar_t = float; return __VA_ARGS__(); }        \
      case ::nabla::DType::F64: { using scalar_t = double; return __VA_ARGS__(); }       \
      default:                                                                           \
        ::nabla::fail_arg(std::string(opname) + ": not implemented for dtype " +          \
                          ::nabla::dtype_name(dtype));                                   \
    }                                                                                    \
  }()

// Float dtypes plus int64: the ones with arithmetic (bool has only logical ops).
#define NB_DISPATCH_NUMERIC(dtype, opname, ...)                                          \
  [&] {                                                                                  \
    switch (dtype) {                                                                     \
      case ::nabla::DType::F32: { using scalar_t = float; return __VA_ARGS__(); }        \
      case ::nabla::DType::F64: { using scalar_t = double; return __VA_ARGS__(); }       \
      case ::nabla::DType::I64: { using scalar_t = int64_t; return __VA_ARGS__(); }      \
      default:                                                                           \
        ::nabla::fail_arg(std::string(opname) + ": not implemented for dtype " +          \
                          ::nabla::dtype_name(dtype));                                   \
    }                                                                                    \
  }()

#define NB_DISPATCH_ALL(dtype, opname, ...)                                              \
  [&] {                                                                                  \
    switch (dtype) {                                                                     \
      case ::nabla::DType::F32: { using scalar_t = float; return __VA_ARGS__(); }        \
      case ::nabla::DType::F64: { using scalar_t = double; return __VA_ARGS__(); }       \
      case ::nabla::DType::I64: { using scalar_t = int64_t; return __VA_ARGS__(); }      \
      case ::nabla::DType::Bool: { using scalar_t = bool; return __VA_ARGS__(); }        \
    }                                                                                    \
    ::nabla::fail_arg(std::string(opname) + ": unknown dtype");                          \
  }()

}  // namespace nabla
