#pragma once
// The one way ops run work in parallel. Work [0, n) is cut into contiguous chunks (about four per
// thread) handed out dynamically; every index is computed the same way whichever chunk it falls
// in, so results are bitwise identical for any thread count or schedule. Kernels never call
// this: ops hand each kernel a tile.
#include <cstdint>
#include <utility>

namespace cnncore::core {

using RangeFn = void (*)(void* ctx, int64_t begin, int64_t end);
void parallel_for_impl(int64_t n, int64_t min_chunk, RangeFn fn, void* ctx);

/// Calls fn(begin, end) over disjoint chunks covering [0, n). min_chunk keeps tiny amounts of
/// work on one thread (a chunk is never smaller than it, except the whole range).
template <class F>
void parallel_for(int64_t n, int64_t min_chunk, F&& fn) {
  if (n <= 0) return;
  auto thunk = [](void* ctx, int64_t b, int64_t e) { (*static_cast<F*>(ctx))(b, e); };
  parallel_for_impl(n, min_chunk, thunk, const_cast<void*>(static_cast<const void*>(&fn)));
}

}  // namespace cnncore::core
