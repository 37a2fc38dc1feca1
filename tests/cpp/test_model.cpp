// Model-level weight handling from C++: a fully connected weight read only through packed panels
// has its raw copy released after packing; memory the caller wrap()ped must never be touched,
// the model's own copy must come back exactly from graph(), and a weight with no data is refused.
#include <cstring>
#include <vector>

#include "check.h"
#include "cnncore/error.h"
#include "cnncore/model.h"
#include "cnncore/runtime.h"

using namespace cnncore;

namespace {

constexpr int64_t kIn = 1024, kOut = 256;  // 1 MB of weights: whole pages to release

Graph linear_graph(Tensor w) {
  Graph g;
  g.inputs = {"x"};
  g.outputs = {"y"};
  g.nodes.push_back({"y", "linear", {"x", "w"}, {"y"}, {}});
  g.weights["w"] = std::move(w);
  return g;
}

float value(int64_t i) { return static_cast<float>((i * 7919) % 1000) * 1e-3f - 0.5f; }

}  // namespace

int main() {
  CHECK(Tensor::empty({2}).owns_data());
  float outside[2] = {1.f, 2.f};
  CHECK(!Tensor::wrap(outside, {2}).owns_data());
  CHECK(!Tensor::shape_only({2}).owns_data());

  Tensor x = Tensor::empty({1, kIn});
  for (int64_t k = 0; k < kIn; ++k) x.data()[k] = value(k + 3);
  std::vector<float> want(kOut);
  for (int64_t j = 0; j < kOut; ++j) {
    double s = 0;
    for (int64_t k = 0; k < kIn; ++k) s += static_cast<double>(value(j * kIn + k)) * x.data()[k];
    want[j] = static_cast<float>(s);
  }
  auto close = [&](const Tensor& y) {
    bool ok = true;
    for (int64_t j = 0; j < kOut; ++j) ok = ok && std::abs(y.data()[j] - want[j]) <= 1e-3f;
    return ok;
  };

  // The caller's memory, wrapped: left as it is, whatever the model packs or releases.
  std::vector<float> mine(kIn * kOut), copy;
  for (int64_t i = 0; i < kIn * kOut; ++i) mine[i] = value(i);
  copy = mine;
  {
    Model m(linear_graph(Tensor::wrap(mine.data(), {kOut, kIn})));
    CHECK(close(m.run(x)));
    CHECK(close(m.run(x)));
    CHECK(std::memcmp(mine.data(), copy.data(), mine.size() * sizeof(float)) == 0);
    CHECK(std::memcmp(m.graph().weights.at("w").data(), copy.data(), mine.size() * sizeof(float)) == 0);
  }
  CHECK(std::memcmp(mine.data(), copy.data(), mine.size() * sizeof(float)) == 0);

  // The model's own copy: released once packed, rebuilt exactly on request, at every ISA cap.
  for (Isa cap : {Isa::avx512, Isa::avx2, Isa::scalar}) {
    set_max_isa(cap);
    Tensor w = Tensor::empty({kOut, kIn});
    std::memcpy(w.data(), copy.data(), copy.size() * sizeof(float));
    Model m(linear_graph(std::move(w)));
    CHECK(close(m.run(x)));
    CHECK(std::memcmp(m.graph().weights.at("w").data(), copy.data(), copy.size() * sizeof(float)) == 0);
    CHECK(close(m.run(x)));
  }
  set_max_isa(Isa::avx512);

  // A weight with a shape but no data is refused up front, not read at run time.
  CHECK_THROWS(Model(linear_graph(Tensor::shape_only({kOut, kIn}))), InvalidArgument);
  return report("test_model");
}
