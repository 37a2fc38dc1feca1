#pragma once
// The subset of ONNX's protobuf messages cnncore reads, decoded by a small bounds-checked wire
// reader (no libprotobuf). Tensor payloads are not copied here: they point into the file buffer.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cnncore/tensor.h"

namespace cnncore::io::onnx {

enum DataType : int32_t { FLOAT = 1, UINT8 = 2, INT8 = 3, UINT16 = 4, INT16 = 5, INT32 = 6, INT64 = 7, STRING = 8,
                          BOOL = 9, FLOAT16 = 10, DOUBLE = 11, UINT32 = 12, UINT64 = 13 };

struct TensorProto {
  std::string name;
  int32_t dtype = 0;
  std::vector<int64_t> dims;
  const uint8_t* raw = nullptr;  // raw_data, in the file buffer
  size_t raw_size = 0;
  std::vector<float> float_data;
  std::vector<int64_t> int_data;  // int32_data / int64_data / uint64_data
  std::vector<double> double_data;
  bool external = false;
  std::map<std::string, std::string> external_data;
};

struct AttributeProto {
  std::string name;
  int32_t type = 0;  // 1 float, 2 int, 3 string, 4 tensor, 5 graph, 6 floats, 7 ints, 8 strings
  float f = 0.f;
  int64_t i = 0;
  std::string s;
  std::shared_ptr<TensorProto> t;
  std::vector<float> floats;
  std::vector<int64_t> ints;
  std::vector<std::string> strings;
};

struct NodeProto {
  std::string name, op_type, domain;
  std::vector<std::string> inputs, outputs;
  std::vector<AttributeProto> attrs;
  const AttributeProto* attr(const std::string& n) const {
    for (const auto& a : attrs)
      if (a.name == n) return &a;
    return nullptr;
  }
};

struct ValueInfo {
  std::string name;
  int32_t elem_type = 0;
  bool has_shape = false;
  std::vector<int64_t> dims;  // -1 where the dim is symbolic or unknown
};

struct GraphProto {
  std::string name;
  std::vector<NodeProto> nodes;
  std::vector<TensorProto> initializers;
  std::vector<ValueInfo> inputs, outputs;
};

struct ModelProto {
  int64_t ir_version = 0;
  std::map<std::string, int64_t> opsets;  // domain ("" = default) -> version
  GraphProto graph;
};

/// Decodes a ModelProto; anything malformed throws ModelFormatError.
ModelProto parse_model(const uint8_t* data, size_t size);

/// Number of elements of a tensor's dims (overflow-checked; ModelFormatError on bad dims).
int64_t tensor_numel(const TensorProto& t);
/// Float tensor data (FLOAT, DOUBLE, FLOAT16) copied once into an aligned Tensor. External data
/// is read from `dir` (must stay inside it); throws ModelFormatError / Unsupported.
/// With release_source, the tensor's bytes lie in a file mapping whose pages may be dropped
/// after the copy (keeps peak memory near one copy of the weights).
Tensor float_tensor(const TensorProto& t, const std::string& dir, bool release_source = false);
/// Integer tensor data (INT64, INT32, INT16, INT8, UINT8, BOOL, UINT16, UINT32, UINT64).
std::vector<int64_t> int_tensor(const TensorProto& t, const std::string& dir);
bool is_float_type(int32_t dtype);
bool is_int_type(int32_t dtype);

}  // namespace cnncore::io::onnx
