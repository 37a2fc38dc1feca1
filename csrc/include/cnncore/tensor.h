#pragma once
/// \file tensor.h
/// A dense float32 tensor in row-major (NCHW) order, owning 64-byte-aligned memory or wrapping
/// the caller's. Copies share storage (like a shared_ptr); use clone() for a deep copy.
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

namespace cnncore {

using Shape = std::vector<int64_t>;

/// "[1, 3, 224, 224]"
std::string shape_str(const Shape& shape);

class Tensor {
 public:
  /// An undefined tensor (defined() == false), used e.g. for "no bias".
  Tensor() = default;
  /// Allocates a zero-filled tensor. Throws InvalidArgument on negative dims or an element
  /// count that overflows int64 or the address space.
  explicit Tensor(Shape shape);
  Tensor(std::initializer_list<int64_t> shape) : Tensor(Shape(shape)) {}
  /// Allocates without zero-filling (for outputs that every element is written to).
  static Tensor empty(Shape shape);
  /// Wraps caller memory without copying; the caller keeps it alive and C-contiguous.
  static Tensor wrap(float* data, Shape shape);
  static Tensor wrap(const float* data, Shape shape) { return wrap(const_cast<float*>(data), std::move(shape)); }
  /// Wraps memory kept alive by `owner` (e.g. a memory-mapped file) for as long as the tensor lives.
  static Tensor wrap(const float* data, Shape shape, std::shared_ptr<void> owner);
  /// A shape with no storage (data() is null): how a Model marks a weight whose raw copy it has
  /// released because its kernels read only a packed copy (Model::graph() rebuilds it).
  static Tensor shape_only(Shape shape);

  bool defined() const { return defined_; }
  const Shape& shape() const { return shape_; }
  int rank() const { return static_cast<int>(shape_.size()); }
  /// Size of dimension i; negative i counts from the end.
  int64_t dim(int i) const;
  int64_t numel() const { return numel_; }
  float* data() { return data_.get(); }
  const float* data() const { return data_.get(); }
  /// Shares the storage of this tensor (keeps it alive).
  std::shared_ptr<float> storage() const { return data_; }
  /// True when the storage was allocated by Tensor itself (constructor, empty(), clone()), false
  /// for wrap()ped memory and shape_only().
  bool owns_data() const;
  /// Same storage, new shape with the same element count.
  Tensor reshaped(Shape shape) const;
  Tensor clone() const;

 private:
  std::shared_ptr<float> data_;
  Shape shape_;
  int64_t numel_ = 0;
  bool defined_ = false;
};

}  // namespace cnncore
