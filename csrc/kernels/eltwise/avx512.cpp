// AVX-512 eltwise: the piecewise-linear activations (exact same arithmetic as the reference,
// so results are bitwise equal) and the exp-based ones of transcendental.h (sigmoid, SiLU, tanh,
// tanh-GELU, ELU); GELU with erf and softplus fall through to the reference.
#include <immintrin.h>

#include "kernels/eltwise/eltwise.h"
#include "kernels/eltwise/transcendental.h"
#include "kernels/simd/avx512.h"

namespace cnncore::kernels::avx512 {
namespace {


template <Activation K>
inline __m512 act(__m512 v, __m512 a, __m512 b) {
  const __m512 zero = _mm512_setzero_ps();
  if constexpr (K == Activation::relu) {
    return _mm512_max_ps(zero, v);  // max_ps returns the 2nd operand on NaN: NaN propagates
  } else if constexpr (K == Activation::leaky_relu) {
    return _mm512_mask_mul_ps(v, _mm512_cmp_ps_mask(v, zero, _CMP_LT_OQ), v, a);
  } else if constexpr (K == Activation::clip) {
    return _mm512_min_ps(b, _mm512_max_ps(a, v));
  } else if constexpr (K == Activation::hardsigmoid) {
    const __m512 t = _mm512_add_ps(_mm512_mul_ps(a, v), b);
    return _mm512_min_ps(_mm512_set1_ps(1.f), _mm512_max_ps(zero, t));
  } else if constexpr (K == Activation::hardswish) {
    const __m512 t = _mm512_add_ps(_mm512_mul_ps(v, _mm512_set1_ps(1.f / 6.f)), _mm512_set1_ps(0.5f));
    // as the reference: 0 where t <= 0 (NLE_UQ keeps NaN lanes, which then propagate)
    return _mm512_maskz_mul_ps(_mm512_cmp_ps_mask(t, zero, _CMP_NLE_UQ), v, _mm512_min_ps(_mm512_set1_ps(1.f), t));
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
  const __m512 a = _mm512_set1_ps(p.alpha), b = _mm512_set1_ps(p.beta);
  const __m512 row_bias = _mm512_set1_ps(bias && bias_stride == 0 ? bias[0] : 0.f);
  const bool per_elem = bias && bias_stride != 0;
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m512 v = _mm512_loadu_ps(x + i);
    if (bias) v = _mm512_add_ps(v, per_elem ? _mm512_loadu_ps(bias + i) : row_bias);
    _mm512_storeu_ps(y + i, act<K>(v, a, b));
  }
  if (i < n) {
    const __mmask16 m = static_cast<__mmask16>((1u << (n - i)) - 1u);
    __m512 v = _mm512_maskz_loadu_ps(m, x + i);
    if (bias) v = _mm512_add_ps(v, per_elem ? _mm512_maskz_loadu_ps(m, bias + i) : row_bias);
    _mm512_mask_storeu_ps(y + i, m, act<K>(v, a, b));
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

}  // namespace cnncore::kernels::avx512
