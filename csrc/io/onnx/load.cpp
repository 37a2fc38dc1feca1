// ONNX entry points: map the file (weights are then copied exactly once, into aligned tensors).
#include <limits.h>
#include <stdlib.h>

#include "cnncore/error.h"
#include "cnncore/model.h"
#include "io/mapped_file.h"

namespace cnncore::io {
namespace onnx {
Model import_model(const uint8_t* data, size_t size, const std::string& dir, bool from_mapping);
}

Model load_onnx_file(const std::string& path) {
  auto map = map_file(path);
  if (map->size == 0) throw ModelFormatError("onnx: '" + path + "' is empty");
  char real[PATH_MAX];
  if (!realpath(path.c_str(), real)) throw IoError("cannot resolve '" + path + "'");
  std::string dir(real);
  dir = dir.substr(0, dir.find_last_of('/'));
  if (dir.empty()) dir = "/";
  return onnx::import_model(map->data, map->size, dir, true);
}

Model load_onnx_bytes(const void* data, size_t size) {
  if (size == 0) throw ModelFormatError("onnx: empty model");
  return onnx::import_model(static_cast<const uint8_t*>(data), size, "", false);
}

}  // namespace cnncore::io
