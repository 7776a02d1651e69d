// Copies src (broadcast to dst's shape) into dst, converting the element type.
#pragma once
#include <algorithm>

#include "kernels/iter.h"

namespace nabla {

template <class D, class S>
inline D convert_value(S v) {
  if constexpr (std::is_same_v<D, bool>) return v != S(0);
  else return static_cast<D>(v);
}

// Note [transposed copies]: copying a transposed matrix into a contiguous one element by element
// reads one element per cache line, so a [512, 784] weight gradient (a transpose of the GEMM
// result) took longer than the GEMM. Tiles of kTile x kTile keep the source lines of a tile in
// L1 while the destination rows are written.
constexpr int64_t kTile = 32;

// The 2-D case "dst [R, C] row-major, src the transpose layout (stride 1 along R)", or false.
inline bool transposed_2d(const TensorImpl& dst, const TensorImpl& src, int64_t& rows, int64_t& cols,
                          int64_t& s_row, int64_t& s_col) {
  if (dst.shape.size() != 2 || src.shape != dst.shape || !dst.is_contiguous()) return false;
  rows = dst.shape[0];
  cols = dst.shape[1];
  s_row = src.strides[0];
  s_col = src.strides[1];
  return rows >= kTile && cols >= kTile && s_row == 1 && s_col >= rows;
}

inline void copy_into(const TensorImpl& dst, const TensorImpl& src) {
  NB_DISPATCH_ALL(dst.dtype, "copy", [&] {
    using D = scalar_t;
    NB_DISPATCH_ALL(src.dtype, "copy", [&] {
      using S = scalar_t;
      int64_t rows, cols, s_row, s_col;
      if (transposed_2d(dst, src, rows, cols, s_row, s_col)) {
        D* o = dst.data<D>();
        const S* x = src.data<S>();
        for (int64_t i0 = 0; i0 < rows; i0 += kTile)
          for (int64_t j0 = 0; j0 < cols; j0 += kTile) {
            int64_t i1 = std::min(rows, i0 + kTile), j1 = std::min(cols, j0 + kTile);
            for (int64_t i = i0; i < i1; ++i)
              for (int64_t j = j0; j < j1; ++j) o[i * cols + j] = convert_value<D>(x[i * s_row + j * s_col]);
          }
        return;
      }
      std::array<Dims, 2> s{dst.strides, broadcast_strides(src, dst.shape)};
      par_each_strided<2>(dst.shape, s, {sizeof(D), sizeof(S)}, {dst.data_ptr(), src.data_ptr()},
                          [&](char** p, const int64_t* st, int64_t n) {
                            if (st[0] == sizeof(D) && st[1] == sizeof(S)) {
                              D* o = reinterpret_cast<D*>(p[0]);
                              const S* x = reinterpret_cast<const S*>(p[1]);
                              for (int64_t i = 0; i < n; ++i) o[i] = convert_value<D>(x[i]);
                            } else {
                              for (int64_t i = 0; i < n; ++i)
                                *reinterpret_cast<D*>(p[0] + i * st[0]) =
                                    convert_value<D>(*reinterpret_cast<const S*>(p[1] + i * st[1]));
                            }
                          });
    });
  });
}

}  // namespace nabla
