/* Loops Swift compiles poorly (one scalar comparison per value, bounds and uniqueness checks in SHA-256's rounds);
 * in C the compiler turns them into vector instructions and registers. */
#ifndef FAIRLAB_KERNELS_H
#define FAIRLAB_KERNELS_H

#include <stdint.h>

/* How many of column[0 ..< n] differ from value. */
int64_t fairlab_count_different(const double *column, int64_t n, double value);

/* The value more than half of column[0 ..< n] hold, else 0: what a column is centred on to store it sparse (a
 * standardised one-hot column's most common value is not 0). */
double fairlab_column_majority(const double *column, int64_t n);

/* counts[i] += 1 for each i < n where column[i] differs from value. */
void fairlab_add_differences(const double *column, int64_t n, double value, int64_t *counts);

/* For each i < n where column[i] differs from value, in order: indices[next[i]] = index,
 * values[next[i]] = column[i] - value, and next[i] += 1 (a column's entries scattered into compressed rows). */
void fairlab_scatter_differences(const double *column, int64_t n, double value, int32_t index, int64_t *next,
                                 int32_t *indices, double *values);

/* The k rows nearest a query among rows 0 ..< n (the query's own row `self` excluded; -1 for none), nearest first and,
 * among equal distances, the earlier row first: into nearest[0 ..< k], their squared distances into distances[0 ..< k]
 * (k at least 1); returns how many it found: k, unless fewer rows were offered. A row's squared distance is
 * own + norms[j] - 2 p_j, below 0 (rounding, for a duplicate row) taken as 0 and NaN (overflow) as infinite, where
 * p_j, the row's product with the query, is products[j] + indicator_products[j]; either may be NULL (taken as 0). */
int32_t fairlab_nearest_rows(const double *products, const float *indicator_products, const double *norms, int64_t n,
                             double own, int64_t self, int32_t k, double *distances, int64_t *nearest);

/* SHA-256's compression function (FIPS 180-4, 6.2.2) on `blocks` consecutive 64-byte chunks of `data`, updating
 * the eight hash words `state`. */
void fairlab_sha256_compress(uint32_t state[8], const uint8_t *data, int64_t blocks);

/* Adversarial debiasing's per-step loops, in single precision (TensorFlow's, AIF360's network's), vectorised where
 * the package's baseline build gave Swift one scalar instruction per value. */

/* One Adam step in TensorFlow 1's form over n parameters: first = beta1 first + (1 - beta1) g,
 * second = beta2 second + (1 - beta2) g g, parameters -= rate first / (sqrt(second) + epsilon). */
void fairlab_adam_step(float *parameters, float *first, float *second, const float *gradient, int64_t n, float rate,
                       float beta1, float beta2, float epsilon);

/* n dropout scales (scale where kept, 0 where dropped) from SplitMix64 (Steele, Lea & Flood 2014) continuing from
 * `state`: each 64-bit draw gives two values, its low 32 bits then its high 32 bits, kept when below `threshold`
 * (an odd n uses the low half of one more draw). Returns the state after the draws. */
uint64_t fairlab_dropout_fill(float *mask, int64_t n, uint64_t state, uint64_t threshold, float scale);

/* A hidden layer's ReLU over `rows` rows of `hidden` units (row i's units at i * hidden): pre += bias,
 * out = max(pre, 0), then out *= dropout when dropout is not NULL. */
void fairlab_relu_layer(float *pre, const float *bias, const float *dropout, int64_t hidden, int64_t rows, float *out);

/* Each hidden unit's slope through its ReLU and dropout, times each row's logit slope: deltas' row i holds
 * label_slopes[i] * t[h] and, when side_slopes is not NULL, side_slopes[i] * t[h] after them (width 2 hidden), with
 * t[h] = weights[h] (times dropout[i * hidden + h] when dropout is not NULL) where pre[i * hidden + h] > 0, else 0. */
