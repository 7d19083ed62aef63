/* The sparse products' template, included by kernels.c once for each precision: REAL is the element type and
 * NAMED(name) the name of a function in it (fairlab_kernels.h documents the products). */

/* o[0 ..< width] = the sum over entries first ..< end of values[e] times the row columns[e] of matrix (rows of
 * `stride` values, from column `offset`), for a width known when compiled: the sums stay in registers, instead of
 * being loaded and stored for every entry (a store forwarded to the next entry's load lengthens each sum's chain of
 * dependent additions). Each sum adds its entries in order, whatever the width. */
static inline __attribute__((always_inline)) void NAMED(sum_entries)(const int32_t *restrict columns, const REAL *restrict values,
                                                              int64_t first, int64_t end, const REAL *restrict matrix,
                                                              int64_t stride, int64_t offset, const int width,
                                                              REAL *restrict o) {
    REAL sums[32] = {0};
    for (int64_t e = first; e < end; e++) {
        const REAL *m = matrix + (int64_t)columns[e] * stride + offset;
        REAL v = values[e];
        for (int h = 0; h < width; h++) sums[h] += v * m[h];
    }
    for (int h = 0; h < width; h++) o[h] = sums[h];
}

/* sum_entries over all `width` outputs: 32 at a time, then the rest if at most 16, each block compiled with its width
 * (32 doubles fill 4 of AVX-512's registers, 8 of AVX2's; 32 floats half that); a rest of 17 to 31 summed in memory. */
static inline __attribute__((always_inline)) void NAMED(sum_all_entries)(const int32_t *restrict columns,
                                                                  const REAL *restrict values, int64_t first,
                                                                  int64_t end, const REAL *restrict matrix,
                                                                  int64_t width, REAL *restrict o) {
    int64_t h0 = 0;
    for (; h0 + 32 <= width; h0 += 32) NAMED(sum_entries)(columns, values, first, end, matrix, width, h0, 32, o + h0);
    switch (width - h0) {
#define NARROW(w) \
    case w: NAMED(sum_entries)(columns, values, first, end, matrix, width, h0, w, o + h0); return;
        NARROW(1) NARROW(2) NARROW(3) NARROW(4) NARROW(5) NARROW(6) NARROW(7) NARROW(8)
        NARROW(9) NARROW(10) NARROW(11) NARROW(12) NARROW(13) NARROW(14) NARROW(15) NARROW(16)
#undef NARROW
        case 0: return;
        default: break;
    }
    for (int64_t h = h0; h < width; h++) o[h] = 0;
    for (int64_t e = first; e < end; e++) {
        const REAL *m = matrix + (int64_t)columns[e] * width;
        REAL v = values[e];
        for (int64_t h = h0; h < width; h++) o[h] += v * m[h];
    }
}

VECTORISED void NAMED(fairlab_sparse_rows_times)(const int64_t *restrict starts, const int32_t *restrict columns,
                                          const REAL *restrict values, const int64_t *restrict batch, int64_t count,
                                          const REAL *restrict matrix, int64_t width, REAL *restrict out) {
    for (int64_t b = 0; b < count; b++) {
        int64_t row = batch ? batch[b] : b;
        NAMED(sum_all_entries)(columns, values, starts[row], starts[row + 1], matrix, width, out + b * width);
    }
}

/* out[column][0 ..< width] (out's rows `stride` apart) += value times row[0 ..< width], for each of a row's entries
 * first ..< end in order: the row's share of Xᵀ D, for a width known when compiled, the dense row's values held in
 * registers over the entries. */
static inline __attribute__((always_inline)) void NAMED(scatter_row)(const int32_t *restrict columns,
                                                              const REAL *restrict values, int64_t first,
                                                              int64_t end, const REAL *restrict row, const int width,
                                                              int64_t stride, REAL *restrict out) {
    REAL d[32];
    for (int h = 0; h < width; h++) d[h] = row[h];
    for (int64_t e = first; e < end; e++) {
        REAL *o = out + (int64_t)columns[e] * stride, v = values[e];
        for (int h = 0; h < width; h++) o[h] += v * d[h];
    }
}

VECTORISED void NAMED(fairlab_sparse_rows_transpose_times)(const int64_t *restrict starts, const int32_t *restrict columns,
                                                    const REAL *restrict values, const int64_t *restrict batch,
                                                    int64_t count, const REAL *restrict dense, int64_t width,
                                                    int64_t features, REAL *restrict out) {
    if (width <= 16) {
        for (int64_t j = 0; j < features * width; j++) out[j] = 0;
        for (int64_t b = 0; b < count; b++) {
            int64_t r = batch ? batch[b] : b;
            const REAL *row = dense + b * width;
            switch (width) {
#define NARROW(w) \
    case w: NAMED(scatter_row)(columns, values, starts[r], starts[r + 1], row, w, w, out); break;
                NARROW(1) NARROW(2) NARROW(3) NARROW(4) NARROW(5) NARROW(6) NARROW(7) NARROW(8)
                NARROW(9) NARROW(10) NARROW(11) NARROW(12) NARROW(13) NARROW(14) NARROW(15) NARROW(16)
#undef NARROW
                default: break;
            }
        }
        return;
    }
    /* Wide: the batch's entries gathered column by column first (each column's in batch order), then each block of
     * 32 outputs of a column summed in registers over its entries and stored once. Summing into out row by row
     * instead costs a load and a store of out for every entry: twice the time (adversarial debiasing's 400-wide
     * product). The sums add in the same order, so the result is the same either way. */
    int64_t entries = 0;
    for (int64_t b = 0; b < count; b++) {
        int64_t r = batch ? batch[b] : b;
        entries += starts[r + 1] - starts[r];
    }
    /* One allocation for the column starts, each entry's batch position and its value; at a worker's memory limit
     * its failure ends the worker, as any allocation's would. */
    char *scratch = malloc((size_t)(features + 1) * sizeof(int64_t) + (size_t)entries * (sizeof(int32_t) + sizeof(REAL)));
    if (scratch == NULL) abort();
    int64_t *column_starts = (int64_t *)scratch;
    REAL *column_values = (REAL *)(column_starts + features + 1);
    int32_t *positions = (int32_t *)(column_values + entries);
    for (int64_t j = 0; j <= features; j++) column_starts[j] = 0;
    for (int64_t b = 0; b < count; b++) {
        int64_t r = batch ? batch[b] : b;
        for (int64_t e = starts[r]; e < starts[r + 1]; e++) column_starts[columns[e] + 1]++;
    }
    for (int64_t j = 0; j < features; j++) column_starts[j + 1] += column_starts[j];
    for (int64_t b = 0; b < count; b++) {
        int64_t r = batch ? batch[b] : b;
        for (int64_t e = starts[r]; e < starts[r + 1]; e++) {
            int64_t slot = column_starts[columns[e]]++;
            positions[slot] = (int32_t)b;
            column_values[slot] = values[e];
        }
    }
    /* Each start moved on by its column's count: shifted back. */
    for (int64_t j = features; j > 0; j--) column_starts[j] = column_starts[j - 1];
    column_starts[0] = 0;
    /* Column j's entries, by batch position, are a row of the transposed batch: the rows product's sums over them. */
    for (int64_t j = 0; j < features; j++) {
        NAMED(sum_all_entries)(positions, column_values, column_starts[j], column_starts[j + 1], dense, width, out + j * width);
    }
    free(scratch);
}

