// Loads a .cnnc or .onnx model, runs it on an input of the given shape filled with a fixed ramp,
// and prints the output shape and values:  run_model model.cnnc 1 1 32 32
#include <cnncore/cnncore.h>

#include <cstdio>
#include <cstdlib>
#include <string>

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s MODEL.cnnc DIM [DIM ...]\n", argv[0]);
    return 2;
  }
  try {
    const std::string path = argv[1];
    const bool onnx = path.size() > 5 && path.compare(path.size() - 5, 5, ".onnx") == 0;
    cnncore::Model model = onnx ? cnncore::Model::load_onnx(path) : cnncore::Model::load(path);
    cnncore::Shape shape;
    for (int i = 2; i < argc; ++i) shape.push_back(std::atoll(argv[i]));
    cnncore::Tensor x(shape);
    for (int64_t i = 0; i < x.numel(); ++i) x.data()[i] = static_cast<float>(i % 17) / 17.f - 0.5f;
    cnncore::Tensor y = model.run(x);
    std::printf("output %s\n", cnncore::shape_str(y.shape()).c_str());
    for (int64_t i = 0; i < y.numel(); ++i) std::printf("%.9g\n", y.data()[i]);
  } catch (const cnncore::Error& e) {
    std::fprintf(stderr, "cnncore error: %s\n", e.what());
    return 1;
  }
  return 0;
}
