// The .cnnc model format (docs/format.md): one little-endian file, a section table with a CRC32
// per section, the graph with named typed attributes, a tensor index and 64-byte-aligned
// weights that are memory-mapped on load. Every count, length, offset and shape read from a
// file is checked before use; anything wrong raises ModelFormatError.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <set>

#include "cnncore/error.h"
#include "cnncore/model.h"
#include "core/shape.h"
#include "io/mapped_file.h"

namespace cnncore::io {
namespace {

constexpr char kMagic[8] = {'C', 'N', 'N', 'C', 'O', 'R', 'E', '\0'};
constexpr uint32_t kVersion = 1;
constexpr uint32_t kMeta = 1, kGraph = 2, kTensors = 3, kData = 4;
constexpr size_t kAlign = 64;
constexpr uint32_t kMaxString = 1u << 20;
constexpr uint32_t kMaxRank = 8;

// CRC-32 (IEEE 802.3), slice-by-8.
struct Crc32 {
  uint32_t t[8][256];
  Crc32() {
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; ++i)
      for (int s = 1; s < 8; ++s) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xFF];
  }
  uint32_t operator()(const uint8_t* p, size_t n) const {
    uint32_t c = 0xFFFFFFFFu;
    while (n >= 8) {
      uint32_t a, b;
      std::memcpy(&a, p, 4);
      std::memcpy(&b, p + 4, 4);
      a ^= c;
      c = t[7][a & 0xFF] ^ t[6][(a >> 8) & 0xFF] ^ t[5][(a >> 16) & 0xFF] ^ t[4][a >> 24] ^ t[3][b & 0xFF] ^
          t[2][(b >> 8) & 0xFF] ^ t[1][(b >> 16) & 0xFF] ^ t[0][b >> 24];
      p += 8;
      n -= 8;
    }
    while (n--) c = t[0][(c ^ *p++) & 0xFF] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
  }
};
uint32_t crc32(const uint8_t* p, size_t n) {
  static const Crc32 table;
  return table(p, n);
}

[[noreturn]] void corrupt(const std::string& what) { throw ModelFormatError("cnnc: " + what); }

// ----------------------------------------------------------------------------- writing

struct Writer {
  std::vector<uint8_t> b;
  template <class T>
  void raw(T v) {
    uint8_t tmp[sizeof(T)];
    std::memcpy(tmp, &v, sizeof(T));  // little-endian hosts only (checked at load and save)
    b.insert(b.end(), tmp, tmp + sizeof(T));
  }
  void u8(uint8_t v) { raw(v); }
  void u32(uint32_t v) { raw(v); }
  void u64(uint64_t v) { raw(v); }
  void i64(int64_t v) { raw(v); }
  void f64(double v) { raw(v); }
  void str(const std::string& s) {
    if (s.size() > kMaxString) throw InvalidArgument("cnnc: string longer than 1 MiB: '" + s.substr(0, 40) + "...'");
    u32(static_cast<uint32_t>(s.size()));
    b.insert(b.end(), s.begin(), s.end());
  }
  void strs(const std::vector<std::string>& v) {
    u32(static_cast<uint32_t>(v.size()));
    for (const auto& s : v) str(s);
  }
  void pad_to(size_t align) {
    while (b.size() % align) b.push_back(0);
  }
};

bool little_endian() {
  const uint16_t one = 1;
  uint8_t first;
  std::memcpy(&first, &one, 1);
  return first == 1;
}

void write_attr(Writer& w, const AttrValue& v) {
  if (auto x = std::get_if<int64_t>(&v)) {
    w.u8(1);
    w.i64(*x);
  } else if (auto x = std::get_if<double>(&v)) {
    w.u8(2);
    w.f64(*x);
  } else if (auto x = std::get_if<std::string>(&v)) {
    w.u8(3);
    w.str(*x);
  } else if (auto x = std::get_if<std::vector<int64_t>>(&v)) {
    w.u8(4);
    w.u32(static_cast<uint32_t>(x->size()));
    for (int64_t e : *x) w.i64(e);
  } else {
    const auto& f = std::get<std::vector<double>>(v);
    w.u8(5);
    w.u32(static_cast<uint32_t>(f.size()));
    for (double e : f) w.f64(e);
  }
}

}  // namespace

