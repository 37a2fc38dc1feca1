// Protobuf wire decoding of the ONNX messages in proto.h. Every length, count and offset is
// checked against the bytes that remain before use.
#include "io/onnx/proto.h"

#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "cnncore/error.h"
#include "core/shape.h"
#include "io/mapped_file.h"

namespace cnncore::io::onnx {
namespace {

[[noreturn]] void bad(const std::string& what) { throw ModelFormatError("onnx: " + what); }

constexpr int kMaxRank = 16;

struct Field {
  uint32_t num = 0;
  int wire = 0;
  uint64_t v = 0;
  const uint8_t* p = nullptr;
  size_t n = 0;
};

class Reader {
 public:
  Reader(const uint8_t* p, size_t n, const char* what) : p_(p), n_(n), what_(what) {}
  Reader(const Field& f, const char* what) : Reader(f.p, f.n, what) {}

  bool next(Field& f) {
    if (pos_ >= n_) return false;
    const uint64_t key = varint();
    f.num = static_cast<uint32_t>(key >> 3);
    f.wire = static_cast<int>(key & 7);
    if (f.num == 0) bad(std::string(what_) + ": field number 0");
    switch (f.wire) {
      case 0: f.v = varint(); break;
      case 1: need(8); std::memcpy(&f.v, p_ + pos_, 8); pos_ += 8; break;
      case 5: {
        need(4);
        uint32_t v;
        std::memcpy(&v, p_ + pos_, 4);
        f.v = v;
        pos_ += 4;
        break;
      }
      case 2: {
        const uint64_t len = varint();
        if (len > n_ - pos_) bad(std::string(what_) + ": a field of " + std::to_string(len) + " bytes overruns the message");
        f.p = p_ + pos_;
        f.n = static_cast<size_t>(len);
        pos_ += f.n;
        break;
      }
      default: bad(std::string(what_) + ": unsupported wire type " + std::to_string(f.wire));
    }
    return true;
  }

 private:
  void need(size_t k) {
    if (k > n_ - pos_) bad(std::string(what_) + " is truncated");
  }
  uint64_t varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      need(1);
      const uint8_t b = p_[pos_++];
      v |= static_cast<uint64_t>(b & 0x7F) << shift;
      if (!(b & 0x80)) return v;
    }
    bad(std::string(what_) + ": varint longer than 10 bytes");
  }
  const uint8_t* p_;
  size_t n_, pos_ = 0;
  const char* what_;
};

std::string str(const Field& f) {
  if (f.wire != 2) bad("expected a string field");
  return std::string(reinterpret_cast<const char*>(f.p), f.n);
}

int64_t as_int(const Field& f) {
  if (f.wire != 0) bad("expected a varint field");
  return static_cast<int64_t>(f.v);
}

// Repeated scalars arrive packed (one length-delimited field) or one per field.
void ints(const Field& f, std::vector<int64_t>& out) {
  if (f.wire == 0) {
    out.push_back(static_cast<int64_t>(f.v));
  } else if (f.wire == 2) {  // packed: consecutive varints without keys
    size_t pos = 0;
    while (pos < f.n) {
      uint64_t v = 0;
      int shift = 0;
      for (;; shift += 7) {
        if (pos >= f.n || shift >= 64) bad("bad packed varint");
        const uint8_t b = f.p[pos++];
        v |= static_cast<uint64_t>(b & 0x7F) << shift;
        if (!(b & 0x80)) break;
      }
      out.push_back(static_cast<int64_t>(v));
    }
  } else {
    bad("expected ints");
  }
}

void floats(const Field& f, std::vector<float>& out) {
  if (f.wire == 5) {
    float v;
    const uint32_t u = static_cast<uint32_t>(f.v);
    std::memcpy(&v, &u, 4);
    out.push_back(v);
  } else if (f.wire == 2) {
    if (f.n % 4) bad("packed floats of a length not divisible by 4");
    const size_t k = f.n / 4, base = out.size();
    out.resize(base + k);
    if (k) std::memcpy(out.data() + base, f.p, f.n);
  } else {
    bad("expected floats");
  }
}

