// LeNet-5 forward pass through the cnncore C++ functional API, with fixed pseudo-random weights.
// Prints each layer's output shape and the final scores.
#include <cnncore/cnncore.h>

#include <cstdio>
#include <cstdint>

using namespace cnncore;

namespace {

uint32_t g_state = 12345;
float next_weight(float scale) {  // deterministic xorshift, uniform in [-scale, scale)
  g_state ^= g_state << 13;
  g_state ^= g_state >> 17;
  g_state ^= g_state << 5;
  return scale * (static_cast<float>(g_state) / 2147483648.f - 1.f);
}

Tensor filled(Shape shape, float scale) {
  Tensor t(std::move(shape));
  for (int64_t i = 0; i < t.numel(); ++i) t.data()[i] = next_weight(scale);
  return t;
}

void show(const char* name, const Tensor& t) { std::printf("%-6s %s\n", name, shape_str(t.shape()).c_str()); }

}  // namespace

int main() {
  try {
    const int batch = 2;
    Tensor x = filled({batch, 1, 32, 32}, 1.f);
    Pool2dOptions pool;
    pool.kernel = {2, 2};
    pool.stride = {2, 2};
    const ActivationSpec relu{Activation::relu};

    Tensor h = functional::activation(functional::conv2d(x, filled({6, 1, 5, 5}, 0.2f), filled({6}, 0.1f), {}), relu);
    show("conv1", h);
    h = functional::max_pool2d(h, pool);
    show("pool1", h);
    h = functional::activation(functional::conv2d(h, filled({16, 6, 5, 5}, 0.08f), filled({16}, 0.1f), {}), relu);
    show("conv2", h);
    h = functional::max_pool2d(h, pool);
    show("pool2", h);
    h = functional::flatten(h, 1, -1);
    h = functional::activation(functional::linear(h, filled({120, 400}, 0.05f), filled({120}, 0.05f)), relu);
    h = functional::activation(functional::linear(h, filled({84, 120}, 0.09f), filled({84}, 0.05f)), relu);
    Tensor y = functional::softmax(functional::linear(h, filled({10, 84}, 0.1f), filled({10}, 0.05f)), -1);
    show("output", y);
    for (int n = 0; n < batch; ++n) {
      int best = 0;
      for (int k = 1; k < 10; ++k)
        if (y.data()[n * 10 + k] > y.data()[n * 10 + best]) best = k;
      std::printf("image %d: class %d (p=%.3f)\n", n, best, y.data()[n * 10 + best]);
    }
  } catch (const cnncore::Error& e) {
    std::fprintf(stderr, "cnncore error: %s\n", e.what());
    return 1;
  }
  return 0;
}
