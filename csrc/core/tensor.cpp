#include "cnncore/tensor.h"

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <pthread.h>
#include <vector>

#include "cnncore/error.h"
#include "core/shape.h"
#include "core/tensor_pool.h"

namespace cnncore {
namespace {

constexpr size_t kAlign = 64;

// The storage of large outputs (core::output_tensor) is kept when freed, for the next output of
// about the same size, up to kCachedBlocks blocks and kCachedBytes in all (the oldest go first).
// glibc hands such blocks back to the system on free, and every page of the next one then faults
// in again: about 1.3 us per 4 KB page on the machine of docs/benchmarks.md, 45 us for a 1.8 MB
// output, half of a depthwise layer's time. Weights and other tensors are freed as usual, so a
// released weight's memory still goes back to the system. A forked child starts with an empty
// cache (a lock held in the parent at the fork would never be released).
constexpr size_t kMinCachedBytes = size_t{256} << 10;
constexpr size_t kCachedBytes = size_t{32} << 20;
constexpr size_t kCachedBlocks = 4;

class StorageCache {
 public:
  static StorageCache*& instance() {
    static StorageCache* c = [] {
      pthread_atfork(nullptr, nullptr, [] { instance() = new StorageCache; });  // the old one is leaked
      return new StorageCache;
    }();
    return c;
  }
  static StorageCache& get() { return *instance(); }
  // The most recently kept block (the likeliest to be in cache) of at least `bytes` and at most
  // 1/8 more (its size in *cap), or null.
  void* take(size_t bytes, size_t* cap) {
    std::lock_guard<std::mutex> lock(m_);
    size_t best = blocks_.size();
    for (size_t i = blocks_.size(); i-- > 0;)
      if (blocks_[i].bytes >= bytes && blocks_[i].bytes <= bytes + bytes / 8) {
        best = i;
        break;
      }
    if (best == blocks_.size()) return nullptr;
    void* p = blocks_[best].p;
    *cap = blocks_[best].bytes;
    total_ -= *cap;
    blocks_.erase(blocks_.begin() + static_cast<std::ptrdiff_t>(best));
    return p;
  }
  void give(void* p, size_t bytes) {
    std::vector<void*> evicted;
    {
      std::lock_guard<std::mutex> lock(m_);
      blocks_.push_back({p, bytes});
      total_ += bytes;
      while (total_ > kCachedBytes || blocks_.size() > kCachedBlocks) {
        evicted.push_back(blocks_.front().p);
        total_ -= blocks_.front().bytes;
        blocks_.erase(blocks_.begin());
      }
    }
    for (void* q : evicted) std::free(q);
  }

 private:
  struct Block {
    void* p;
    size_t bytes;
  };
  std::mutex m_;
  std::vector<Block> blocks_;  // oldest first; never destroyed, so no tensor outlives it
  size_t total_ = 0;
};

struct AlignedFree {  // the deleter of storage Tensor allocates itself (see owns_data)
  void operator()(float* q) const { std::free(q); }
};

struct CachedFree {  // the deleter of an output's storage: back to the cache
  size_t bytes;
  void operator()(void* q) const { StorageCache::get().give(q, bytes); }
};

size_t storage_bytes(int64_t numel) {
  const int64_t max_elems = static_cast<int64_t>((SIZE_MAX - kAlign) / sizeof(float));
  if (numel > max_elems) throw InvalidArgument("Tensor: " + std::to_string(numel) + " elements do not fit in memory");
  size_t bytes = static_cast<size_t>(numel) * sizeof(float);
  bytes = (bytes + kAlign - 1) / kAlign * kAlign;
  return bytes ? bytes : kAlign;
}

std::shared_ptr<float> allocate(int64_t numel, bool zero) {
  const size_t bytes = storage_bytes(numel);
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

namespace core {

Tensor output_tensor(Shape shape) {
  const int64_t numel = checked_numel(shape, "Tensor");
  const size_t bytes = storage_bytes(numel);
  if (bytes < kMinCachedBytes || bytes > kCachedBytes) return Tensor::empty(std::move(shape));
  size_t cap = bytes;
  void* p = StorageCache::get().take(bytes, &cap);
  if (!p) p = std::aligned_alloc(kAlign, bytes);
  if (!p) throw std::bad_alloc();
  return Tensor::wrap(static_cast<const float*>(p), std::move(shape), std::shared_ptr<void>(p, CachedFree{cap}));
}

}  // namespace core

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