void fairlab_hidden_deltas(const float *pre, const float *weights, const float *dropout, const float *label_slopes,
                           const float *side_slopes, int64_t hidden, int64_t rows, float *deltas);

/* result = g − (g·û) û − alpha u over n values, û = u / (‖u‖ + FLT_MIN) (adversarial debiasing's projection of the
 * classifier's gradient g away from the adversary's u); the two sums in sixteen interleaved lanes. */
void fairlab_project_away(const float *gradient, const float *adversary, int64_t n, float alpha, float *result);

/* Products with sparse rows, stored compressed: row r's entries are columns[e] and values[e] for e in
 * starts[r] ..< starts[r + 1], columns ascending. `batch` lists the `count` rows taken, in order (NULL: rows 0 ..< count).
 *
 * out's row b (width values at b * width) = the sum, over row batch[b]'s entries in order, of value times the row
 * columns[e] of `matrix` (features rows of width values, one after another). */
void fairlab_sparse_rows_times(const int64_t *starts, const int32_t *columns, const double *values, const int64_t *batch,
                               int64_t count, const double *matrix, int64_t width, double *out);

/* The transposed product Xᵀ D over the batch: out's row j (of `features` rows of width values) = the sum over the
 * batch's entries in column j, in batch order, of the entry's value times row b of `dense` (count rows of width
 * values, row b for the batch's b-th row), each sum one multiply and one add an entry, from 0. Narrow products (16
 * outputs or fewer) scatter the rows' entries into out; wide ones gather the batch's entries column by column first
 * and sum 32 outputs at a time in registers (the same sums in the same order). */
void fairlab_sparse_rows_transpose_times(const int64_t *starts, const int32_t *columns, const double *values,
                                         const int64_t *batch, int64_t count, const double *dense, int64_t width,
                                         int64_t features, double *out);

/* The two products in single precision, for adversarial debiasing's network. */
void fairlab_sparse_rows_times_f32(const int64_t *starts, const int32_t *columns, const float *values, const int64_t *batch,
                                   int64_t count, const float *matrix, int64_t width, float *out);
void fairlab_sparse_rows_transpose_times_f32(const int64_t *starts, const int32_t *columns, const float *values,
                                             const int64_t *batch, int64_t count, const float *dense, int64_t width,
                                             int64_t features, float *out);

/* The compressed rows `order` (count of them) of (starts, columns, values), one after another, into (new_starts: count + 1
 * values, new_columns, new_values: as many entries as those rows hold): row k of the copy is row order[k]. */
void fairlab_gather_sparse_rows_f32(const int64_t *starts, const int32_t *columns, const float *values, const int64_t *order,
                                    int64_t count, int64_t *new_starts, int32_t *new_columns, float *new_values);

/* The lower triangle (row ≥ column) of Σ_i weights[i] x_i x_iᵀ over the `count` compressed rows, into `lower`
 * (features × features, column-major; the upper triangle left 0): each row's pairs of entries, its rows in order;
 * rows of weight 0 skipped. With `cross` not NULL, also Σ_i weights[i] x_i into it (features values). */
void fairlab_sparse_weighted_gram(const int64_t *starts, const int32_t *columns, const double *values, int64_t count,
                                  const double *weights, int64_t features, double *lower, double *cross);

/* The meta-fair classifier's Gaussian (JointGaussian). The upper triangle (j ≥ i) of Σ_k c_k c_kᵀ over the `n` rows
 * c_k (`dimension` values each, one after another) into `sums` (dimension × dimension, row-major; the lower
 * triangle untouched), each sum adding its rows' products in the rows' order: four rows at a time, so that each sum
 * is loaded and stored once per four rows. */
void fairlab_upper_row_products(const double *rows, int64_t n, int64_t dimension, double *sums);

/* out_p = Σ_i (x_pi − mean_i) w_i over the `features` values of each of the `count` points x_p (one after another),
 * w_i the i-th row of `whitening` (features × rank, row-major), the terms added in the features' order (a centred
 * value of 0 adds nothing): four points and sixteen outputs at a time, the sums held in registers over the features. */
