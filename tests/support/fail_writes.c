/* A test-only LD_PRELOAD library that makes writes to chosen files fail, as a disk that fills up
 * or breaks would, without touching product code. Every write-family call (write, pwrite, pwritev,
 * writev and their 64-bit names) on a file descriptor whose path contains
 * $SIGNALRANK_TEST_FAIL_WRITES fails with $SIGNALRANK_TEST_FAIL_ERRNO (ENOSPC, the default, or
 * EIO) once $SIGNALRANK_TEST_FAIL_AFTER bytes (default 0) have been written to such files by this
 * process. With $SIGNALRANK_TEST_FAIL_RANK set, only the MPI rank of that number
 * ($OMPI_COMM_WORLD_RANK) fails. Without SIGNALRANK_TEST_FAIL_WRITES nothing changes. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

static long long written_so_far = 0;

static int should_fail(int fd, size_t n) {
  const char* pattern = getenv("SIGNALRANK_TEST_FAIL_WRITES");
  if (!pattern || !*pattern || n == 0) return 0;
  const char* only = getenv("SIGNALRANK_TEST_FAIL_RANK");
  const char* rank = getenv("OMPI_COMM_WORLD_RANK");
  if (only && *only && (!rank || strcmp(only, rank) != 0)) return 0;
  char link[64], path[PATH_MAX + 1];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  const ssize_t len = readlink(link, path, PATH_MAX);
  if (len <= 0) return 0;
  path[len] = '\0';
  if (!strstr(path, pattern)) return 0;
  const char* after = getenv("SIGNALRANK_TEST_FAIL_AFTER");
  const long long budget = after ? atoll(after) : 0;
  if (written_so_far + (long long)n <= budget) {
    written_so_far += (long long)n;
    return 0;
  }
  const char* e = getenv("SIGNALRANK_TEST_FAIL_ERRNO");
  errno = e && strcmp(e, "EIO") == 0 ? EIO : ENOSPC;
  return 1;
}

static size_t iov_bytes(const struct iovec* iov, int count) {
  size_t n = 0;
  for (int i = 0; i < count; ++i) n += iov[i].iov_len;
  return n;
}

#define NEXT(name) ((__typeof__(&name))dlsym(RTLD_NEXT, #name))

ssize_t write(int fd, const void* buf, size_t n) {
  if (should_fail(fd, n)) return -1;
  return NEXT(write)(fd, buf, n);
}
ssize_t pwrite(int fd, const void* buf, size_t n, off_t off) {
  if (should_fail(fd, n)) return -1;
  return NEXT(pwrite)(fd, buf, n, off);
}
ssize_t pwrite64(int fd, const void* buf, size_t n, off64_t off) {
  if (should_fail(fd, n)) return -1;
  return NEXT(pwrite64)(fd, buf, n, off);
}
ssize_t writev(int fd, const struct iovec* iov, int count) {
  if (should_fail(fd, iov_bytes(iov, count))) return -1;
  return NEXT(writev)(fd, iov, count);
}
ssize_t pwritev(int fd, const struct iovec* iov, int count, off_t off) {
  if (should_fail(fd, iov_bytes(iov, count))) return -1;
  return NEXT(pwritev)(fd, iov, count, off);
}
ssize_t pwritev64(int fd, const struct iovec* iov, int count, off64_t off) {
  if (should_fail(fd, iov_bytes(iov, count))) return -1;
  return NEXT(pwritev64)(fd, iov, count, off);
}
