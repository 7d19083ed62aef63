#include "fairlab_kernels.h"

#include <float.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

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

double fairlab_column_majority(const double *column, int64_t n) {
    if (n == 0) return 0;
    /* Most often the first value (a one-hot column's 0, or its standardised equivalent): one vectorised count. */
    if (fairlab_count_different(column, n, column[0]) * 2 < n) return column[0];
    /* Else Boyer and Moore's vote finds the only candidate, which a count confirms. */
    double candidate = column[0];
    int64_t votes = 0;
    for (int64_t i = 0; i < n; i++) {
        if (votes == 0) {
            candidate = column[i];
            votes = 1;
        } else {
            votes += column[i] == candidate ? 1 : -1;
        }
    }
    return fairlab_count_different(column, n, candidate) * 2 < n ? candidate : 0;
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

/* The k best so far, sorted; until there are k every row enters (an infinite distance too, from norms that
 * overflow), then a distance at or beyond the k-th never does, so an equal distance keeps the row offered first. */
typedef struct {
    int32_t k, filled;
    double worst;
    double *distances;
    int64_t *rows;
} nearest_set;

static inline void offer(nearest_set *best, double distance, int64_t row) {
    if (best->filled == best->k && distance >= best->worst) return;
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

/* A computed squared distance as the scan ranks it: below 0 (rounding, for a duplicate row) 0, and NaN (an overflow's
 * ∞ − ∞) ∞, so that every distance compares and the nearest stay sorted. */
static inline double squared_distance(double distance) { return distance < 0 ? 0 : distance == distance ? distance : INFINITY; }

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
            block[lane] = squared_distance(distance);
            below |= block[lane] < worst;
        }
        if (below || best->filled < best->k) {
            for (int lane = 0; lane < 8; lane++) {
                if (j + lane != self) offer(best, block[lane], j + lane);
            }
        }
    }
    for (; j < n; j++) {
        double distance = (own + norms[j]) - 2 * product(products, indicator_products, j);
        if (j != self) offer(best, squared_distance(distance), j);
    }
}

VECTORISED int32_t fairlab_nearest_rows(const double *products, const float *indicator_products, const double *norms,
                                        int64_t n, double own, int64_t self, int32_t k, double *distances,
                                        int64_t *nearest) {
    nearest_set best = {k, 0, INFINITY, distances, nearest};
    if (products && indicator_products) scan(products, indicator_products, norms, n, own, self, &best);
    else if (products) scan(products, NULL, norms, n, own, self, &best);
    else if (indicator_products) scan(NULL, indicator_products, norms, n, own, self, &best);
    else scan(NULL, NULL, norms, n, own, self, &best);
    return best.filled;
}

static const uint32_t sha256_round_constants[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static inline uint32_t rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

void fairlab_sha256_compress(uint32_t state[8], const uint8_t *data, int64_t blocks) {
    for (int64_t block = 0; block < blocks; block++, data += 64) {
        uint32_t w[64];
        for (int t = 0; t < 16; t++) {
            const uint8_t *b = data + 4 * t;
            w[t] = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | (uint32_t)b[3];
        }
        for (int t = 16; t < 64; t++) {
            uint32_t s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >> 3);
            uint32_t s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >> 10);
            w[t] = w[t - 16] + s0 + w[t - 7] + s1;
        }
        uint32_t a = state[0], b = state[1], c = state[2], d = state[3], e = state[4], f = state[5], g = state[6],
                 h = state[7];
        for (int t = 0; t < 64; t++) {
            uint32_t s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
            uint32_t choice = (e & f) ^ (~e & g);
            uint32_t temp1 = h + s1 + choice + sha256_round_constants[t] + w[t];
            uint32_t s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
            uint32_t majority = (a & b) ^ (a & c) ^ (b & c);
            uint32_t temp2 = s0 + majority;
            h = g; g = f; f = e; e = d + temp1; d = c; c = b; b = a; a = temp1 + temp2;
        }
        state[0] += a; state[1] += b; state[2] += c; state[3] += d;
        state[4] += e; state[5] += f; state[6] += g; state[7] += h;
    }
}