void fairlab_whiten_points(const double *points, int64_t count, int64_t features, const double *mean,
                           const double *whitening, int64_t rank, double *out);

/* The logistic loss's functions, for every logistic model (the host's learner and the plugins'): 1 / (1 + e^−z) and
 * the cross-entropy against a target t in [0, 1], max(z, 0) − z t + log(1 + e^−|z|) (its two terms apart:
 * log(1 + e^z) − z t would round a confident right answer's loss to 0), of the n values z (and t) into out, which must
 * not be z or t, and of one value. Built on the kernels' own e^x and ln x (within one unit in the last place of
 * glibc's, by IEEE operations only), so the loops vectorise and a value's result is the same bits one at a time or in
 * a loop, on every processor. Neither overflows; a NaN gives NaN, and so does an infinite z against a target strictly
 * between 0 and 1. */
void fairlab_sigmoid(const double *z, int64_t n, double *out);
void fairlab_cross_entropy(const double *z, const double *t, int64_t n, double *out);
double fairlab_sigmoid_of(double z);
double fairlab_cross_entropy_of(double z, double t);

/* Learning fair representations' passes over its n rows and k prototypes (LFRObjective); every n × k array is
 * row-major (row i's k values at i * k), k × k ones column-major.
 *
 * From the products S = X Vᵀ and the squared norms of the rows and the prototypes: the distances
 * D_ij = √max(‖x_i‖² − 2 S_ij + ‖v_j‖², 0) and the memberships M = row-softmax(−D). */
void fairlab_lfr_memberships(const double *products, const double *row_norms, const double *prototype_norms, int64_t n,
                             int64_t k, double *distances, double *memberships);

/* The objective's terms: sums[0] = Σ c_i ‖x̂_i − x_i‖², with ‖x̂_i − x_i‖² = (M Q)_i · M_i − 2 M_i · S_i + ‖x_i‖²
 * (Q = V Vᵀ, `prototype_products`; c_i the rows' `reconstruction_weights`); sums[1] = −Σ [y log ŷ + (1 − y) log(1 − ŷ)]
 * with ŷ_i = clip(M_i · w, clip, 1 − clip); sums[2 + j] = Σ a_i M_ij (a_i the rows' `side_contrasts`). Writes the
 * reconstruction path of ∂L/∂M, 2 A_x c_i (M Q − S)_i (A_x: reconstruction_scale), and each row's
 * g_ŷ = prediction_scale · (ŷ − y) / (ŷ (1 − ŷ)), 0 where ŷ is clipped. */
void fairlab_lfr_terms(const double *memberships, const double *products, const double *prototype_products,
                       const double *label_weights, const double *row_norms, const double *reconstruction_weights,
                       const double *side_contrasts, const double *labels, int64_t n, int64_t k,
                       double reconstruction_scale, double prediction_scale, double clip, double *membership_gradient,
                       double *prediction_gradient, double *sums);

/* The gradient's pass: G_i = membership_gradient_i + g_ŷ_i w + a_i parity (∂L/∂M_i), through the softmax and the
 * distances E_ij = −M_ij (G_ij − G_i · M_i) / D_ij (0 where D_ij = 0); writes F_i = 2 A_x c_i M_i + E_i into pulls, the
 * k × k kernel 2 A_x Mᵀ C M + diag(1ᵀ E) into kernel and Mᵀ g_ŷ (w's gradient) into label_gradient. */
void fairlab_lfr_gradient_rows(const double *memberships, const double *distances, const double *membership_gradient,
                               const double *prediction_gradient, const double *label_weights, const double *parity,
                               const double *side_contrasts, const double *reconstruction_weights, int64_t n, int64_t k,
                               double reconstruction_scale, double *pulls, double *kernel, double *label_gradient);

#endif
