// Copies src (broadcast to dst's shape) into dst, converting the element type.
#pragma once
#include "kernels/iter.h"

namespace nabla {

template <class D, class S>
inline D convert_value(S v) {
  if constexpr (std::is_same_v<D, bool>) return v != S(0);
  else return static_cast<D>(v);
}

inline void copy_into(const TensorImpl& dst, const TensorImpl& src) {
  NB_DISPATCH_ALL(dst.dtype, "copy", [&] {
    using D = scalar_t;
    NB_DISPATCH_ALL(src.dtype, "copy", [&] {
      using S = scalar_t;
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
