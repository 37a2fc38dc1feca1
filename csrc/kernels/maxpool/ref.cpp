// Scalar reference of the padded-plane max pooling (the definition in maxpool.h).
#include <cmath>
#include <limits>

#include "kernels/maxpool/maxpool.h"

namespace cnncore::kernels::ref {

bool maxpool_supports(const DwParams&) { return true; }

void maxpool_plane(const DwParams& p, const float* xp, float* y) {
  for (int64_t oy = 0; oy < p.OH; ++oy)
    for (int64_t ox = 0; ox < p.OW; ++ox) {
      float m = -std::numeric_limits<float>::infinity();
      for (int64_t ky = 0; ky < p.kh; ++ky)
        for (int64_t kx = 0; kx < p.kw; ++kx) {
          const float v = xp[(oy * p.sh + ky * p.dh) * p.ldx + ox * p.sw + kx * p.dw];
          if (v > m || std::isnan(v)) m = v;
          if (std::isnan(m)) break;
        }
      y[oy * p.OW + ox] = m;
    }
}

}  // namespace cnncore::kernels::ref
