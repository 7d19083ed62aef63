#include "fairlab_kernels.h"

#include <math.h>
#include <stddef.h>

/* Each kernel is compiled three times, for AVX-512, AVX2 and the baseline x86-64, and the loader picks the one
 * the processor runs (glibc's ifunc): the package builds for the baseline, whose vectors are two doubles wide. */
#if defined(__x86_64__) && defined(__linux__)
#define VECTORISED __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define VECTORISED
#endif

VECTORISED int64_t fairlab_count_different(const double *column, int64_t n, double value) {
    int64_t count = 0;
    for (int64_t i = 0; i < n; i++) count += column[i] != value;
    return count;
}

VECTORISED void fairlab_add_differences(const double *restrict column, int64_t n, double value, int64_t *restrict counts) {
    for (int64_t i = 0; i < n; i++) counts[i] += column[i] != value;
}

VECTORISED void fairlab_scatter_differences(const double *restrict column, int64_t n, double value, int32_t index,
                                 int64_t *restrict next, int32_t *restrict indices, double *restrict values) {
    int64_t i = 0;
    /* Eight values at a time: a block equal to value throughout (most of a sparse column) costs one test. */
    for (; i + 8 <= n; i += 8) {
        int same = 1;
        for (int lane = 0; lane < 8; lane++) same &= column[i + lane] == value;
        if (same) continue;
        for (int lane = 0; lane < 8; lane++) {
            if (column[i + lane] != value) {
                int64_t slot = next[i + lane]++;
                indices[slot] = index;
                values[slot] = column[i + lane] - value;
            }
        }
    }
    for (; i < n; i++) {
        if (column[i] != value) {
            int64_t slot = next[i]++;
            indices[slot] = index;
            values[slot] = column[i] - value;
        }
    }
}

/* The k best so far, sorted; a distance at or beyond the k-th never enters, so an equal distance keeps the row
 * offered first. */
typedef struct {
    int32_t k, filled;
    double worst;
    double *distances;
    int64_t *rows;
} nearest_set;

static inline void offer(nearest_set *best, double distance, int64_t row) {
    if (distance >= best->worst) return;
    int32_t position = best->filled == best->k ? best->k - 1 : best->filled;
    if (best->filled < best->k) best->filled++;
    while (position > 0 && best->distances[position - 1] > distance) {
        best->distances[position] = best->distances[position - 1];
        best->rows[position] = best->rows[position - 1];
        position--;
    }
    best->distances[position] = distance;
    best->rows[position] = row;
    if (best->filled == best->k) best->worst = best->distances[best->k - 1];
}

static inline __attribute__((always_inline)) double product(const double *products, const float *indicator_products, int64_t j) {
    return (products ? products[j] : 0) + (indicator_products ? (double)indicator_products[j] : 0);
}

/* Inlined once per combination of present inputs, so each loop below has no test for them and is vectorised. */
static inline __attribute__((always_inline)) void scan(const double *products, const float *indicator_products,
                                                       const double *norms, int64_t n, double own, int64_t self,
                                                       nearest_set *best) {
    int64_t j = 0;
    /* Eight rows at a time: whether any of them can enter (most blocks cannot once the k nearest are roughly
     * known) is computed without a branch per row. */
    for (; j + 8 <= n; j += 8) {
        double block[8], worst = best->worst;
        int below = 0;
        for (int lane = 0; lane < 8; lane++) {
            double distance = (own + norms[j + lane]) - 2 * product(products, indicator_products, j + lane);
            block[lane] = distance < 0 ? 0 : distance;
            below |= block[lane] < worst;
        }
        if (below) {
            for (int lane = 0; lane < 8; lane++) {
                if (j + lane != self) offer(best, block[lane], j + lane);
            }
        }
    }
    for (; j < n; j++) {
        double distance = (own + norms[j]) - 2 * product(products, indicator_products, j);
        if (j != self) offer(best, distance < 0 ? 0 : distance, j);
    }
}

VECTORISED void fairlab_nearest_rows(const double *products, const float *indicator_products, const double *norms, int64_t n,
                          double own, int64_t self, int32_t k, double *distances, int64_t *nearest) {
    nearest_set best = {k, 0, INFINITY, distances, nearest};
    if (products && indicator_products) scan(products, indicator_products, norms, n, own, self, &best);
    else if (products) scan(products, NULL, norms, n, own, self, &best);
    else if (indicator_products) scan(NULL, indicator_products, norms, n, own, self, &best);
    else scan(NULL, NULL, norms, n, own, self, &best);
}
