// Turns every C++ exception into an error code plus a thread-local message, so nothing throws
// across the JNI boundary. Each API entry point wraps its body in guarded(...).
#pragma once

#include <c10/util/Exception.h>

#include <exception>
#include <new>
#include <string>

namespace ekt {

void set_last_error(std::string message);
void clear_last_error();

template <class F>
int guarded(F&& body) {
  try {
    body();
    clear_last_error();
    return 0;
  } catch (const c10::OutOfMemoryError& e) {  // a device allocation failed; nothing was written
    set_last_error(std::string("out of device memory: lower the sampler's batch (max_batch, memory_budget_mb), the "
                               "trainer's micro-batch, or the dtype (bfloat16); finished parts stay on disk (") +
                   e.what_without_backtrace() + ")");
  } catch (const c10::Error& e) {
    set_last_error(e.what_without_backtrace());
  } catch (const std::bad_alloc&) {
    set_last_error("out of memory");
  } catch (const std::exception& e) {
    set_last_error(e.what());
  } catch (...) {
    set_last_error("unknown native error");
  }
  return -1;
}

}  // namespace ekt