void doubles(const Field& f, std::vector<double>& out) {
  if (f.wire == 1) {
    double v;
    std::memcpy(&v, &f.v, 8);
    out.push_back(v);
  } else if (f.wire == 2) {
    if (f.n % 8) bad("packed doubles of a length not divisible by 8");
    const size_t k = f.n / 8, base = out.size();
    out.resize(base + k);
    if (k) std::memcpy(out.data() + base, f.p, f.n);
  } else {
    bad("expected doubles");
  }
}

TensorProto parse_tensor(const Field& msg) {
  TensorProto t;
  Reader r(msg, "TensorProto");
  Field f;
  while (r.next(f)) {
    switch (f.num) {
      case 1: ints(f, t.dims); break;
      case 2: t.dtype = static_cast<int32_t>(as_int(f)); break;
      case 4: floats(f, t.float_data); break;
      case 5: case 7: case 11: ints(f, t.int_data); break;
      case 8: t.name = str(f); break;
      case 9: if (f.wire != 2) bad("raw_data must be bytes"); t.raw = f.p; t.raw_size = f.n; break;
      case 10: doubles(f, t.double_data); break;
      case 13: {
        Reader e(f, "external_data");
        Field kv;
        std::string k, v;
        while (e.next(kv)) {
          if (kv.num == 1) k = str(kv);
          else if (kv.num == 2) v = str(kv);
        }
        t.external_data[k] = v;
        break;
      }
      case 14: t.external = as_int(f) == 1; break;
      default: break;  // segment, doc_string, string_data: not used
    }
  }
  if (t.dims.size() > kMaxRank) bad("tensor '" + t.name + "' has rank " + std::to_string(t.dims.size()));
  return t;
}

ValueInfo parse_value_info(const Field& msg) {
  ValueInfo v;
  Reader r(msg, "ValueInfoProto");
  Field f;
  while (r.next(f)) {
    if (f.num == 1) v.name = str(f);
    if (f.num != 2) continue;
    Reader tr(f, "TypeProto");
    Field tf;
    while (tr.next(tf)) {
      if (tf.num != 1) continue;  // tensor_type only
      Reader tt(tf, "TypeProto.Tensor");
      Field x;
      while (tt.next(x)) {
        if (x.num == 1) v.elem_type = static_cast<int32_t>(as_int(x));
        if (x.num != 2) continue;
        v.has_shape = true;
        Reader sh(x, "TensorShapeProto");
        Field d;
        while (sh.next(d)) {
          if (d.num != 1) continue;
          Reader dr(d, "Dimension");
          Field df;
          int64_t value = -1;
          while (dr.next(df))
            if (df.num == 1) value = as_int(df);
          v.dims.push_back(value >= 0 ? value : -1);
          if (v.dims.size() > kMaxRank) bad("value '" + v.name + "' has too many dims");
        }
      }
    }
  }
  return v;
}

AttributeProto parse_attr(const Field& msg) {
  AttributeProto a;
  Reader r(msg, "AttributeProto");
  Field f;
  while (r.next(f)) {
    switch (f.num) {
      case 1: a.name = str(f); break;
      case 2: {
        const uint32_t u = static_cast<uint32_t>(f.v);
        if (f.wire != 5) bad("attribute float must be fixed32");
        std::memcpy(&a.f, &u, 4);
        break;
      }
      case 3: a.i = as_int(f); break;
      case 4: a.s = str(f); break;
      case 5: a.t = std::make_shared<TensorProto>(parse_tensor(f)); break;
      case 7: floats(f, a.floats); break;
      case 8: ints(f, a.ints); break;
      case 9: a.strings.push_back(str(f)); break;
      case 20: a.type = static_cast<int32_t>(as_int(f)); break;
      default: break;  // graphs (If/Loop bodies) are not read: those ops are unsupported anyway
    }
  }
  return a;
}

