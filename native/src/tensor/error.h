// Internal errors. They may be thrown anywhere below the C ABI and are turned into an nb_status
// in capi.cpp; nothing throws past it.
#pragma once
#include <stdexcept>
#include <string>

#include "nabla.h"

namespace nabla {

class Error : public std::runtime_error {
 public:
  Error(int code, const std::string& msg) : std::runtime_error(msg), code_(code) {}
  int code() const { return code_; }

 private:
  int code_;
};

[[noreturn]] inline void fail_shape(const std::string& msg) { throw Error(NB_ERR_SHAPE, msg); }
[[noreturn]] inline void fail_arg(const std::string& msg) { throw Error(NB_ERR_ARGUMENT, msg); }
[[noreturn]] inline void fail_state(const std::string& msg) { throw Error(NB_ERR_STATE, msg); }

}  // namespace nabla