VECTORISED void fairlab_adam_step(float *restrict parameters, float *restrict first, float *restrict second,
                                  const float *restrict gradient, int64_t n, float rate, float beta1, float beta2,
                                  float epsilon) {
    for (int64_t i = 0; i < n; i++) {
        float g = gradient[i];
        first[i] = beta1 * first[i] + (1 - beta1) * g;
        second[i] = beta2 * second[i] + (1 - beta2) * g * g;
        parameters[i] -= rate * first[i] / (sqrtf(second[i]) + epsilon);
    }
}

/* SplitMix64's output function (Steele, Lea & Flood 2014) of the state after a draw. */
static inline uint64_t splitmix_mix(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

VECTORISED uint64_t fairlab_dropout_fill(float *restrict mask, int64_t n, uint64_t state, uint64_t threshold, float scale) {
    const uint64_t golden = 0x9E3779B97F4A7C15ull;
    int64_t draws = (n + 1) / 2;
    for (int64_t j = 0; j < n / 2; j++) {
        uint64_t z = splitmix_mix(state + (uint64_t)(j + 1) * golden);
        mask[2 * j] = (z & 0xFFFFFFFFull) < threshold ? scale : 0;
        mask[2 * j + 1] = (z >> 32) < threshold ? scale : 0;
    }
    /* An odd n takes the low half of one more draw. */
    if (n % 2 == 1) mask[n - 1] = (splitmix_mix(state + (uint64_t)draws * golden) & 0xFFFFFFFFull) < threshold ? scale : 0;
    return state + (uint64_t)draws * golden;
}

void fairlab_gather_sparse_rows_f32(const int64_t *restrict starts, const int32_t *restrict columns, const float *restrict values,
                                    const int64_t *restrict order, int64_t count, int64_t *restrict new_starts,
                                    int32_t *restrict new_columns, float *restrict new_values) {
    int64_t filled = 0;
    new_starts[0] = 0;
    for (int64_t k = 0; k < count; k++) {
        int64_t first = starts[order[k]], end = starts[order[k] + 1];
        for (int64_t t = first; t < end; t++, filled++) {
            new_columns[filled] = columns[t];
            new_values[filled] = values[t];
        }
        new_starts[k + 1] = filled;
    }
}

VECTORISED void fairlab_relu_layer(float *restrict pre, const float *restrict bias, const float *restrict dropout,
                                   int64_t hidden, int64_t rows, float *restrict out) {
    for (int64_t i = 0; i < rows; i++) {
        for (int64_t h = 0; h < hidden; h++) {
            float z = pre[i * hidden + h] + bias[h];
            pre[i * hidden + h] = z;
            out[i * hidden + h] = 0.0f >= z ? 0.0f : z;
        }
    }
    if (dropout != NULL) {
        for (int64_t k = 0; k < rows * hidden; k++) out[k] *= dropout[k];
    }
}

VECTORISED void fairlab_hidden_deltas(const float *restrict pre, const float *restrict weights, const float *restrict dropout,
                                      const float *restrict label_slopes, const float *restrict side_slopes, int64_t hidden,
                                      int64_t rows, float *restrict deltas) {
    int64_t width = side_slopes != NULL ? 2 * hidden : hidden;
    for (int64_t i = 0; i < rows; i++) {
        float label = label_slopes[i], side = side_slopes != NULL ? side_slopes[i] : 0;
        const float *p = pre + i * hidden;
        float *d = deltas + i * width;
        for (int64_t h = 0; h < hidden; h++) {
            float through = p[h] > 0 ? (dropout != NULL ? weights[h] * dropout[i * hidden + h] : weights[h]) : 0;
            d[h] = label * through;
            if (side_slopes != NULL) d[hidden + h] = side * through;
        }
    }
}

/* The sparse products, in double precision and, for adversarial debiasing's network (float32, as TensorFlow's), in
 * single: one template (sparse_products.h) included once for each. */
#define REAL double
#define NAMED(name) name
#include "sparse_products.h"
#undef REAL
#undef NAMED
#define REAL float
#define NAMED(name) name##_f32
#include "sparse_products.h"
#undef REAL
#undef NAMED

VECTORISED void fairlab_sparse_weighted_gram(const int64_t *restrict starts, const int32_t *restrict columns,
                                             const double *restrict values, int64_t count,
                                             const double *restrict weights, int64_t features,
                                             double *restrict lower, double *restrict cross) {
    for (int64_t j = 0; j < features * features; j++) lower[j] = 0;
    if (cross) for (int64_t j = 0; j < features; j++) cross[j] = 0;
    for (int64_t i = 0; i < count; i++) {
        if (weights[i] == 0) continue;
        for (int64_t first = starts[i]; first < starts[i + 1]; first++) {
            /* Columns ascend within a row: the pairs (second, first) lie in column columns[first], from its diagonal
             * down, nearby writes. */
            double scaled = weights[i] * values[first];
            if (cross) cross[columns[first]] += scaled;
            double *column = lower + (int64_t)columns[first] * features;
            for (int64_t second = first; second < starts[i + 1]; second++) column[columns[second]] += scaled * values[second];
        }
    }
}

VECTORISED void fairlab_project_away(const float *restrict gradient, const float *restrict adversary, int64_t n,
                                     float alpha, float *restrict result) {
    /* Sixteen running sums per quantity, one per lane, added up at the end: a fixed order the compiler can vectorise. */
    float squares[16] = {0}, products[16] = {0};
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        for (int l = 0; l < 16; l++) {
            squares[l] += adversary[i + l] * adversary[i + l];
            products[l] += gradient[i + l] * adversary[i + l];
        }
    }
    for (int width = 8; width > 0; width /= 2) {
        for (int l = 0; l < width; l++) {
            squares[l] += squares[l + width];
            products[l] += products[l + width];
        }
    }
    float square = squares[0], product = products[0];
    for (; i < n; i++) {
        square += adversary[i] * adversary[i];
        product += gradient[i] * adversary[i];
    }
    float norm = sqrtf(square) + FLT_MIN, along = product / norm;
    for (int64_t k = 0; k < n; k++) result[k] = gradient[k] - (along * adversary[k] / norm + alpha * adversary[k]);
}