NodeProto parse_node(const Field& msg) {
  NodeProto n;
  Reader r(msg, "NodeProto");
  Field f;
  while (r.next(f)) {
    switch (f.num) {
      case 1: n.inputs.push_back(str(f)); break;
      case 2: n.outputs.push_back(str(f)); break;
      case 3: n.name = str(f); break;
      case 4: n.op_type = str(f); break;
      case 5: n.attrs.push_back(parse_attr(f)); break;
      case 7: n.domain = str(f); break;
      default: break;
    }
  }
  return n;
}

GraphProto parse_graph(const Field& msg) {
  GraphProto g;
  Reader r(msg, "GraphProto");
  Field f;
  while (r.next(f)) {
    switch (f.num) {
      case 1: g.nodes.push_back(parse_node(f)); break;
      case 2: g.name = str(f); break;
      case 5: g.initializers.push_back(parse_tensor(f)); break;
      case 11: g.inputs.push_back(parse_value_info(f)); break;
      case 12: g.outputs.push_back(parse_value_info(f)); break;
      default: break;  // value_info, doc_string, sparse initializers (unsupported)
    }
  }
  return g;
}

size_t elem_size(int32_t dtype) {
  switch (dtype) {
    case FLOAT: case INT32: case UINT32: return 4;
    case INT64: case UINT64: case DOUBLE: return 8;
    case INT16: case UINT16: case FLOAT16: return 2;
    case INT8: case UINT8: case BOOL: return 1;
    default: return 0;
  }
}

// The bytes of a tensor stored outside the model (data_location = EXTERNAL), read once.
std::vector<uint8_t> read_external(const TensorProto& t, const std::string& dir, size_t expect) {
  auto it = t.external_data.find("location");
  if (it == t.external_data.end() || it->second.empty()) bad("tensor '" + t.name + "' has external data without a location");
  const std::string& loc = it->second;
  if (dir.empty()) throw Unsupported("onnx: tensor '" + t.name + "' stores its data in an external file; load the model from a path");
  if (loc[0] == '/' || loc.find('\\') != std::string::npos || loc.find(':') != std::string::npos)
    bad("tensor '" + t.name + "': external data location '" + loc + "' must be a relative path inside the model's folder");
  for (size_t s = 0; s <= loc.size();) {  // reject any ".." component
    size_t e = loc.find('/', s);
    if (e == std::string::npos) e = loc.size();
    if (loc.compare(s, e - s, "..") == 0) bad("tensor '" + t.name + "': external data location '" + loc + "' leaves the model's folder");
    s = e + 1;
  }
  char root[PATH_MAX], real[PATH_MAX];
  const std::string full = dir + "/" + loc;
  if (!realpath(dir.c_str(), root)) throw IoError("cannot resolve the model folder '" + dir + "'");
  if (!realpath(full.c_str(), real)) throw IoError("onnx: external data file '" + full + "' for tensor '" + t.name + "' not found");
  const std::string r(real), base = std::string(root) + "/";
  if (r.compare(0, base.size(), base) != 0)
    bad("tensor '" + t.name + "': external data '" + loc + "' resolves outside the model's folder (" + r + ")");
  const int fd = ::open(real, O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw IoError("cannot open external data '" + r + "'");
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_nlink > 1) {
    ::close(fd);
    bad("tensor '" + t.name + "': external data '" + loc + "' must be a regular file with a single link");
  }
  uint64_t offset = 0, length = expect;
  auto num = [&](const char* key, uint64_t& out) {
    auto kv = t.external_data.find(key);
    if (kv == t.external_data.end()) return;
    char* end = nullptr;
    errno = 0;
    const unsigned long long v = std::strtoull(kv->second.c_str(), &end, 10);
    if (errno || !end || *end || kv->second.empty() || kv->second[0] == '-') bad("tensor '" + t.name + "': bad external " + key);
    out = v;
  };
  num("offset", offset);
  num("length", length);
  const uint64_t fsize = static_cast<uint64_t>(st.st_size);
  if (length != expect || offset > fsize || length > fsize - offset) {
    ::close(fd);
    bad("tensor '" + t.name + "': external data range does not match its shape or the file");
  }
  std::vector<uint8_t> buf(static_cast<size_t>(length));
  size_t got = 0;
  while (got < buf.size()) {
    const ssize_t k = pread(fd, buf.data() + got, buf.size() - got, static_cast<off_t>(offset + got));
    if (k <= 0) {
      ::close(fd);
      throw IoError("failed reading external data '" + r + "'");
    }
    got += static_cast<size_t>(k);
  }
  ::close(fd);
  return buf;
}

