// PageRank peer: SuiteSparse:GraphBLAS power iteration on signalrank's graph and math (SPEC §4).
//
//   graphblas_pagerank GRAPH.bin V.bin --damping D --tolerance T --max-iterations M
//       [--threads 2] [--runs 3] [--variants pull,pull-T0,push,push-T0] [--x-out X.bin]
//
// GRAPH.bin and V.bin are written by bench/peers/peers_data.py (format in its docstring): the CSR
// of P^T (in-edges by destination, sources ascending) with bene_count weights and out-weights.
// The matrix is pre-scaled, P_ab = w_ab / out_weight_a, as signalrank's in_weight. Each iteration:
//   mass = sum of x over dangling vertices            (eWiseMult with the dangling indicator, reduce)
//   y    = P^T x                                      (GrB_mxv, PLUS_TIMES on FP64, into a full y)
//   y    = d y + (d mass + 1 - d) v                   (apply with a bound scalar, accumulate)
//   r    = ||y - x||_1                                (eWiseAdd MINUS, ABS, reduce)
// from x = v until r < tolerance or the iteration limit. Variants (same math, other storage):
//   pull     P^T stored by row (CSR of the in-edges), y = A x          (dot products)
//   pull-T0  P stored by column (the same arrays as CSC), y = A' x     (GrB_DESC_T0)
//   push     P^T stored by column (CSC of the out-edges), y = A x      (saxpy / scatter)
//   push-T0  P stored by row (CSR of the out-edges), y = A' x          (GrB_DESC_T0)
// Only the iteration loop is timed (median of --runs; mxv_median_s is the GrB_mxv share of it);
// loading, the matrix build and the transpose for the push variants are reported separately. Prints one JSON object; writes x of
// the fastest variant's last run (position order of GRAPH.bin) to --x-out.
#define _POSIX_C_SOURCE 200809L
#include <GraphBLAS.h>

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#define MAX_RUNS 100

static void die(const char* what) {
  fprintf(stderr, "graphblas_pagerank: %s\n", what);
  exit(2);
}

