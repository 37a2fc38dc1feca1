// The public C++ functional API on small hand-checked cases.
#include <cmath>

#include "check.h"
#include "cnncore/cnncore.h"

using namespace cnncore;

int main() {
  // 1x1x3x3 input 1..9, 2x2 ones kernel -> sums of each 2x2 window
  Tensor x({1, 1, 3, 3});
  for (int i = 0; i < 9; ++i) x.data()[i] = float(i + 1);
  Tensor w({1, 1, 2, 2});
  for (int i = 0; i < 4; ++i) w.data()[i] = 1.f;
  Tensor b({1});
  b.data()[0] = 0.5f;
  Tensor y = functional::conv2d(x, w, b, Conv2dOptions{});
  CHECK(y.shape() == Shape({1, 1, 2, 2}));
  CHECK(y.data()[0] == 12.5f && y.data()[1] == 16.5f && y.data()[2] == 24.5f && y.data()[3] == 28.5f);

  Conv2dOptions same;
  same.pad_mode = PadMode::same_upper;
  CHECK(functional::conv2d(x, w, Tensor(), same).shape() == Shape({1, 1, 3, 3}));

  Pool2dOptions po;
  po.kernel = {2, 2};
  po.stride = {1, 1};
  Tensor m = functional::max_pool2d(x, po);
  CHECK(m.data()[0] == 5.f && m.data()[3] == 9.f);
  Tensor a = functional::avg_pool2d(x, po);
  CHECK(a.data()[0] == 3.f);

  Tensor r = functional::activation(functional::binary(x, Tensor::wrap(b.data(), {1}), BinaryOp::sub),
                                    {Activation::clip, 2.f, 4.f});
  CHECK(r.data()[0] == 2.f && r.data()[4] == 4.f && r.data()[3] == 3.5f);

  Tensor s = functional::softmax(x.reshaped({1, 9}), -1);
  float sum = 0.f;
  for (int i = 0; i < 9; ++i) sum += s.data()[i];
  CHECK(std::fabs(sum - 1.f) < 1e-6f);

  Tensor fc = functional::linear(x.reshaped({1, 9}), Tensor({4, 9}), Tensor());
  CHECK(fc.shape() == Shape({1, 4}) && fc.data()[0] == 0.f);

  CHECK_THROWS(functional::conv2d(x, Tensor({1, 2, 2, 2}), Tensor(), Conv2dOptions{}), InvalidArgument);
  CHECK_THROWS(functional::conv2d(x, Tensor(), Tensor(), Conv2dOptions{}), InvalidArgument);
  CHECK_THROWS(functional::concat({}, 0), InvalidArgument);
  float buf[6] = {1, 2, 3, 4, 5, 6};
  Tensor v = Tensor::wrap(buf, {2, 3});
  CHECK(v.data() == buf && functional::flatten(v, 0, -1).shape() == Shape({6}));
  return report("test_functional");
}