float half_to_float(uint16_t h) {
  const uint32_t sign = (h >> 15) & 1, exp = (h >> 10) & 0x1F, mant = h & 0x3FF;
  float v;
  if (exp == 0) v = std::ldexp(static_cast<float>(mant), -24);
  else if (exp == 31) v = mant ? NAN : INFINITY;
  else v = std::ldexp(static_cast<float>(mant | 0x400), static_cast<int>(exp) - 25);
  return sign ? -v : v;
}

}  // namespace

ModelProto parse_model(const uint8_t* data, size_t size) {
  ModelProto m;
  Reader r(data, size, "ModelProto");
  Field f;
  bool has_graph = false;
  while (r.next(f)) {
    switch (f.num) {
      case 1: m.ir_version = as_int(f); break;
      case 7: m.graph = parse_graph(f); has_graph = true; break;
      case 8: {
        Reader o(f, "OperatorSetIdProto");
        Field x;
        std::string domain;
        int64_t version = 0;
        while (o.next(x)) {
          if (x.num == 1) domain = str(x);
          if (x.num == 2) version = as_int(x);
        }
        if (domain == "ai.onnx") domain = "";
        m.opsets[domain] = version;
        break;
      }
      default: break;
    }
  }
  if (!has_graph) bad("the file has no graph (not an ONNX model?)");
  return m;
}

bool is_float_type(int32_t d) { return d == FLOAT || d == DOUBLE || d == FLOAT16; }
bool is_int_type(int32_t d) {
  return d == INT64 || d == INT32 || d == INT16 || d == INT8 || d == UINT8 || d == UINT16 || d == UINT32 ||
         d == UINT64 || d == BOOL;
}

int64_t tensor_numel(const TensorProto& t) {
  for (int64_t d : t.dims)
    if (d < 0) bad("tensor '" + t.name + "' has a negative dimension");
  try {
    return core::checked_numel(t.dims, "onnx");
  } catch (const InvalidArgument&) {
    bad("tensor '" + t.name + "' has dims whose product overflows");
  }
}

namespace {
// The tensor's bytes in its own element type: raw_data, or external data read into `hold`.
const uint8_t* payload(const TensorProto& t, const std::string& dir, int64_t numel, std::vector<uint8_t>& hold) {
  const size_t es = elem_size(t.dtype);
  if (es == 0) throw Unsupported("onnx: tensor '" + t.name + "' has unsupported data type " + std::to_string(t.dtype));
  if (static_cast<uint64_t>(numel) > SIZE_MAX / es) bad("tensor '" + t.name + "' is too large");
  const size_t bytes = static_cast<size_t>(numel) * es;
  if (t.external) {
    hold = read_external(t, dir, bytes);
    return hold.data();
  }
  if (!t.raw) return nullptr;
  if (t.raw_size != bytes)
    bad("tensor '" + t.name + "': raw_data has " + std::to_string(t.raw_size) + " bytes, its dims need " + std::to_string(bytes));
  return t.raw;
}
}  // namespace