/* e^x to within one unit in the last place (20 million arguments over [−800, 710] against glibc's exp: none
 * further), by operations every clone computes alike (IEEE additions, multiplications and bit moves, no fused
 * multiply-add, no call), so a loop over it vectorises and gives the same results on every processor: glibc's exp is
 * a call per value, a fifth of LFR's time on Adult. x = k ln 2 + r with k = round(x / ln 2) (added to and taken from
 * 1.5 · 2⁵², which rounds it) and ln 2 in two parts (Cody and Waite: k · the first is exact), so |r| ≤ ln 2 / 2; e^r by
 * its Taylor polynomial to degree 13 (the rest below 2⁻⁵⁵ of it); then times 2^k as two powers of two, each normal
 * down to k = −1076 (below which e^x rounds to 0). A NaN stays NaN, −∞ gives 0 and +∞ gives +∞. */
static inline __attribute__((always_inline)) double exact_exp(double x) {
    const double shifter = 0x1.8p52;
    x = x < -746.0 ? -746.0 : x;
    x = x > 710.0 ? 710.0 : x;
    double k = (x * 0x1.71547652b82fep0 + shifter) - shifter;
    double r = (x - k * 0x1.62e42fee00000p-1) - k * 0x1.a39ef35793c76p-33;
    double p = 1.0 / 6227020800.0;
    p = p * r + 1.0 / 479001600.0;
    p = p * r + 1.0 / 39916800.0;
    p = p * r + 1.0 / 3628800.0;
    p = p * r + 1.0 / 362880.0;
    p = p * r + 1.0 / 40320.0;
    p = p * r + 1.0 / 5040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    /* 2^half and 2^rest, half + rest = k: each biased exponent, an integer below 2⁵¹, lies in the low bits of itself
     * plus 1.5 · 2⁵². */
    double half = (k * 0.5 + shifter) - shifter, rest = k - half;
    double biased[2] = {half + (1023.0 + shifter), rest + (1023.0 + shifter)};
    uint64_t bits[2];
    double powers[2];
    memcpy(bits, biased, sizeof bits);
    /* Unsigned: for a NaN x the difference is not an exponent, and a signed shift of it would be undefined. */
    for (int i = 0; i < 2; i++) bits[i] = (bits[i] - 0x4338000000000000ULL) << 52;
    memcpy(powers, bits, sizeof powers);
    return p * powers[0] * powers[1];
}

