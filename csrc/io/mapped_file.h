#pragma once
// A read-only memory mapping of a whole file, shared by whatever still uses its bytes.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace cnncore::io {

struct MappedFile {
  const uint8_t* data = nullptr;
  size_t size = 0;
  ~MappedFile();
};

/// Drops the whole pages inside [p, p + n) from memory. For a read-only file mapping whose bytes
/// have been copied (they would be re-read from the file if touched again), or for memory its
/// sole owner will free without reading again (it would read back as zeros).
void release_pages(const void* p, size_t n);

/// Maps `path` (throws IoError when it cannot be opened or is not a regular file; an empty file
/// maps to size 0).
std::shared_ptr<MappedFile> map_file(const std::string& path);

}  // namespace cnncore::io
