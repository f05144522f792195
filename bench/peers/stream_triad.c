// STREAM-style triad a[i] = b[i] + q c[i] (OpenMP): the machine's sustainable memory bandwidth, the
// ceiling of an edge-streaming PageRank iteration.
//
//   stream_triad [--elements N] [--repeats 10] [--threads "1 2"]
//
// Three arrays of N doubles (default 2^25 = 268 MB each, 805 MB in all: far beyond any cache),
// first touched by the threads that use them. For each thread count the triad runs --repeats
// times and the best time counts; bytes per triad = 24 N (read b and c, write a; the write-allocate
// read of a is not counted, as in STREAM). Prints one JSON object.
#define _POSIX_C_SOURCE 200809L
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

int main(int argc, char** argv) {
  long n = 1L << 25;
  int repeats = 10;
  const char* thread_list = "1 2";
  for (int k = 1; k + 1 < argc; k += 2) {
    if (!strcmp(argv[k], "--elements")) n = atol(argv[k + 1]);
    else if (!strcmp(argv[k], "--repeats")) repeats = atoi(argv[k + 1]);
    else if (!strcmp(argv[k], "--threads")) thread_list = argv[k + 1];
    else {
      fprintf(stderr, "stream_triad: unknown option %s\n", argv[k]);
      return 2;
    }
  }
  if ((argc - 1) % 2 || n < 1 || repeats < 1) {
    fprintf(stderr, "usage: stream_triad [--elements N] [--repeats 10] [--threads \"1 2\"]\n");
    return 2;
  }
  double* a = malloc(n * sizeof(double));
  double* b = malloc(n * sizeof(double));
  double* c = malloc(n * sizeof(double));
  if (!a || !b || !c) {
    fprintf(stderr, "stream_triad: out of memory\n");
    return 2;
  }
  const double q = 3.0;
  printf("{\"elements\": %ld, \"array_bytes\": %ld, \"bytes_per_triad\": %ld, \"repeats\": %d, \"threads\": {", n,
         (long)(n * sizeof(double)), (long)(3 * n * sizeof(double)), repeats);
  int first = 1;
  for (const char* s = thread_list; *s;) {
    char* end;
    const long threads = strtol(s, &end, 10);
    if (end == s) break;
    s = end;
    omp_set_num_threads((int)threads);
#pragma omp parallel for schedule(static)
    for (long i = 0; i < n; ++i) a[i] = 0.0, b[i] = 1.0, c[i] = 2.0;
    double best = 1e30;
    for (int r = 0; r < repeats; ++r) {
      const double t0 = now();
#pragma omp parallel for schedule(static)
      for (long i = 0; i < n; ++i) a[i] = b[i] + q * c[i];
      const double t = now() - t0;
      if (t < best) best = t;
    }
    // Use the result so the loop cannot be dropped.
    if (a[n / 2] != 7.0) {
      fprintf(stderr, "stream_triad: wrong result\n");
      return 70;
    }
    printf("%s\"%ld\": {\"best_s\": %.6f, \"gb_per_s\": %.3f}", first ? "" : ", ", threads, best,
           3.0 * n * sizeof(double) / best / 1e9);
    first = 0;
  }
  printf("}}\n");
  free(a);
  free(b);
  free(c);
  return 0;
}