std::vector<uint8_t> save_cnnc(const Graph& g) {
  if (!little_endian()) throw Unsupported("cnnc: saving on a big-endian host is not supported");
  Writer meta, graph, index, data;
  meta.u32(static_cast<uint32_t>(g.metadata.size()));
  for (const auto& [k, v] : g.metadata) {
    meta.str(k);
    meta.str(v);
  }
  graph.strs(g.inputs);
  graph.strs(g.outputs);
  graph.u32(static_cast<uint32_t>(g.nodes.size()));
  for (const Node& n : g.nodes) {
    graph.str(n.name);
    graph.str(n.op);
    graph.strs(n.inputs);
    graph.strs(n.outputs);
    graph.u32(static_cast<uint32_t>(n.attrs.size()));
    for (const auto& [k, v] : n.attrs) {
      graph.str(k);
      write_attr(graph, v);
    }
  }
  index.u32(static_cast<uint32_t>(g.weights.size()));
  for (const auto& [name, t] : g.weights) {
    data.pad_to(kAlign);
    index.str(name);
    index.u8(1);  // float32
    index.u8(static_cast<uint8_t>(t.rank()));
    for (int64_t d : t.shape()) index.i64(d);
    index.u64(data.b.size());
    const size_t bytes = static_cast<size_t>(t.numel()) * sizeof(float);
    index.u64(bytes);
    const auto* p = reinterpret_cast<const uint8_t*>(t.data());
    if (bytes) data.b.insert(data.b.end(), p, p + bytes);
  }
  Writer* sections[4] = {&meta, &graph, &index, &data};
  const uint32_t kinds[4] = {kMeta, kGraph, kTensors, kData};
  Writer out;
  out.b.insert(out.b.end(), kMagic, kMagic + 8);
  out.u32(kVersion);
  out.u32(4);
  size_t offset = 16 + 24 * 4 + 4;
  std::vector<size_t> offsets;
  for (Writer* s : sections) {
    offset = (offset + kAlign - 1) / kAlign * kAlign;
    offsets.push_back(offset);
    offset += s->b.size();
  }
  for (int i = 0; i < 4; ++i) {
    out.u32(kinds[i]);
    out.u32(crc32(sections[i]->b.data(), sections[i]->b.size()));
    out.u64(offsets[i]);
    out.u64(sections[i]->b.size());
  }
  out.u32(crc32(out.b.data(), out.b.size()));
  for (int i = 0; i < 4; ++i) {
    out.b.resize(offsets[i], 0);
    out.b.insert(out.b.end(), sections[i]->b.begin(), sections[i]->b.end());
  }
  return out.b;
}

void save_cnnc_file(const Graph& g, const std::string& path) {
  const std::vector<uint8_t> bytes = save_cnnc(g);
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (!f) throw IoError("cannot open '" + path + "' for writing");
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!f) throw IoError("failed writing '" + path + "'");
}

// ----------------------------------------------------------------------------- reading

