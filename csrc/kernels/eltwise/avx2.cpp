// AVX2 eltwise: the piecewise-linear activations with the reference's exact arithmetic, and the
// exp-based ones of transcendental.h.
#include <immintrin.h>

#include "kernels/eltwise/eltwise.h"
#include "kernels/eltwise/transcendental.h"
#include "kernels/simd/avx2.h"

namespace cnncore::kernels::avx2 {
namespace {

struct V256 {
  using T = __m256;
  using M = __m256;
  static T set1(float f) { return _mm256_set1_ps(f); }
  static T add(T a, T b) { return _mm256_add_ps(a, b); }
  static T sub(T a, T b) { return _mm256_sub_ps(a, b); }
  static T mul(T a, T b) { return _mm256_mul_ps(a, b); }
  static T div(T a, T b) { return _mm256_div_ps(a, b); }
  static T fma(T a, T b, T c) { return _mm256_fmadd_ps(a, b, c); }
  static T min(T a, T b) { return _mm256_min_ps(a, b); }
  static T max(T a, T b) { return _mm256_max_ps(a, b); }
  static T abs(T a) { return _mm256_andnot_ps(_mm256_set1_ps(-0.f), a); }
  static T neg(T a) { return _mm256_xor_ps(_mm256_set1_ps(-0.f), a); }
  static T round(T a) { return _mm256_round_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  static T exp2i(T n) {
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23));
  }
  static M lt(T a, T b) { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
  static M eq(T a, T b) { return _mm256_cmp_ps(a, b, _CMP_EQ_OQ); }
  static T select(M m, T a, T b) { return _mm256_blendv_ps(b, a, m); }
  static T copysign(T mag, T sgn) {
    const __m256 s = _mm256_set1_ps(-0.f);
    return _mm256_or_ps(_mm256_andnot_ps(s, mag), _mm256_and_ps(s, sgn));
  }
};

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
    return vsigmoid<V256>(v);
  } else if constexpr (K == Activation::silu) {
    return vsilu<V256>(v);
  } else if constexpr (K == Activation::tanh) {
    return vtanh<V256>(v);
  } else if constexpr (K == Activation::gelu_tanh) {
    return vgelu_tanh<V256>(v);
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
    default: return run<Activation::identity>(x, y, n, bias, bias_stride, p);
  }
}

}  // namespace cnncore::kernels::avx2