Tensor float_tensor(const TensorProto& t, const std::string& dir, bool release_source) {
  const int64_t n = tensor_numel(t);
  std::vector<uint8_t> hold;
  const uint8_t* p = payload(t, dir, n, hold);
  Tensor out = Tensor::empty(Shape(t.dims.begin(), t.dims.end()));
  float* y = out.data();
  if (t.dtype == FLOAT) {
    if (p) {
      // In slices, releasing the file's pages behind the copy: a large weight is then not
      // resident twice (mapped and copied) at any moment.
      const bool release = release_source && t.raw && p == t.raw;
      constexpr size_t kSlice = size_t(8) << 20;
      const size_t bytes = static_cast<size_t>(n) * 4;
      for (size_t off = 0; off < bytes; off += kSlice) {
        const size_t len = std::min(kSlice, bytes - off);
        std::memcpy(reinterpret_cast<uint8_t*>(y) + off, p + off, len);
        if (release) release_pages(p + off, len);
      }
    } else {
      if (static_cast<int64_t>(t.float_data.size()) != n) bad("tensor '" + t.name + "': float_data does not match its dims");
      if (n) std::memcpy(y, t.float_data.data(), static_cast<size_t>(n) * 4);
    }
  } else if (t.dtype == DOUBLE) {
    if (!p && static_cast<int64_t>(t.double_data.size()) != n) bad("tensor '" + t.name + "': double_data does not match its dims");
    for (int64_t i = 0; i < n; ++i) {
      double v;
      if (p) std::memcpy(&v, p + 8 * i, 8);
      else v = t.double_data[i];
      y[i] = static_cast<float>(v);
    }
  } else if (t.dtype == FLOAT16) {
    if (!p && static_cast<int64_t>(t.int_data.size()) != n) bad("tensor '" + t.name + "': data does not match its dims");
    for (int64_t i = 0; i < n; ++i) {
      uint16_t h;
      if (p) std::memcpy(&h, p + 2 * i, 2);
      else h = static_cast<uint16_t>(t.int_data[i]);
      y[i] = half_to_float(h);
    }
  } else {
    throw Unsupported("onnx: tensor '" + t.name + "' is not a float tensor (type " + std::to_string(t.dtype) + ")");
  }
  // The mapped source is not read again. (A FLOAT tensor's slices released only the whole pages
  // inside each slice; this also takes the pages across their ends.)
  if (release_source && t.raw && p == t.raw) release_pages(t.raw, t.raw_size);
  return out;
}

std::vector<int64_t> int_tensor(const TensorProto& t, const std::string& dir) {
  const int64_t n = tensor_numel(t);
  if (n > (int64_t(1) << 24)) throw Unsupported("onnx: integer tensor '" + t.name + "' is too large for shape arithmetic");
  std::vector<uint8_t> hold;
  const uint8_t* p = payload(t, dir, n, hold);
  std::vector<int64_t> v(static_cast<size_t>(n));
  if (!p) {
    if (static_cast<int64_t>(t.int_data.size()) != n) bad("tensor '" + t.name + "': integer data does not match its dims");
    return t.int_data;
  }
  for (int64_t i = 0; i < n; ++i) {
    switch (t.dtype) {
      case INT64: case UINT64: std::memcpy(&v[i], p + 8 * i, 8); break;
      case INT32: { int32_t x; std::memcpy(&x, p + 4 * i, 4); v[i] = x; break; }
      case UINT32: { uint32_t x; std::memcpy(&x, p + 4 * i, 4); v[i] = x; break; }
      case INT16: { int16_t x; std::memcpy(&x, p + 2 * i, 2); v[i] = x; break; }
      case UINT16: { uint16_t x; std::memcpy(&x, p + 2 * i, 2); v[i] = x; break; }
      case INT8: v[i] = static_cast<int8_t>(p[i]); break;
      case UINT8: case BOOL: v[i] = p[i]; break;
      default: throw Unsupported("onnx: tensor '" + t.name + "' is not an integer tensor");
    }
  }
  return v;
}

}  // namespace cnncore::io::onnx
