// Scalar reference depthwise plane: the definition in dwconv.h, written as loops.
#include "kernels/dwconv/dwconv.h"

namespace cnncore::kernels::ref {

bool dwconv_supports(const DwParams&) { return true; }
extern const DwBlockedFn dwconv_blocked = nullptr;
extern const DwDirectFn dwconv_direct = nullptr;
extern const int dwconv_lanes = 1;

void dwconv_plane(const DwParams& p, const float* xp, const float* w, float bias, DwAct act, float* y) {
  for (int64_t oy = 0; oy < p.OH; ++oy)
    for (int64_t ox = 0; ox < p.OW; ++ox) {
      float s = 0.f;
      for (int64_t ky = 0; ky < p.kh; ++ky)
        for (int64_t kx = 0; kx < p.kw; ++kx)
          s += w[ky * p.kw + kx] * xp[(oy * p.sh + ky * p.dh) * p.ldx + ox * p.sw + kx * p.dw];
      float v = s + bias;
      if (act.kind == DwAct::relu) v = 0.f > v ? 0.f : v;  // max(0, v): NaN propagates
      if (act.kind == DwAct::clip) {
        v = act.lo > v ? act.lo : v;
        v = act.hi < v ? act.hi : v;
      }
      y[oy * p.OW + ox] = v;
    }
}

}  // namespace cnncore::kernels::ref
