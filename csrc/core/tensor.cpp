#include "cnncore/tensor.h"

#include <cstdlib>
#include <cstring>
#include <new>

#include "cnncore/error.h"
#include "core/shape.h"

namespace cnncore {
namespace {

constexpr size_t kAlign = 64;

struct AlignedFree {  // the deleter of storage Tensor allocates itself (see owns_data)
  void operator()(float* q) const { std::free(q); }
};

std::shared_ptr<float> allocate(int64_t numel, bool zero) {
  const int64_t max_elems = static_cast<int64_t>((SIZE_MAX - kAlign) / sizeof(float));
  if (numel > max_elems) throw InvalidArgument("Tensor: " + std::to_string(numel) + " elements do not fit in memory");
  size_t bytes = static_cast<size_t>(numel) * sizeof(float);
  bytes = (bytes + kAlign - 1) / kAlign * kAlign;
  if (bytes == 0) bytes = kAlign;
  void* p = std::aligned_alloc(kAlign, bytes);
  if (!p) throw std::bad_alloc();
  if (zero) std::memset(p, 0, bytes);
  return std::shared_ptr<float>(static_cast<float*>(p), AlignedFree{});
}

}  // namespace

std::string shape_str(const Shape& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

Tensor::Tensor(Shape shape) : shape_(std::move(shape)) {
  numel_ = core::checked_numel(shape_, "Tensor");
  data_ = allocate(numel_, true);
  defined_ = true;
}

Tensor Tensor::empty(Shape shape) {
  Tensor t;
  t.shape_ = std::move(shape);
  t.numel_ = core::checked_numel(t.shape_, "Tensor");
  t.data_ = allocate(t.numel_, false);
  t.defined_ = true;
  return t;
}

Tensor Tensor::wrap(float* data, Shape shape) {
  Tensor t;
  t.shape_ = std::move(shape);
  t.numel_ = core::checked_numel(t.shape_, "Tensor::wrap");
  if (!data && t.numel_ > 0) throw InvalidArgument("Tensor::wrap: null data for shape " + shape_str(t.shape_));
  t.data_ = std::shared_ptr<float>(data, [](float*) {});
  t.defined_ = true;
  return t;
}

Tensor Tensor::wrap(const float* data, Shape shape, std::shared_ptr<void> owner) {
  Tensor t = wrap(data, std::move(shape));
  t.data_ = std::shared_ptr<float>(std::move(owner), const_cast<float*>(data));
  return t;
}

bool Tensor::owns_data() const { return data_ && std::get_deleter<AlignedFree>(data_) != nullptr; }

Tensor Tensor::shape_only(Shape shape) {
  Tensor t;
  t.shape_ = std::move(shape);
  t.numel_ = core::checked_numel(t.shape_, "Tensor::shape_only");
  t.defined_ = true;
  return t;
}

int64_t Tensor::dim(int i) const {
  const int r = rank();
  if (i < -r || i >= r) throw InvalidArgument("Tensor::dim: index " + std::to_string(i) + " out of range for shape " + shape_str(shape_));
  return shape_[i < 0 ? i + r : i];
}

Tensor Tensor::reshaped(Shape shape) const {
  const int64_t n = core::checked_numel(shape, "reshape");
  if (n != numel_)
    throw InvalidArgument("reshape: cannot view shape " + shape_str(shape_) + " as " + shape_str(shape));
  Tensor t = *this;
  t.shape_ = std::move(shape);
  return t;
}

Tensor Tensor::clone() const {
  if (!defined_) return Tensor();
  if (!data_) return shape_only(shape_);
  Tensor t = empty(shape_);
  if (numel_) std::memcpy(t.data(), data(), static_cast<size_t>(numel_) * sizeof(float));
  return t;
}

}  // namespace cnncore