#define OK(call)                                                                   \
  do {                                                                             \
    GrB_Info info_ = (call);                                                       \
    if (info_ != GrB_SUCCESS) {                                                    \
      fprintf(stderr, "graphblas_pagerank: %s failed (GrB_Info %d)\n", #call, (int)info_); \
      exit(70);                                                                    \
    }                                                                              \
  } while (0)

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static double cpu_now(void) {
  struct rusage r;
  getrusage(RUSAGE_SELF, &r);
  return r.ru_utime.tv_sec + 1e-6 * r.ru_utime.tv_usec + r.ru_stime.tv_sec + 1e-6 * r.ru_stime.tv_usec;
}

static void* xmalloc(size_t bytes) {
  void* p = malloc(bytes ? bytes : 1);
  if (!p) die("out of memory");
  return p;
}

static void read_exact(FILE* f, void* buf, size_t bytes, const char* path) {
  if (fread(buf, 1, bytes, f) != bytes) {
    fprintf(stderr, "graphblas_pagerank: %s: short read (truncated cache file? delete it)\n", path);
    exit(2);
  }
}

typedef struct {
  uint64_t n, e, max_weight;
  uint64_t* in_off;  // n+1
  uint32_t* in_src;  // e
  uint32_t* weight;  // e
  double* out_weight;  // n
  double* v;           // n
} Graph;

static void load(const char* graph_path, const char* v_path, Graph* g) {
  FILE* f = fopen(graph_path, "rb");
  if (!f) {
    fprintf(stderr, "graphblas_pagerank: %s: %s\n", graph_path, strerror(errno));
    exit(2);
  }
  uint64_t head[8];
  read_exact(f, head, sizeof head, graph_path);
  if (memcmp(head, "SRPEERG1", 8) != 0) die("not a peers graph file (bad magic)");
  g->n = head[1];
  g->e = head[2];
  g->max_weight = head[4];
  g->in_off = xmalloc((g->n + 1) * sizeof(uint64_t));
  g->in_src = xmalloc(g->e * sizeof(uint32_t));
  g->weight = xmalloc(g->e * sizeof(uint32_t));
  uint64_t* ow = xmalloc(g->n * sizeof(uint64_t));
  read_exact(f, g->in_off, (g->n + 1) * sizeof(uint64_t), graph_path);
  read_exact(f, g->in_src, g->e * sizeof(uint32_t), graph_path);
  read_exact(f, g->weight, g->e * sizeof(uint32_t), graph_path);
  read_exact(f, ow, g->n * sizeof(uint64_t), graph_path);
  fclose(f);
  g->out_weight = xmalloc(g->n * sizeof(double));
  for (uint64_t i = 0; i < g->n; ++i) g->out_weight[i] = (double)ow[i];
  free(ow);
  if (g->in_off[g->n] != g->e) die("graph offsets do not match the edge count");

  f = fopen(v_path, "rb");
  if (!f) {
    fprintf(stderr, "graphblas_pagerank: %s: %s\n", v_path, strerror(errno));
    exit(2);
  }
  g->v = xmalloc(g->n * sizeof(double));
  read_exact(f, g->v, g->n * sizeof(double), v_path);
  fclose(f);
}

// Arrays for one storage of the matrix, handed to GraphBLAS (which takes ownership).
typedef struct {
  GrB_Index *p, *i;
  double* x;
} Csx;

// In-edges as they are: row b of P^T lists its sources with P_ab = w_ab / out_weight_a.
static Csx in_arrays(const Graph* g) {
  Csx c = {xmalloc((g->n + 1) * sizeof(GrB_Index)), xmalloc(g->e * sizeof(GrB_Index)),
           xmalloc(g->e * sizeof(double))};
  for (uint64_t k = 0; k <= g->n; ++k) c.p[k] = g->in_off[k];
#pragma omp parallel for schedule(static)
  for (uint64_t k = 0; k < g->e; ++k) {
    c.i[k] = g->in_src[k];
    c.x[k] = (double)g->weight[k] / g->out_weight[g->in_src[k]];
  }
  return c;
}

// Out-edges (row a of P lists its targets, ascending): a counting-sort transpose of the in-edges.
static Csx out_arrays(const Graph* g) {
  Csx c = {xmalloc((g->n + 1) * sizeof(GrB_Index)), xmalloc(g->e * sizeof(GrB_Index)),
           xmalloc(g->e * sizeof(double))};
  memset(c.p, 0, (g->n + 1) * sizeof(GrB_Index));
  for (uint64_t k = 0; k < g->e; ++k) ++c.p[g->in_src[k] + 1];
  for (uint64_t a = 0; a < g->n; ++a) c.p[a + 1] += c.p[a];
  GrB_Index* fill = xmalloc(g->n * sizeof(GrB_Index));
  memcpy(fill, c.p, g->n * sizeof(GrB_Index));
  for (uint64_t b = 0; b < g->n; ++b)
    for (uint64_t k = g->in_off[b]; k < g->in_off[b + 1]; ++k) {
      const uint32_t a = g->in_src[k];
      const GrB_Index at = fill[a]++;
      c.i[at] = b;
      c.x[at] = (double)g->weight[k] / g->out_weight[a];
    }
  free(fill);
  return c;
}

typedef struct {
  const char* name;
  int out_edges;   // arrays from the out-edges (else the in-edges)
  int by_column;   // import as CSC (else CSR)
  int transpose;   // GrB_DESC_T0
  const char* storage;
} Variant;

static const Variant kVariants[] = {
    {"pull", 0, 0, 0, "P^T by row (CSR of in-edges), y = A x"},
    {"pull-T0", 0, 1, 1, "P by column (same arrays as CSC), y = A' x"},
    {"push", 1, 1, 0, "P^T by column (CSC of out-edges), y = A x"},
    {"push-T0", 1, 0, 1, "P by row (CSR of out-edges), y = A' x"},
};

static GrB_Matrix build(const Graph* g, const Variant* var) {
  Csx c = var->out_edges ? out_arrays(g) : in_arrays(g);
  GrB_Matrix A;
  const GrB_Index psize = (g->n + 1) * sizeof(GrB_Index), isize = g->e * sizeof(GrB_Index),
                  xsize = g->e * sizeof(double);
  if (var->by_column)
    OK(GxB_Matrix_import_CSC(&A, GrB_FP64, g->n, g->n, &c.p, &c.i, (void**)&c.x, psize, isize, xsize, false,
                             false, NULL));
  else
    OK(GxB_Matrix_import_CSR(&A, GrB_FP64, g->n, g->n, &c.p, &c.i, (void**)&c.x, psize, isize, xsize, false,
                             false, NULL));
  return A;
}

// One power iteration run from x = v; returns iterations, sets residual and x (dense) on exit.
static int run(const Graph* g, GrB_Matrix A, GrB_Descriptor desc, GrB_Vector v, GrB_Vector dangling, double d,
               double tol, int max_it, double* residual, double* mxv_s, double* x_out) {
  GrB_Vector x, y, t, diff;
  OK(GrB_Vector_dup(&x, v));
  OK(GrB_Vector_new(&y, GrB_FP64, g->n));
  OK(GrB_Vector_new(&t, GrB_FP64, g->n));
  OK(GrB_Vector_new(&diff, GrB_FP64, g->n));
  int it = 0;
  double r = INFINITY;
  while (it < max_it) {
    double mass = 0;
    OK(GrB_Vector_eWiseMult_BinaryOp(t, NULL, NULL, GrB_FIRST_FP64, x, dangling, NULL));
    OK(GrB_Vector_reduce_FP64(&mass, NULL, GrB_PLUS_MONOID_FP64, t, NULL));
    const double m0 = now();
    // y = 0 then y += A x keeps y full (every entry present), as x is: GraphBLAS then takes its
    // in-place kernels for a full output (dot4 / saxpy4) instead of building a sparse result.
    OK(GrB_Vector_assign_FP64(y, NULL, NULL, 0.0, GrB_ALL, g->n, NULL));
    OK(GrB_mxv(y, NULL, GrB_PLUS_FP64, GrB_PLUS_TIMES_SEMIRING_FP64, A, x, desc));
    OK(GrB_Vector_wait(y, GrB_MATERIALIZE));
    *mxv_s += now() - m0;
    OK(GrB_Vector_apply_BinaryOp2nd_FP64(y, NULL, NULL, GrB_TIMES_FP64, y, d, NULL));
    OK(GrB_Vector_apply_BinaryOp2nd_FP64(y, NULL, GrB_PLUS_FP64, GrB_TIMES_FP64, v, d * mass + (1.0 - d), NULL));
    OK(GrB_Vector_eWiseAdd_BinaryOp(diff, NULL, NULL, GrB_MINUS_FP64, y, x, NULL));
    OK(GrB_Vector_apply(diff, NULL, NULL, GrB_ABS_FP64, diff, NULL));
    OK(GrB_Vector_reduce_FP64(&r, NULL, GrB_PLUS_MONOID_FP64, diff, NULL));
    GrB_Vector swap = x;
    x = y;
    y = swap;
    ++it;
    if (r < tol) break;
  }
  *residual = r;
  if (x_out) {
    // Entries never reached stay implicit zeros in a sparse vector.
    GrB_Index nvals = 0;
    OK(GrB_Vector_nvals(&nvals, x));
    GrB_Index* idx = xmalloc(nvals * sizeof(GrB_Index));
    double* val = xmalloc(nvals * sizeof(double));
    OK(GrB_Vector_extractTuples_FP64(idx, val, &nvals, x));
    memset(x_out, 0, g->n * sizeof(double));
    for (GrB_Index k = 0; k < nvals; ++k) x_out[idx[k]] = val[k];
    free(idx);
    free(val);
  }
  GrB_Vector_free(&x);
  GrB_Vector_free(&y);
  GrB_Vector_free(&t);
  GrB_Vector_free(&diff);
  return it;
}

static int cmp_double(const void* a, const void* b) {
  const double x = *(const double*)a, y = *(const double*)b;
  return (x > y) - (x < y);
}

static double median(const double* values, int n) {
  double s[MAX_RUNS];
  memcpy(s, values, n * sizeof(double));
  qsort(s, n, sizeof(double), cmp_double);
  return n % 2 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
}

static void print_list(const double* values, int n) {
  printf("[");
  for (int k = 0; k < n; ++k) printf("%s%.6f", k ? ", " : "", values[k]);
  printf("]");
}

int main(int argc, char** argv) {
  const char *graph_path = NULL, *v_path = NULL, *x_path = NULL, *variants = "pull,pull-T0,push,push-T0";
  double d = -1, tol = -1;
  int max_it = -1, threads = 2, runs = 3;
  for (int k = 1; k < argc; ++k) {
    const char* a = argv[k];
    const char* val = k + 1 < argc ? argv[k + 1] : NULL;
    if (a[0] != '-') {
      if (!graph_path) graph_path = a;
      else if (!v_path) v_path = a;
      else die("too many arguments");
      continue;
    }
    if (!val) die("option without a value");
    if (!strcmp(a, "--damping")) d = atof(val);
    else if (!strcmp(a, "--tolerance")) tol = atof(val);
    else if (!strcmp(a, "--max-iterations")) max_it = atoi(val);
    else if (!strcmp(a, "--threads")) threads = atoi(val);
    else if (!strcmp(a, "--runs")) runs = atoi(val);
    else if (!strcmp(a, "--variants")) variants = val;
    else if (!strcmp(a, "--x-out")) x_path = val;
    else die("unknown option (see the comment at the top of graphblas_pagerank.c)");
    ++k;
  }
  if (!graph_path || !v_path || !(d > 0 && d < 1) || !(tol > 0) || max_it < 0 || runs < 1 || runs > MAX_RUNS ||
      threads < 1)
    die("usage: graphblas_pagerank GRAPH.bin V.bin --damping D --tolerance T --max-iterations M "
        "[--threads 2] [--runs 3] [--variants pull,pull-T0,push,push-T0] [--x-out X.bin]");

  double t0 = now();
  Graph g;
  load(graph_path, v_path, &g);
  const double load_s = now() - t0;

  OK(GrB_init(GrB_NONBLOCKING));
  OK(GxB_Global_Option_set(GxB_NTHREADS, threads));
  GrB_Vector v, dangling;
  OK(GrB_Vector_new(&v, GrB_FP64, g.n));
  OK(GrB_Vector_new(&dangling, GrB_FP64, g.n));
  {
    GrB_Index* idx = xmalloc(g.n * sizeof(GrB_Index));
    double* val = xmalloc(g.n * sizeof(double));
    GrB_Index nv = 0, nd = 0;
    // v with explicit zeros: x = v is then a full vector, and so is every iterate.
    for (uint64_t i = 0; i < g.n; ++i) idx[nv] = i, val[nv++] = g.v[i];
    OK(GrB_Vector_build_FP64(v, idx, val, nv, GrB_PLUS_FP64));
    for (uint64_t i = 0; i < g.n; ++i)
      if (g.out_weight[i] == 0) idx[nd] = i, val[nd++] = 1.0;
    OK(GrB_Vector_build_FP64(dangling, idx, val, nd, GrB_PLUS_FP64));
    free(idx);
    free(val);
  }

  double* x_best = xmalloc(g.n * sizeof(double));
  double* x_run = xmalloc(g.n * sizeof(double));
  double best = INFINITY;
  const char* best_name = NULL;
  printf("{\"name\": \"graphblas\", \"version\": \"%d.%d.%d\", \"threads\": %d, \"load_s\": %.6f, "
         "\"weights\": \"pre-scaled matrix (P_ab = w_ab / out_weight_a, FP64), GrB_Index (int64) indices\", "
         "\"variants\": [",
         GxB_IMPLEMENTATION_MAJOR, GxB_IMPLEMENTATION_MINOR, GxB_IMPLEMENTATION_SUB, threads, load_s);
  int printed = 0;
  for (size_t k = 0; k < sizeof kVariants / sizeof kVariants[0]; ++k) {
    const Variant* var = &kVariants[k];
    // exact, comma-separated membership test
    const size_t len = strlen(var->name);
    int wanted = 0;
    for (const char* s = variants; (s = strstr(s, var->name)) != NULL; s += len)
      if ((s == variants || s[-1] == ',') && (s[len] == ',' || s[len] == '\0')) wanted = 1;
    if (!wanted) continue;
    t0 = now();
    GrB_Matrix A = build(&g, var);
    OK(GrB_Matrix_wait(A, GrB_MATERIALIZE));
    const double build_s = now() - t0;
    double times[MAX_RUNS], cpu_ratio[MAX_RUNS], mxv[MAX_RUNS], residual = 0;
    int iterations = 0;
    for (int r = 0; r < runs; ++r) {
      const double c0 = cpu_now();
      t0 = now();
      mxv[r] = 0;
      iterations = run(&g, A, var->transpose ? GrB_DESC_T0 : NULL, v, dangling, d, tol, max_it, &residual, &mxv[r],
                       r + 1 == runs ? x_run : NULL);
      times[r] = now() - t0;
      cpu_ratio[r] = (cpu_now() - c0) / times[r];
    }
    GrB_Matrix_free(&A);
    const double med = median(times, runs);
    if (med < best) {
      best = med;
      best_name = var->name;
      double* swap = x_best;
      x_best = x_run;
      x_run = swap;
    }
    printf("%s{\"name\": \"%s\", \"storage\": \"%s\", \"build_s\": %.6f, \"iteration_s\": ", printed++ ? ", " : "",
           var->name, var->storage, build_s);
    print_list(times, runs);
    printf(", \"median_s\": %.6f, \"mxv_median_s\": %.6f, \"cpu_per_wall\": %.3f, \"iterations\": %d, "
           "\"residual\": ", med, median(mxv, runs), median(cpu_ratio, runs), iterations);
    if (isfinite(residual)) printf("%.17g}", residual);
    else printf("null}");
    fflush(stdout);
  }
  if (!best_name) die("--variants selected none of pull, pull-T0, push, push-T0");
  printf("], \"best\": \"%s\", \"median_s\": %.6f}\n", best_name, best);
  if (x_path) {
    FILE* f = fopen(x_path, "wb");
    if (!f || fwrite(x_best, sizeof(double), g.n, f) != g.n || fclose(f) != 0) die("cannot write --x-out");
  }
  GrB_Vector_free(&v);
  GrB_Vector_free(&dangling);
  GrB_finalize();
  return 0;
}