namespace {

struct Reader {
  const uint8_t* p;
  size_t n, pos = 0;
  const char* section;
  Reader(const uint8_t* data, size_t size, const char* name) : p(data), n(size), section(name) {}
  void need(size_t k) {
    if (k > n - pos) corrupt(std::string(section) + " section is truncated (needs " + std::to_string(k) +
                             " more bytes at offset " + std::to_string(pos) + " of " + std::to_string(n) + ")");
  }
  template <class T>
  T raw() {
    need(sizeof(T));
    T v;
    std::memcpy(&v, p + pos, sizeof(T));
    pos += sizeof(T);
    return v;
  }
  uint8_t u8() { return raw<uint8_t>(); }
  uint32_t u32() { return raw<uint32_t>(); }
  uint64_t u64() { return raw<uint64_t>(); }
  int64_t i64() { return raw<int64_t>(); }
  double f64() { return raw<double>(); }
  // A count of items of at least min_bytes each: never larger than the bytes left.
  uint32_t count(size_t min_bytes) {
    const uint32_t c = u32();
    if (c > (n - pos) / min_bytes) corrupt(std::string(section) + " declares " + std::to_string(c) + " items, more than it holds");
    return c;
  }
  std::string str() {
    const uint32_t len = u32();
    if (len > kMaxString) corrupt(std::string(section) + " has a string of " + std::to_string(len) + " bytes");
    need(len);
    std::string s(reinterpret_cast<const char*>(p + pos), len);
    pos += len;
    return s;
  }
  std::vector<std::string> strs() {
    std::vector<std::string> v(count(4));
    for (auto& s : v) s = str();
    return v;
  }
  void done() {
    if (pos != n) corrupt(std::string(section) + " section has " + std::to_string(n - pos) + " unexpected trailing bytes");
  }
};

AttrValue read_attr(Reader& r) {
  switch (r.u8()) {
    case 1: return r.i64();
    case 2: return r.f64();
    case 3: return r.str();
    case 4: {
      std::vector<int64_t> v(r.count(8));
      for (auto& e : v) e = r.i64();
      return v;
    }
    case 5: {
      std::vector<double> v(r.count(8));
      for (auto& e : v) e = r.f64();
      return v;
    }
    default: corrupt("graph section has an attribute of unknown type");
  }
}

Model parse(const uint8_t* base, size_t size, std::shared_ptr<void> owner) {
  if (!little_endian()) throw Unsupported("cnnc: loading on a big-endian host is not supported");
  if (size < 16 || std::memcmp(base, kMagic, 8) != 0) corrupt("not a .cnnc file (bad magic)");
  Reader h(base, size, "header");
  h.pos = 8;
  const uint32_t version = h.u32();
  const uint32_t nsec = h.u32();
  if (nsec > 16) corrupt("header declares " + std::to_string(nsec) + " sections");
  // Check the header's own checksum before trusting any field of it (a flipped version bit is
  // corruption; only an intact header with a newer version is an unsupported file).
  h.need(24 * static_cast<size_t>(nsec) + 4);
  uint32_t stored_crc;
  std::memcpy(&stored_crc, base + 16 + 24 * static_cast<size_t>(nsec), 4);
  if (crc32(base, 16 + 24 * static_cast<size_t>(nsec)) != stored_crc) corrupt("header checksum mismatch");
  if (version != kVersion)
    throw Unsupported("cnnc: file version " + std::to_string(version) + " is not supported (this build reads version " +
                      std::to_string(kVersion) + ")");
  struct Sec {
    uint32_t crc = 0;
    uint64_t off = 0, size = 0;
    bool present = false;
  } secs[5];
  for (uint32_t i = 0; i < nsec; ++i) {
    const uint32_t kind = h.u32(), crc = h.u32();
    const uint64_t off = h.u64(), sz = h.u64();
    if (kind < kMeta || kind > kData || secs[kind].present) corrupt("bad or repeated section kind " + std::to_string(kind));
    if (off > size || sz > size - off) corrupt("section " + std::to_string(kind) + " lies outside the file");
    if (off % kAlign) corrupt("section " + std::to_string(kind) + " is not 64-byte aligned");
    secs[kind] = {crc, off, sz, true};
  }
  // Sections must not overlap, padding between them is zero and the file ends with the last
  // one: every byte of the file is checked by something.
  std::vector<std::pair<uint64_t, uint64_t>> spans;
  for (uint32_t k = kMeta; k <= kData; ++k)
    if (secs[k].present) spans.push_back({secs[k].off, secs[k].off + secs[k].size});
  std::sort(spans.begin(), spans.end());
  uint64_t cursor = 16 + 24 * static_cast<uint64_t>(nsec) + 4;
  for (const auto& [lo, hi] : spans) {
    if (lo < cursor) corrupt("sections overlap");
    for (uint64_t i = cursor; i < lo; ++i)
      if (base[i] != 0) corrupt("non-zero padding at offset " + std::to_string(i));
    cursor = hi;
  }
  if (cursor != size) corrupt("file has " + std::to_string(size - cursor) + " unexpected bytes after its last section");
  for (uint32_t k = kMeta; k <= kData; ++k) {
    if (!secs[k].present) corrupt("missing section " + std::to_string(k));
    if (crc32(base + secs[k].off, secs[k].size) != secs[k].crc)
      corrupt("checksum mismatch in section " + std::to_string(k) + " (the file is damaged)");
  }
  Graph g;
  Reader m(base + secs[kMeta].off, secs[kMeta].size, "metadata");
  for (uint32_t i = 0, c = m.count(8); i < c; ++i) {
    std::string k = m.str();
    g.metadata[k] = m.str();
  }
  m.done();
  Reader r(base + secs[kGraph].off, secs[kGraph].size, "graph");
  g.inputs = r.strs();
  g.outputs = r.strs();
  g.nodes.resize(r.count(4 * 5));
  for (Node& n : g.nodes) {
    n.name = r.str();
    n.op = r.str();
    n.inputs = r.strs();
    n.outputs = r.strs();
    for (uint32_t a = 0, c = r.count(4 + 1 + 8); a < c; ++a) {
      std::string k = r.str();
      if (n.attrs.count(k)) corrupt("node '" + n.name + "' repeats attribute '" + k + "'");
      n.attrs[k] = read_attr(r);
    }
  }
  r.done();
  const uint8_t* data = base + secs[kData].off;
  const uint64_t data_size = secs[kData].size;
  Reader t(base + secs[kTensors].off, secs[kTensors].size, "tensor index");
  for (uint32_t i = 0, c = t.count(4 + 2 + 16); i < c; ++i) {
    const std::string name = t.str();
    if (t.u8() != 1) corrupt("tensor '" + name + "' has an unsupported dtype");
    const uint8_t rank = t.u8();
    if (rank > kMaxRank) corrupt("tensor '" + name + "' has rank " + std::to_string(rank));
    Shape shape(rank);
    for (auto& d : shape) {
      d = t.i64();
      if (d < 0) corrupt("tensor '" + name + "' has a negative dimension");
    }
    const uint64_t off = t.u64(), bytes = t.u64();
    int64_t numel;
    try {
      numel = core::checked_numel(shape, "cnnc");
    } catch (const InvalidArgument&) {
      corrupt("tensor '" + name + "' has a shape whose size overflows");
    }
    if (numel > static_cast<int64_t>(UINT64_MAX / 4) || static_cast<uint64_t>(numel) * 4 != bytes)
      corrupt("tensor '" + name + "': " + std::to_string(bytes) + " bytes do not match shape " + shape_str(shape));
    if (off > data_size || bytes > data_size - off) corrupt("tensor '" + name + "' lies outside the data section");
    if (off % kAlign) corrupt("tensor '" + name + "' is not 64-byte aligned");
    if (g.weights.count(name)) corrupt("tensor '" + name + "' appears twice");
    g.weights[name] = Tensor::wrap(reinterpret_cast<const float*>(data + off), shape, owner);
  }
  t.done();
  try {
    return Model(std::move(g));
  } catch (const InvalidArgument& e) {
    corrupt(std::string("invalid graph: ") + e.what());
  }
}

}  // namespace

Model load_cnnc_file(const std::string& path) {
  auto map = map_file(path);
  if (map->size == 0) corrupt("'" + path + "' is empty");
  return parse(map->data, map->size, map);
}

Model load_cnnc_bytes(const void* bytes, size_t size) {
  // One copy into aligned memory so the weights can be used in place.
  std::shared_ptr<uint8_t> buf(static_cast<uint8_t*>(std::aligned_alloc(kAlign, (size + kAlign) / kAlign * kAlign)),
                               [](uint8_t* p) { std::free(p); });
  if (!buf) throw std::bad_alloc();
  if (size) std::memcpy(buf.get(), bytes, size);
  return parse(buf.get(), size, buf);
}

}  // namespace cnncore::io
