#include "formats/fileutil.h"

#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "error.h"

namespace ekt {

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)), tmp_(path_ + ".tmp") {
  fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  EKT_CHECK(fd_ >= 0, "cannot create " << tmp_ << ": " << std::strerror(errno));
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) {
    ::close(fd_);
    ::unlink(tmp_.c_str());
  }
}

void AtomicFile::write(const void* data, size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    ssize_t n = ::write(fd_, p, size);
    if (n < 0 && errno == EINTR) continue;
    EKT_CHECK(n > 0, "cannot write " << tmp_ << ": " << std::strerror(errno));
    p += n;
    size -= static_cast<size_t>(n);
  }
}

void AtomicFile::commit() {
  EKT_CHECK(::fsync(fd_) == 0, "cannot fsync " << tmp_ << ": " << std::strerror(errno));
  int rc = ::close(fd_);
  fd_ = -1;
  EKT_CHECK(rc == 0, "cannot close " << tmp_ << ": " << std::strerror(errno));
  EKT_CHECK(::rename(tmp_.c_str(), path_.c_str()) == 0, "cannot rename " << tmp_ << " to " << path_ << ": " << std::strerror(errno));
}

std::string read_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  EKT_CHECK(fd >= 0, "cannot open " << path << ": " << std::strerror(errno));
  std::string out;
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      EKT_FAIL("cannot read " << path << ": " << std::strerror(err));
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

bool file_exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

bool dir_exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

void make_dirs(const std::string& path) {
  if (path.empty() || dir_exists(path)) return;
  const size_t slash = path.find_last_of('/');
  if (slash != std::string::npos && slash > 0) make_dirs(path.substr(0, slash));
  EKT_CHECK(::mkdir(path.c_str(), 0755) == 0 || errno == EEXIST, "cannot create directory " << path << ": " << std::strerror(errno));
}

void write_file_atomic(const std::string& path, const std::string& contents) {
  AtomicFile f(path);
  f.write(contents.data(), contents.size());
  f.commit();
}

namespace {

int remove_entry(const char* path, const struct stat*, int type, struct FTW*) {
  return (type == FTW_DP ? ::rmdir(path) : ::unlink(path)) == 0 ? 0 : errno;
}

}  // namespace

void remove_tree(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) {
    EKT_CHECK(errno == ENOENT, "cannot remove " << path << ": " << std::strerror(errno));
    return;
  }
  const int rc = ::nftw(path.c_str(), remove_entry, 16, FTW_DEPTH | FTW_PHYS);
  EKT_CHECK(rc == 0, "cannot remove " << path << ": " << std::strerror(rc > 0 ? rc : errno));
}

}  // namespace ekt
