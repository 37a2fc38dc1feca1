// Shape arithmetic: the lecture's (W - F + 2P)/S + 1, dilation, ceil mode, auto padding, overflow;
// tensor storage (alignment, reuse of freed large output blocks).
#include <cstdint>
#include <limits>

#include "check.h"
#include "cnncore/error.h"
#include "core/shape.h"
#include "core/tensor_pool.h"

using namespace cnncore;
using core::WindowAxis;

static int64_t out(int64_t in, int64_t k, int64_t s, int64_t p, int64_t d = 1, bool ceil = false) {
  WindowAxis a{in, k, s, d, p, p, ceil};
  return core::window_out_size(a, "test", "W");
}

int main() {
  CHECK(out(32, 5, 1, 0) == 28);    // 32x32 image, 5x5 filter -> 28x28
  CHECK(out(227, 11, 4, 0) == 55);  // AlexNet conv1
  CHECK(out(55, 3, 2, 0) == 27);    // AlexNet pool1
  CHECK(out(7, 3, 1, 0) == 5 && out(7, 3, 2, 0) == 3);
  CHECK(out(224, 3, 1, 1) == 224);
  CHECK(out(8, 3, 1, 0, 2) == 4);  // dilation 2: extent 5
  CHECK(out(6, 3, 2, 0, 1, false) == 2 && out(6, 3, 2, 0, 1, true) == 3);
  CHECK(out(5, 2, 2, 1, 1, true) == 3);  // last window would start in the right padding: dropped
  CHECK(out(1, 1, 1, 0) == 1);

  WindowAxis a{10, 3, 2, 1, 0, 0, false};
  core::resolve_pads(a, PadMode::same_upper);  // out 5, total pad 1 -> 0 / 1
  CHECK(a.pad_begin == 0 && a.pad_end == 1 && core::window_out_size(a, "t", "W") == 5);
  core::resolve_pads(a, PadMode::same_lower);
  CHECK(a.pad_begin == 1 && a.pad_end == 0);
  core::resolve_pads(a, PadMode::valid);
  CHECK(a.pad_begin == 0 && a.pad_end == 0);

  CHECK_THROWS(out(4, 5, 1, 0), InvalidArgument);   // kernel larger than input
  CHECK_THROWS(out(4, 3, 0, 0), InvalidArgument);   // stride 0
  CHECK_THROWS(out(4, 3, 1, -1), InvalidArgument);  // negative pad
  CHECK_THROWS(out(4, 3, 1, 0, 0), InvalidArgument);
  CHECK_THROWS(out(4, 0, 1, 0), InvalidArgument);
  CHECK_THROWS(out(0, 1, 1, 0), InvalidArgument);
  const int64_t big = std::numeric_limits<int64_t>::max();
  CHECK_THROWS(out(big, 1, 1, 0), InvalidArgument);
  CHECK_THROWS(out(10, 3, 1, 0, big / 2), InvalidArgument);

  CHECK(core::checked_mul(1 << 20, 1 << 20, "t") == (int64_t(1) << 40));
  CHECK_THROWS(core::checked_mul(int64_t(1) << 32, int64_t(1) << 32, "t"), InvalidArgument);
  CHECK_THROWS(core::checked_add(big, 1, "t"), InvalidArgument);
  CHECK_THROWS(core::checked_numel({1 << 30, 1 << 30, 1 << 30}, "t"), InvalidArgument);
  CHECK_THROWS(core::checked_numel({2, -1}, "t"), InvalidArgument);
  CHECK(core::checked_numel({}, "t") == 1 && core::checked_numel({3, 0, 5}, "t") == 0);
  CHECK(core::normalize_axis(-1, 4, "t") == 3);
  CHECK_THROWS(core::normalize_axis(4, 4, "t"), InvalidArgument);

  CHECK_THROWS(Tensor({int64_t(1) << 40, int64_t(1) << 40}), InvalidArgument);
  CHECK_THROWS(Tensor({-2, 3}), InvalidArgument);
  Tensor t({2, 3});
  CHECK(t.numel() == 6 && t.rank() == 2 && t.dim(-1) == 3 && t.data()[5] == 0.f);
  CHECK(reinterpret_cast<uintptr_t>(t.data()) % 64 == 0);
  CHECK_THROWS(t.reshaped({4, 2}), InvalidArgument);
  CHECK(t.reshaped({3, 2}).data() == t.data());

  // A freed large output's storage is kept for the next output of about its size (no page
  // faults): reused, aligned, never by a smaller or much larger output, nor while still in use,
  // and never by a plain tensor (weights free their memory as usual).
  const float* kept = nullptr;
  {
    Tensor big = core::output_tensor({1, 144, 56, 56});
    for (int64_t i = 0; i < big.numel(); ++i) big.data()[i] = 1.f;
    kept = big.data();
    CHECK(!big.owns_data());
  }
  {
    Tensor plain = Tensor::empty({1, 144, 56, 56});
    CHECK(plain.data() != kept && plain.owns_data());
    Tensor again = core::output_tensor({1, 144, 56, 56});
    CHECK(again.data() == kept && reinterpret_cast<uintptr_t>(again.data()) % 64 == 0);
    CHECK(again.numel() == 144 * 56 * 56 && again.dim(3) == 56);
    Tensor other = core::output_tensor({1, 144, 56, 56});  // the kept block is in use
    CHECK(other.data() != again.data());
  }
  {
    Tensor small = core::output_tensor({1, 144, 28, 28});  // a quarter of the size: not the kept block
    Tensor large = core::output_tensor({1, 144, 112, 112});
    CHECK(small.data() != kept && large.data() != kept);
  }
  return report("test_shape");
}