/* ln x to within one unit in the last place (20 million arguments over (0, 1], near 1 and over 2^±1000 against
 * glibc's log: none further), by operations every clone computes alike, as exact_exp. x = 2^e · m with m in [√½, √2)
 * (subnormals scaled by 2⁵⁴ first; the exponent field turned into a double by adding it to the bits of 2⁵²), then
 * ln m = 2 atanh(s), s = (m − 1) / (m + 1), in Cody and Waite's arrangement (as fdlibm's log, with its minimax
 * coefficients) and e ln 2 in two parts. 0 gives −∞, a negative x or NaN gives NaN, +∞ gives +∞. */
static inline __attribute__((always_inline)) double exact_log(double x) {
    int tiny = x < 0x1p-1022;
    double scaled = tiny ? x * 0x1p54 : x;
    uint64_t bits;
    memcpy(&bits, &scaled, sizeof bits);
    uint64_t field_bits = (bits >> 52) | 0x4330000000000000ULL, significand_bits = (bits & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL;
    double field, m;
    memcpy(&field, &field_bits, sizeof field);
    memcpy(&m, &significand_bits, sizeof m);
    double e = (field - 0x1p52) - (tiny ? 1077.0 : 1023.0);
    int high = m > 0x1.6a09e667f3bcdp0;
    m = high ? m * 0.5 : m;
    e = high ? e + 1 : e;
    double f = m - 1, s = f / (2 + f), z = s * s, w = z * z;
    double odd = w * (3.999999999940941908e-01 + w * (2.222219843214978396e-01 + w * 1.531383769920937332e-01));
    double even = z * (6.666666666666735130e-01 + w * (2.857142874366239149e-01 + w * (1.818357216161805012e-01 + w * 1.479819860511658591e-01)));
    double half_square = 0.5 * f * f, r = odd + even;
    double result = e * 0x1.62e42fee00000p-1 - ((half_square - (s * (half_square + r) + e * 0x1.a39ef35793c76p-33)) - f);
    result = x == 0 ? -INFINITY : result;
    result = x < 0 ? NAN : result;
    result = x == INFINITY ? INFINITY : result;
    return x != x ? x : result;
}

/* 1 / (1 + e^−z), from t = e^−|z| so nothing overflows: 1 / (1 + t) for z ≥ 0, t / (1 + t) below. */
static inline __attribute__((always_inline)) double exact_sigmoid(double z) {
    double t = exact_exp(-fabs(z));
    return z >= 0 ? 1 / (1 + t) : t / (1 + t);
}

/* The cross-entropy of logit z against target t, −t ln σ(z) − (1 − t) ln(1 − σ(z)) = max(z, 0) − z t + log1p(e^−|z|):
 * the two terms apart, so a confident right answer (z = 40, t = 1) keeps its 4.2 · 10⁻¹⁸, which log(1 + e^z) − z t
 * rounds to 0. log1p(e), e = e^−|z| in (0, 1] (so nothing overflows), is ln u, u = 1 + e rounded, plus (e − (u − 1)) / u,
 * the first-order correction for that rounding (exact where u = 1). For the labels 0 and 1, max(z, 0) − z t is
 * max(z, 0) and max(−z, 0), the same values, and right for an infinite z too (where z t would be ∞ · 0). */
static inline __attribute__((always_inline)) double exact_cross_entropy(double z, double t) {
    double e = exact_exp(-fabs(z)), u = 1 + e;
    double linear = t == 0 ? (z > 0 ? z : 0) : t == 1 ? (z < 0 ? -z : 0) : (z > 0 ? z : 0) - z * t;
    return linear + (exact_log(u) + (e - (u - 1)) / u);
}

VECTORISED static void cross_entropy_pass(const double *restrict z, const double *restrict t, int64_t n, double *restrict out) {
    for (int64_t i = 0; i < n; i++) out[i] = exact_cross_entropy(z[i], t[i]);
}

VECTORISED static void sigmoid_pass(const double *restrict z, int64_t n, double *restrict out) {
    for (int64_t i = 0; i < n; i++) out[i] = exact_sigmoid(z[i]);
}

/* Plain functions around the clones: Swift may pass a kernel's address around (merging two functions that differ only
 * in the kernel they call), and the address of a clone set (an ifunc) in a plugin the host loads came out null. */
void fairlab_sigmoid(const double *z, int64_t n, double *out) { sigmoid_pass(z, n, out); }

void fairlab_cross_entropy(const double *z, const double *t, int64_t n, double *out) { cross_entropy_pass(z, t, n, out); }

double fairlab_sigmoid_of(double z) { return exact_sigmoid(z); }

double fairlab_cross_entropy_of(double z, double t) { return exact_cross_entropy(z, t); }

/* fairlab_lfr_memberships for a k the caller may make a constant. */
static inline __attribute__((always_inline)) void lfr_memberships_over(const double *restrict products,
                                                                       const double *restrict row_norms,
                                                                       const double *restrict prototype_norms, int64_t n,
                                                                       int64_t k, double *restrict distances,
                                                                       double *restrict memberships) {
    /* Three passes, so that the exponentials go in one loop over every (row, prototype), which vectorises: the
     * distances and each exponent, shifted by the row's nearest distance so that the largest exponential is 1 and
     * none overflows; the exponentials; each row's normalisation. */
    for (int64_t i = 0; i < n; i++) {
        const double *s = products + i * k;
        double *d = distances + i * k, *m = memberships + i * k;
        double nearest = INFINITY;
        for (int64_t j = 0; j < k; j++) {
            double squared = row_norms[i] - 2 * s[j] + prototype_norms[j];
            d[j] = sqrt(squared < 0 ? 0 : squared);  /* a NaN stays NaN */
            if (d[j] < nearest) nearest = d[j];
        }
        for (int64_t j = 0; j < k; j++) m[j] = nearest - d[j];
    }
    for (int64_t t = 0; t < n * k; t++) memberships[t] = exact_exp(memberships[t]);
    for (int64_t i = 0; i < n; i++) {
        double *m = memberships + i * k;
        double total = 0;
        for (int64_t j = 0; j < k; j++) total += m[j];
        for (int64_t j = 0; j < k; j++) m[j] /= total;
    }
}

VECTORISED void fairlab_lfr_memberships(const double *restrict products, const double *restrict row_norms,
                                        const double *restrict prototype_norms, int64_t n, int64_t k,
                                        double *restrict distances, double *restrict memberships) {
    /* The common prototype counts compiled with k a constant, the loops over k unrolled: the same operations in the same
     * order, so the same results, in about half the time on Adult. (fairlab_lfr_gradient_rows is not: unrolled, its
     * k × k sums ran slower.) */
    switch (k) {
#define PROTOTYPES(c) \
    case c: lfr_memberships_over(products, row_norms, prototype_norms, n, c, distances, memberships); return;
        PROTOTYPES(2) PROTOTYPES(3) PROTOTYPES(4) PROTOTYPES(5) PROTOTYPES(6) PROTOTYPES(8) PROTOTYPES(10)
#undef PROTOTYPES
        default: lfr_memberships_over(products, row_norms, prototype_norms, n, k, distances, memberships);
    }
}

/* fairlab_lfr_terms for a k the caller may make a constant. */
static inline __attribute__((always_inline)) void lfr_terms_over(
    const double *restrict memberships, const double *restrict products, const double *restrict prototype_products,
    const double *restrict label_weights, const double *restrict row_norms, const double *restrict reconstruction_weights,
    const double *restrict side_contrasts, const double *restrict labels, int64_t n, int64_t k, double reconstruction_scale,
    double prediction_scale, double clip, double *restrict membership_gradient, double *restrict prediction_gradient,
    double *restrict sums) {
    double reconstruction = 0, prediction = 0;
    double *contrasts = sums + 2;
    for (int64_t j = 0; j < k; j++) contrasts[j] = 0;
    double mq[k];
    /* Rows in blocks: each block's predictions first, then their logarithms in one loop, which vectorises, then
     * the sum, in row order, and the prediction gradient. */
    enum { block = 256 };
    double y_hats[block], logs[block];
    for (int64_t first = 0; first < n; first += block) {
        int64_t count = n - first < block ? n - first : block;
        for (int64_t b = 0; b < count; b++) {
            int64_t i = first + b;
            const double *m = memberships + i * k, *s = products + i * k;
            double squared_error = row_norms[i], linear = 0;
            for (int64_t j = 0; j < k; j++) {
                double product = 0;
                for (int64_t l = 0; l < k; l++) product += m[l] * prototype_products[l + j * k];
                mq[j] = product;
                squared_error += (product - 2 * s[j]) * m[j];
                linear += m[j] * label_weights[j];
            }
            reconstruction += reconstruction_weights[i] * squared_error;
            double scale = 2 * reconstruction_scale * reconstruction_weights[i];
            for (int64_t j = 0; j < k; j++) membership_gradient[i * k + j] = scale * (mq[j] - s[j]);
            /* Clipped (a NaN stays NaN). */
            y_hats[b] = linear < clip ? clip : linear > 1 - clip ? 1 - clip : linear;
            for (int64_t j = 0; j < k; j++) contrasts[j] += side_contrasts[i] * m[j];
        }
        for (int64_t b = 0; b < count; b++) {
            double y = labels[first + b], favourable = exact_log(y_hats[b]), unfavourable = exact_log(1 - y_hats[b]);
            /* A 0/1 label keeps one logarithm of the two (both taken, so the loop vectorises), a fraction weighs both. */
            logs[b] = y == 1 ? favourable : y == 0 ? unfavourable : y * favourable + (1 - y) * unfavourable;
        }
        for (int64_t b = 0; b < count; b++) {
            double y_hat = y_hats[b], y = labels[first + b];
            prediction -= logs[b];
            /* Zero where ŷ is clipped: the unclipped ŷ lies strictly inside (clip, 1 − clip). */
            prediction_gradient[first + b] = y_hat > clip && y_hat < 1 - clip ? prediction_scale * (y_hat - y) / (y_hat * (1 - y_hat)) : 0;
        }
    }
    sums[0] = reconstruction;
    sums[1] = prediction;
}

VECTORISED void fairlab_lfr_terms(const double *restrict memberships, const double *restrict products,
                                  const double *restrict prototype_products, const double *restrict label_weights,
                                  const double *restrict row_norms, const double *restrict reconstruction_weights,
                                  const double *restrict side_contrasts, const double *restrict labels, int64_t n,
                                  int64_t k, double reconstruction_scale, double prediction_scale, double clip,
                                  double *restrict membership_gradient, double *restrict prediction_gradient,
                                  double *restrict sums) {
    /* As fairlab_lfr_memberships. */
    switch (k) {
#define TERMS(count)                                                                                                  \
    lfr_terms_over(memberships, products, prototype_products, label_weights, row_norms, reconstruction_weights,        \
                   side_contrasts, labels, n, count, reconstruction_scale, prediction_scale, clip, membership_gradient, \
                   prediction_gradient, sums)
#define PROTOTYPES(c) \
    case c: TERMS(c); return;
        PROTOTYPES(2) PROTOTYPES(3) PROTOTYPES(4) PROTOTYPES(5) PROTOTYPES(6) PROTOTYPES(8) PROTOTYPES(10)
#undef PROTOTYPES
        default: TERMS(k);
#undef TERMS
    }
}

VECTORISED void fairlab_lfr_gradient_rows(const double *restrict memberships, const double *restrict distances,
                                          const double *restrict membership_gradient,
                                          const double *restrict prediction_gradient,
                                          const double *restrict label_weights, const double *restrict parity,
                                          const double *restrict side_contrasts,
                                          const double *restrict reconstruction_weights, int64_t n, int64_t k,
                                          double reconstruction_scale, double *restrict pulls,
                                          double *restrict kernel, double *restrict label_gradient) {
    double column_sums[k], g[k];
    for (int64_t j = 0; j < k; j++) column_sums[j] = label_gradient[j] = 0;
    for (int64_t j = 0; j < k * k; j++) kernel[j] = 0;
    for (int64_t i = 0; i < n; i++) {
        const double *m = memberships + i * k, *d = distances + i * k;
        double centre = 0;
        for (int64_t j = 0; j < k; j++) {
            g[j] = membership_gradient[i * k + j] + (prediction_gradient[i] * label_weights[j] + parity[j] * side_contrasts[i]);
            centre += g[j] * m[j];
        }
        double scale = 2 * reconstruction_scale * reconstruction_weights[i];
        for (int64_t j = 0; j < k; j++) {
            double e = d[j] > 0 ? -m[j] * (g[j] - centre) / d[j] : 0;
            column_sums[j] += e;
            pulls[i * k + j] = scale * m[j] + e;
            double weighted = scale * m[j];
            for (int64_t l = 0; l < k; l++) kernel[j + l * k] += weighted * m[l];
            label_gradient[j] += m[j] * prediction_gradient[i];
        }
    }
    for (int64_t j = 0; j < k; j++) kernel[j + j * k] += column_sums[j];
}

VECTORISED void fairlab_upper_row_products(const double *restrict rows, int64_t n, int64_t dimension,
                                           double *restrict sums) {
    int64_t k = 0;
    for (; k + 4 <= n; k += 4) {
        const double *r0 = rows + k * dimension, *r1 = r0 + dimension, *r2 = r1 + dimension, *r3 = r2 + dimension;
        for (int64_t i = 0; i < dimension; i++) {
            double a0 = r0[i], a1 = r1[i], a2 = r2[i], a3 = r3[i];
            double *target = sums + i * dimension;
            for (int64_t j = i; j < dimension; j++) {
                double t = target[j];
                t += a0 * r0[j];
                t += a1 * r1[j];
                t += a2 * r2[j];
                t += a3 * r3[j];
                target[j] = t;
            }
        }
    }
    for (; k < n; k++) {
        const double *row = rows + k * dimension;
        for (int64_t i = 0; i < dimension; i++) {
            double a = row[i], *target = sums + i * dimension;
            for (int64_t j = i; j < dimension; j++) target[j] += a * row[j];
        }
    }
}

VECTORISED void fairlab_whiten_points(const double *restrict points, int64_t count, int64_t features,
                                      const double *restrict mean, const double *restrict whitening, int64_t rank,
                                      double *restrict out) {
    enum { block_points = 4, block_outputs = 16 };
    for (int64_t p0 = 0; p0 < count; p0 += block_points) {
        int64_t np = count - p0 < block_points ? count - p0 : block_points;
        for (int64_t k0 = 0; k0 < rank; k0 += block_outputs) {
            int64_t nk = rank - k0 < block_outputs ? rank - k0 : block_outputs;
            if (np == block_points && nk == block_outputs) {
                /* A centred value of 0 adds ±0 (the whitening is finite), which leaves every sum as it was (a sum
                 * from +0 is never −0): the same as skipping it, without a branch. */
                double sums[block_points][block_outputs] = {{0}};
                for (int64_t i = 0; i < features; i++) {
                    const double *w = whitening + i * rank + k0;
                    for (int q = 0; q < block_points; q++) {
                        double centred = points[(p0 + q) * features + i] - mean[i];
                        for (int k = 0; k < block_outputs; k++) sums[q][k] += centred * w[k];
                    }
                }
                for (int q = 0; q < block_points; q++)
                    for (int k = 0; k < block_outputs; k++) out[(p0 + q) * rank + k0 + k] = sums[q][k];
            } else {
                for (int64_t q = 0; q < np; q++) {
                    for (int64_t k = 0; k < nk; k++) {
                        double sum = 0;
                        for (int64_t i = 0; i < features; i++) {
                            double centred = points[(p0 + q) * features + i] - mean[i];
                            sum += centred * whitening[i * rank + k0 + k];  /* a 0 adds ±0, as above */
                        }
                        out[(p0 + q) * rank + k0 + k] = sum;
                    }
                }
            }
        }
    }
}
