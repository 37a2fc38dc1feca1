// AVX2 eltwise: the piecewise-linear activations with the reference's exact arithmetic, and the
// exp-based ones of transcendental.h.
#include <immintrin.h>

#include "kernels/eltwise/eltwise.h"
#include "kernels/eltwise/transcendental.h"
#include "kernels/simd/avx2.h"

namespace cnncore::kernels::avx2 {
namespace {


template <Activation K>
inline __m256 act(__m256 v, __m256 a, __m256 b) {
  const __m256 zero = _mm256_setzero_ps();
  if constexpr (K == Activation::relu) {
    return _mm256_max_ps(zero, v);
  } else if constexpr (K == Activation::leaky_relu) {
    return _mm256_blendv_ps(v, _mm256_mul_ps(v, a), _mm256_cmp_ps(v, zero, _CMP_LT_OQ));
  } else if constexpr (K == Activation::clip) {
    return _mm256_min_ps(b, _mm256_max_ps(a, v));
  } else if constexpr (K == Activation::hardsigmoid) {
    const __m256 t = _mm256_add_ps(_mm256_mul_ps(a, v), b);
    return _mm256_min_ps(_mm256_set1_ps(1.f), _mm256_max_ps(zero, t));
  } else if constexpr (K == Activation::hardswish) {
    const __m256 t = _mm256_add_ps(_mm256_mul_ps(v, _mm256_set1_ps(1.f / 6.f)), _mm256_set1_ps(0.5f));
    // as the reference: 0 where t <= 0 (NLE_UQ keeps NaN lanes, which then propagate)
    const __m256 keep = _mm256_cmp_ps(t, zero, _CMP_NLE_UQ);
    return _mm256_and_ps(keep, _mm256_mul_ps(v, _mm256_min_ps(_mm256_set1_ps(1.f), t)));
  } else if constexpr (K == Activation::sigmoid) {
    return vsigmoid<VecF>(v);
  } else if constexpr (K == Activation::silu) {
    return vsilu<VecF>(v);
  } else if constexpr (K == Activation::tanh) {
    return vtanh<VecF>(v);
  } else if constexpr (K == Activation::gelu_tanh) {
    return vgelu_tanh<VecF>(v);
  } else if constexpr (K == Activation::elu) {
    return velu<VecF>(v, a, b);
  } else {
    return v;
  }
}


template <Activation K>
void run(const float* x, float* y, int64_t n, const float* bias, int64_t bias_stride, const ActivationSpec& p) {
  const __m256 a = _mm256_set1_ps(p.alpha), b = _mm256_set1_ps(p.beta);
  const __m256 row_bias = _mm256_set1_ps(bias && bias_stride == 0 ? bias[0] : 0.f);
  const bool per_elem = bias && bias_stride != 0;
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256 v = _mm256_loadu_ps(x + i);
    if (bias) v = _mm256_add_ps(v, per_elem ? _mm256_loadu_ps(bias + i) : row_bias);
    _mm256_storeu_ps(y + i, act<K>(v, a, b));
  }
  if (i < n) {
    const __m256i m = tail_mask(n - i);
    __m256 v = _mm256_maskload_ps(x + i, m);
    if (bias) v = _mm256_add_ps(v, per_elem ? _mm256_maskload_ps(bias + i, m) : row_bias);
    _mm256_maskstore_ps(y + i, m, act<K>(v, a, b));
  }
}

}  // namespace

bool bias_act_supports(Activation k) { return is_piecewise_linear(k) || is_exp_based(k); }

void bias_act(const float* x, float* y, int64_t n, const float* bias, int64_t bias_stride, const ActivationSpec& p) {
  switch (p.kind) {
    case Activation::relu: return run<Activation::relu>(x, y, n, bias, bias_stride, p);
    case Activation::leaky_relu: return run<Activation::leaky_relu>(x, y, n, bias, bias_stride, p);
    case Activation::clip: return run<Activation::clip>(x, y, n, bias, bias_stride, p);
    case Activation::hardsigmoid: return run<Activation::hardsigmoid>(x, y, n, bias, bias_stride, p);
    case Activation::hardswish: return run<Activation::hardswish>(x, y, n, bias, bias_stride, p);
    case Activation::sigmoid: return run<Activation::sigmoid>(x, y, n, bias, bias_stride, p);
    case Activation::silu: return run<Activation::silu>(x, y, n, bias, bias_stride, p);
    case Activation::tanh: return run<Activation::tanh>(x, y, n, bias, bias_stride, p);
    case Activation::gelu_tanh: return run<Activation::gelu_tanh>(x, y, n, bias, bias_stride, p);
    case Activation::elu: return run<Activation::elu>(x, y, n, bias, bias_stride, p);
    default: return run<Activation::identity>(x, y, n, bias, bias_stride, p);
  }
}

}  // namespace cnncore::kernels::avx2
