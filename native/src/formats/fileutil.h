// Small checked file helpers: every system call's result is checked and reported with the path.
#pragma once

#include <cstddef>
#include <string>

namespace ekt {

// Writes to "<path>.tmp", fsyncs and renames over <path> on commit(); removes the temporary
// file if destroyed without commit(). A crash never leaves a half-written <path>.
class AtomicFile {
 public:
  explicit AtomicFile(std::string path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  void write(const void* data, size_t size);
  void commit();

 private:
  std::string path_, tmp_;
  int fd_ = -1;
};

std::string read_file(const std::string& path);
bool file_exists(const std::string& path);
bool dir_exists(const std::string& path);
void make_dirs(const std::string& path);
// Removes a file or a directory tree (symbolic links themselves, not their targets); a missing
// path is fine. POSIX (nftw), not std::filesystem: PyPI's libtorch exports its own copies of
// std::filesystem's functions, which calls from this library may bind to and crash in.
void remove_tree(const std::string& path);
void write_file_atomic(const std::string& path, const std::string& contents);

}  // namespace ekt
