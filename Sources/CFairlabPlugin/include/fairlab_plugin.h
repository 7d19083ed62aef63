/*
 * fairlab_plugin.h — the fairlab plugin ABI, version 6.
 *
 * This header is all a plugin author needs. A plugin is a shared library that exports one C function,
 * `fairlab_plugin_entry`, which hands the host a library description (fl_library). A library offers one or
 * more methods, each described by an fl_method_descriptor and created by string id through fl_library.create.
 *
 * Stability rules (after CLAP, Vamp, LV2 and SQLite's extension table):
 *  - Every struct that crosses the boundary starts with `struct_size` and `abi_version`. Fields are only ever
 *    appended; a reader never touches a field that lies beyond the `struct_size` the writer filled in.
 *  - Arrays of structs are passed as arrays of pointers, so that a struct growing never changes a stride.
 *  - Enumerations are int32_t with explicit values; values are never renumbered or reused.
 *  - The host refuses a library whose fl_library.abi_version it does not speak, with a message naming it.
 *  - A struct written by a newer party may be larger than the reader knows; one written by an older party may
 *    be smaller than the reader's. Read a field only if FL_HAS_FIELD says the writer filled it in.
 *
 * Ownership: the host owns every buffer it passes in (views and output buffers). They are valid only for the
 * duration of the call that receives them; a plugin must copy anything it wants to keep. Strings and
 * descriptors a plugin hands to the host (fl_library, descriptors, their strings) must stay valid for the
 * lifetime of the process: the host never unloads a plugin library.
 *
 * Threading: the host calls the entry function and fl_library.create from one thread at a time. All calls on
 * one method instance happen on a single thread, one at a time. Services in fl_host may only be called from
 * inside a call the host made into the plugin, on that same thread. A plugin may use threads internally.
 *
 * Errors: every call that can fail returns an fl_status and may write a NUL-terminated, one-line message into
 * the host-owned fl_error buffer (see fl_error_set). FL_OK means success; any other value fails the method's
 * row in a comparison, with the message shown.
 *
 * Data conventions: for a binary task (FL_TASK_BINARY, every task before ABI 5) labels and predictions are
 * doubles holding 0 or 1, where 1 is the favourable outcome, and scores are estimates of P(favourable) in [0, 1];
 * for a regression task (FL_TASK_REGRESSION, ABI 5) they are finite real numbers and there are no scores; for a
 * clustering task (FL_TASK_CLUSTERING, ABI 6) there are no labels (NULL) and no scores, and a prediction is a cluster
 * id, 0 .. fl_data.cluster_count - 1, held as a double. Matrices are column-major (the CBLAS "ColMajor" layout), so
 * they can be handed to the BLAS in fl_blas directly. Group codes index 0..group_count-1 into fl_groups.
 */
#ifndef FAIRLAB_PLUGIN_H
#define FAIRLAB_PLUGIN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * The ABI version this header describes. A host speaks every version from 1 up to its own, so a plugin built
 * against an older header keeps loading; a plugin built against this one reads an appended field only where
 * FL_HAS_FIELD says the host filled it in.
 *
 * History (fields are only ever appended):
 *  1  the initial ABI.
 *  2  randomised predictions: fl_prediction_output.probabilities and .probabilities_written (P(ŷ = 1) per row),
 *     and fl_evaluation_input.probabilities, so metric plugins can report expected metrics beside drawn ones;
 *     feature columns described: fl_data.column_names, .column_kinds, .column_sources.
 *  3  adding rows: fl_transform_output.group_codes and .append_rows, so a transform of training data can add
 *     synthetic rows (SMOTE) with their features, labels, weights and groups.
 *  4  metric descriptors: fl_metric_sink.describe, through which a metric plugin says what each overall metric
 *     is (fl_metric_descriptor: display name, kind, ideal value), so tables, plots and selection rules need no
 *     list of known metrics.
 *  5  task kinds: fl_method_descriptor.tasks (the tasks a method handles; without the field, binary only),
 *     fl_data.task and fl_evaluation_input.task (the task of the data in hand). Regression labels and
 *     predictions are real numbers.
 *  6  clustering: FL_TASK_CLUSTERING, fl_data.cluster_count (the number of clusters the run asks for), and
 *     fl_evaluation_input.features and .cluster_count, so a metric plugin can measure a clustering's cost.
 *  7  single precision: fl_blas.sgemm, for products exact in float (of 0/1 indicator columns), needed only
 *     roughly, or of single-precision data (a float32 network's), at twice dgemm's speed.
 */
#define FAIRLAB_ABI_VERSION 7u

/** Name of the one function every plugin library exports. */
#define FAIRLAB_PLUGIN_ENTRY_SYMBOL "fairlab_plugin_entry"

/**
 * Copies the ABI struct at `source` into `destination` (`size` bytes, this header's sizeof) as its writer declared
 * it: its first struct_size bytes (every ABI struct starts with struct_size), at most `size`, the fields it does
 * not have zeroed. A struct from a peer built against an older header is shorter than this header's, so copying
 * it whole would read past it; after this copy FL_HAS_FIELD on the destination still tells which fields it had.
 */
static inline void fl_copy_declared(void *destination, const void *source, size_t size) {
    size_t declared = *(const uint32_t *)source;
    size_t count = declared < size ? declared : size;
    for (size_t i = 0; i < size; i++) ((unsigned char *)destination)[i] = i < count ? ((const unsigned char *)source)[i] : 0;
}

/** True if the struct at `ptr` (whose writer set struct_size) contains `field` of struct type `type`. */
#define FL_HAS_FIELD(ptr, type, field) \
    ((ptr)->struct_size >= offsetof(type, field) + sizeof(((const type *)0)->field))

/* ---------------------------------------------------------------------------------------------------- */
/* Status codes                                                                                         */
/* ---------------------------------------------------------------------------------------------------- */

/** Result of every fallible call. Values are stable and never reused. */
typedef int32_t fl_status;
#define FL_OK 0                     /**< Success. */
#define FL_ERROR_INVALID_INPUT 1    /**< The data or parameters cannot be handled (one class, empty group...). */
#define FL_ERROR_UNSUPPORTED 2      /**< The method does not implement this call or this kind of data. */
#define FL_ERROR_NUMERICAL 3        /**< The computation failed numerically (no convergence, singular...). */
#define FL_ERROR_OUT_OF_MEMORY 4    /**< An allocation failed. */
#define FL_ERROR_INTERNAL 5         /**< Anything else: a bug in the plugin. */

/**
 * A host-owned buffer for one error message. The plugin writes a NUL-terminated line of at most
 * `capacity - 1` bytes into `message`; fl_error_set does exactly that. Valid for the call only.
 */
typedef struct fl_error {
    uint32_t struct_size;
    uint32_t abi_version;
    char *message;      /**< Host-owned, `capacity` bytes, starts as the empty string. */
    uint32_t capacity;  /**< Size of `message` in bytes, including the terminating NUL. */
    uint32_t reserved;  /**< 0. Fills what would be tail padding, so a field appended later changes struct_size. */
} fl_error;

/** Writes a formatted message into `error` (truncating it to fit) and returns `status`. */
#define fl_error_set(error, status, ...) \
    (((error) != NULL && (error)->message != NULL && (error)->capacity > 0 \
        ? (void)snprintf((error)->message, (error)->capacity, __VA_ARGS__) : (void)0), (status))

/* ---------------------------------------------------------------------------------------------------- */
/* Descriptors: what a library offers                                                                   */
/* ---------------------------------------------------------------------------------------------------- */

/** Where in the pipeline a method acts. */
typedef int32_t fl_stage;
#define FL_STAGE_PRE 1      /**< Transforms training data before the host's base learner is trained. */
#define FL_STAGE_IN 2       /**< Trains its own model and predicts. */
#define FL_STAGE_POST 3     /**< Adjusts the baseline model's predictions, fitted on the validation split. */
#define FL_STAGE_METRIC 4   /**< Computes metrics from labels, predictions, scores and groups. */

/** Bit flags: what a method needs from the host. */
typedef uint32_t fl_needs;
#define FL_NEEDS_LABELS 0x1u               /**< Uses training labels. Informational: fit always gets them
                                                (clustering data has none). */
#define FL_NEEDS_SCORES 0x2u               /**< Uses the baseline's scores. Informational: post-processing
                                                methods always get them, other stages never do in v1. */
#define FL_NEEDS_GROUPS_AT_PREDICT 0x4u    /**< Group codes at predict / transform time on test data
                                                (otherwise group_codes is NULL there). */
#define FL_NEEDS_VALIDATION 0x8u           /**< The validation split, passed to fit (otherwise NULL). */
#define FL_NEEDS_FEATURES 0x20u            /**< METRIC: the evaluated rows' features in fl_evaluation_input.features
                                                (ABI 6; otherwise NULL), e.g. for a clustering's cost. */
#define FL_NEEDS_BASE_LEARNER 0x10u        /**< Calls the host's base learner. Informational: fl_learner is
                                                always available. */

/** Kinds of task (ABI 5). A dataset has one; a method declares the set it handles (fl_method_descriptor.tasks),
 *  and the host runs a method only on data of a task it declared. */
typedef uint32_t fl_tasks;
#define FL_TASK_BINARY 0x1u       /**< Labels and predictions are 0/1 (1 favourable); scores are P(favourable). */
#define FL_TASK_REGRESSION 0x2u   /**< Labels and predictions are real numbers (a price, a wage); no scores. */
#define FL_TASK_CLUSTERING 0x4u   /**< No labels (NULL); a prediction is a cluster id 0 .. cluster_count - 1 (ABI 6). */

/** Type of a method parameter. */
typedef int32_t fl_param_type;
#define FL_PARAM_REAL 1      /**< A double; bounds in minimum/maximum. */
#define FL_PARAM_INTEGER 2   /**< An integer (exactly representable as a double); bounds in minimum/maximum. */
#define FL_PARAM_BOOLEAN 3   /**< "true" or "false"; passed as 1 or 0. */
#define FL_PARAM_CHOICE 4    /**< One of the strings in `choices`. */
#define FL_PARAM_TEXT 5      /**< Free text. */

/** One parameter of a method. Owned by the plugin, valid for the life of the process. */
typedef struct fl_param_descriptor {
    uint32_t struct_size;
    uint32_t abi_version;
    const char *key;            /**< [a-z0-9_]+, unique within the method. */
    const char *description;    /**< One line. */
    fl_param_type type;
    const char *default_value;  /**< The default, as text in the syntax a user would type. */
    double minimum;             /**< Inclusive lower bound for REAL/INTEGER; -INFINITY for none. */
    double maximum;             /**< Inclusive upper bound for REAL/INTEGER; INFINITY for none. */
    const char *const *choices; /**< NULL-terminated list of allowed values for CHOICE, else NULL. */
} fl_param_descriptor;

/** One method a library offers. Owned by the plugin, valid for the life of the process. */
typedef struct fl_method_descriptor {
    uint32_t struct_size;
    uint32_t abi_version;
    const char *id;           /**< Unique across all plugins: [a-z0-9][a-z0-9_-]*, e.g. "reweighing". */
    const char *name;         /**< Human-readable name, e.g. "Reweighing (Kamiran & Calders 2012)". */
    const char *version;      /**< The method's own version, e.g. "1.0.0". */
    const char *description;  /**< One or two sentences. */
    fl_stage stage;
    fl_needs needs;
    uint32_t param_count;
    const fl_param_descriptor *const *params;  /**< `param_count` pointers. */
    /* ABI 5 (check FL_HAS_FIELD; a descriptor without it is FL_TASK_BINARY only) */
    fl_tasks tasks;           /**< The tasks the method handles: FL_TASK_* bits; 0 means FL_TASK_BINARY. */
    uint32_t reserved;        /**< 0. Fills what would be tail padding, so a field appended later changes struct_size. */
} fl_method_descriptor;


/* ---------------------------------------------------------------------------------------------------- */
/* Views: host-owned inputs, valid for one call                                                         */
/* ---------------------------------------------------------------------------------------------------- */

/** A column-major matrix: element (i, j) is data[i + j * leading_dimension]. */
typedef struct fl_matrix {
    uint32_t struct_size;
    uint32_t abi_version;
    int64_t rows;
    int64_t cols;
    int64_t leading_dimension;  /**< >= rows. */
    const double *data;
} fl_matrix;

/** The groups formed by the protected attribute(s); for several attributes, their intersections. */
typedef struct fl_groups {
    uint32_t struct_size;
    uint32_t abi_version;
    int32_t count;                   /**< Number of groups (>= 2). */
    const char *const *names;        /**< `count` names, e.g. "Female" or "Black/Female". */
    const uint8_t *privileged;       /**< `count` flags: 1 if the group is privileged. */
} fl_groups;

/** A slice of the dataset: features plus whatever else the method may see at this point. */
typedef struct fl_data {
    uint32_t struct_size;
    uint32_t abi_version;
    int64_t rows;
    const fl_matrix *features;   /**< rows x features, standardised with the training split's mean and std. */
    const double *labels;        /**< rows labels (0/1; real numbers for regression), or NULL where hidden (test
                                      data) or absent (clustering). */
    const double *scores;        /**< rows baseline scores for post-processing methods, else NULL. */
    const double *weights;       /**< rows instance weights, or NULL meaning all 1. */
    const int32_t *group_codes;  /**< rows group codes, or NULL where groups are hidden. */
    const fl_groups *groups;     /**< Always set. */
    /* ABI 2: what each feature column is (check FL_HAS_FIELD; each may also be NULL, meaning unknown). */
    const char *const *column_names; /**< cols names: "age", "workclass=Private" (one-hot), "sex" (protected). */
    const int32_t *column_kinds;     /**< cols FL_COLUMN_NUMERIC, FL_COLUMN_ONE_HOT or FL_COLUMN_PROTECTED. */
    const int32_t *column_sources;   /**< cols: the index of the first column of the same source column, so the
                                          one-hot columns of one categorical share a value. */
    /* ABI 5 (check FL_HAS_FIELD; without it the data is FL_TASK_BINARY) */
    fl_tasks task;                   /**< The data's task: one FL_TASK_* bit, one the method declared. */
    uint32_t reserved;               /**< 0. */
    /* ABI 6 (check FL_HAS_FIELD) */
    int64_t cluster_count;           /**< FL_TASK_CLUSTERING: the number of clusters k the run asks for; else 0. */
} fl_data;

/** Kinds of feature column (fl_data.column_kinds, ABI 2). */
#define FL_COLUMN_NUMERIC 0      /**< A number from the source (standardised like every column today). */
#define FL_COLUMN_ONE_HOT 1      /**< One category of a categorical source column ("column=value"). */
#define FL_COLUMN_PROTECTED 2    /**< A protected attribute's own column: 1 for privileged rows, 0 otherwise. */

/** Parameter values, in the order of the method's descriptor, already validated by the host. */
typedef struct fl_param_values {
    uint32_t struct_size;
    uint32_t abi_version;
    uint32_t count;              /**< Equals the descriptor's param_count. */
    const double *numbers;       /**< REAL and INTEGER values; BOOLEAN as 0/1; NAN for CHOICE and TEXT. */
    const char *const *texts;    /**< Every value as canonical text. */
} fl_param_values;

/* ---------------------------------------------------------------------------------------------------- */
/* Outputs: host-allocated buffers the plugin fills in                                                  */
/* ---------------------------------------------------------------------------------------------------- */

/**
 * Output of a pre-processing transform. The host fills every buffer with a copy of the input before the
 * call; the plugin overwrites the values it changes. Removing or duplicating rows is expressed through
 * weights (0 drops a row, k counts it k times); new, synthetic training rows are added with `append_rows`
 * (ABI 3). The plugin must not change rows, cols or the buffer pointers
 * itself: to change the number of feature columns it calls `resize_features`, which returns a fresh
 * host-owned, zeroed buffer of rows x new_cols (column-major, leading dimension = rows) and updates `cols`
 * and `features`. A buffer returned by an earlier resize is invalid after the next one.
 */
typedef struct fl_transform_output {
    uint32_t struct_size;
    uint32_t abi_version;
    int64_t rows;
    int64_t cols;                  /**< Current number of feature columns in `features`. */
    double *features;              /**< rows x cols, column-major, leading dimension = rows. */
    double *labels;                /**< rows, or NULL when transforming data whose labels are hidden. */
    double *weights;               /**< rows, starts at the input weights (1 where none). */
    void *host_context;            /**< Pass to resize_features. */
    /** Replaces `features` (and `cols`) with a zeroed rows x new_cols buffer; NULL if it cannot. */
    double *(*resize_features)(void *host_context, struct fl_transform_output *output, int64_t new_cols);
    /* ABI 3 (check FL_HAS_FIELD): rows can be added to training data. */
    int32_t *group_codes;          /**< `rows` group codes, pre-filled; NULL for test data and hidden groups. */
    /**
     * Appends `count` > 0 rows after the existing ones, which keep their values: `features`, `labels`, `weights`
     * and `group_codes` become fresh host-owned buffers of the new `rows` (features column-major with leading
     * dimension = the new rows), and `rows` is updated. The new rows start with features 0, label 0, weight 1
     * and group code 0, for the plugin to overwrite. Only data with labels and groups (the training rows) can
     * grow: predictions are made for every test row, so a transform of test data keeps its rows. Returns FL_OK,
     * FL_ERROR_UNSUPPORTED (test data), FL_ERROR_INVALID_INPUT (count <= 0) or FL_ERROR_OUT_OF_MEMORY (more rows
     * than a matrix may hold); buffers from before the call are invalid after a successful one.
     */
    fl_status (*append_rows)(void *host_context, struct fl_transform_output *output, int64_t count);
} fl_transform_output;

/**
 * Output of predict: hard predictions and, optionally, scores. A randomised method (one whose prediction for
 * a row is drawn) also writes each row's probability of a favourable prediction, from which the host reports
 * expected metrics beside the drawn ones; check FL_HAS_FIELD(output, fl_prediction_output, probabilities)
 * first (a version-1 host has no such field).
 */
typedef struct fl_prediction_output {
    uint32_t struct_size;
    uint32_t abi_version;
    int64_t rows;
    double *predictions;           /**< rows, host-allocated: write 0 or 1 for every row (a finite number for
                                        regression; a cluster id 0 .. cluster_count - 1 for clustering). */
    double *scores;                /**< rows, host-allocated: write P(favourable) if the method has scores. */
    int64_t predictions_written;   /**< Set to the number of predictions written (must equal rows). */
    int64_t scores_written;        /**< Set to rows if scores were written, 0 if the method has none. */
    /* ABI 2 */
    double *probabilities;         /**< rows, host-allocated: a randomised method writes P(ŷ = 1) of every row. */
    int64_t probabilities_written; /**< Set to rows if probabilities were written, 0 for a deterministic method. */
} fl_prediction_output;

/** Input of a metric plugin's evaluate call. */
typedef struct fl_evaluation_input {
    uint32_t struct_size;
    uint32_t abi_version;
    int64_t rows;
    const double *labels;          /**< rows true labels (0/1; real numbers for regression; NULL for clustering). */
    const double *predictions;     /**< rows predictions (0/1; real numbers for regression; cluster ids). */
    const double *scores;          /**< rows scores, or NULL when the method produced none. */
    const double *weights;         /**< rows instance weights, or NULL meaning all 1. */
    const int32_t *group_codes;    /**< rows group codes. */
    const fl_groups *groups;
    /* ABI 2 */
    const double *probabilities;   /**< rows P(ŷ = 1) of a randomised method's predictions, or NULL: a metric
                                        plugin may report expected metrics from them (the standard metrics
                                        report each as "expected_<name>"). */
    /* ABI 5 (check FL_HAS_FIELD; without it the data is FL_TASK_BINARY) */
    fl_tasks task;                 /**< The task of the labels and predictions: one FL_TASK_* bit. */
    uint32_t reserved;             /**< 0. */
    /* ABI 6 (check FL_HAS_FIELD) */
    const fl_matrix *features;     /**< rows x features of the evaluated rows as the prepared split holds them
                                        (standardised, before any method's transform), for a metric that declares
                                        FL_NEEDS_FEATURES (a clustering's cost); NULL otherwise. */
    int64_t cluster_count;         /**< FL_TASK_CLUSTERING: the k the run asked for (some clusters may be empty). */
} fl_evaluation_input;

/** Kinds of overall metric (fl_metric_descriptor.kind, ABI 4). */
#define FL_METRIC_KIND_OTHER 0       /**< None of these: distance from ideal is |value - ideal|. */
#define FL_METRIC_KIND_SCORE 1       /**< Performance, higher is better (accuracy; ideal 1). */
#define FL_METRIC_KIND_DIFFERENCE 2  /**< A difference between groups (ideal 0; distance |value|). */
#define FL_METRIC_KIND_RATIO 3       /**< A ratio between groups (ideal 1; distance 1 - min(value, 1/value)). */

/** What one overall metric is, for tables, plots and selection rules (ABI 4). */
typedef struct fl_metric_descriptor {
    uint32_t struct_size;
    uint32_t abi_version;
    const char *metric;        /**< The name its values are reported under. */
    const char *display_name;  /**< A short column header ("Stat. parity diff."), or NULL for the name itself. */
    int32_t kind;              /**< FL_METRIC_KIND_*. */
    double ideal;              /**< Its value for a perfect (or perfectly fair) model, or NaN for none. */
} fl_metric_descriptor;

/**
 * Where a metric plugin reports values, valid during the evaluate call only. Metric names are [a-z0-9_]+ and
 * stable across versions; the host copies a name during the call, so it may live in a temporary buffer.
 */
typedef struct fl_metric_sink {
    uint32_t struct_size;
    uint32_t abi_version;
    void *context;
    /** Reports a value for the whole test set (accuracy) or between groups (statistical_parity_difference). */
    void (*overall)(void *context, const char *metric, double value);
    /** Reports a value for one group (selection_rate of group 1). */
    void (*per_group)(void *context, const char *metric, int32_t group, double value);
    /* ABI 4 (check FL_HAS_FIELD(sink, fl_metric_sink, describe)) */
    /**
     * Says what an overall metric is: once per metric, in the order tables should show them. The host copies
     * the descriptor during the call. A metric never described is shown under its name, after the described.
     * NULL when the host needs no descriptions from this call (on bootstrap resamples): check before calling.
     */
    void (*describe)(void *context, const fl_metric_descriptor *descriptor);
} fl_metric_sink;

/* ---------------------------------------------------------------------------------------------------- */
/* Host services                                                                                        */
/* ---------------------------------------------------------------------------------------------------- */

/** CBLAS constants, with the values of the reference cblas.h. */
#define FL_BLAS_COL_MAJOR 102
#define FL_BLAS_NO_TRANS 111
#define FL_BLAS_TRANS 112

/** The host's BLAS (OpenBLAS), with CBLAS semantics. Dimensions must fit in int32_t. */
typedef struct fl_blas {
    uint32_t struct_size;
    uint32_t abi_version;
    double (*ddot)(int32_t n, const double *x, int32_t incx, const double *y, int32_t incy);
    void (*daxpy)(int32_t n, double alpha, const double *x, int32_t incx, double *y, int32_t incy);
    void (*dscal)(int32_t n, double alpha, double *x, int32_t incx);
    void (*dgemv)(int32_t order, int32_t trans, int32_t m, int32_t n, double alpha, const double *a,
                  int32_t lda, const double *x, int32_t incx, double beta, double *y, int32_t incy);
    void (*dgemm)(int32_t order, int32_t trans_a, int32_t trans_b, int32_t m, int32_t n, int32_t k,
                  double alpha, const double *a, int32_t lda, const double *b, int32_t ldb, double beta,
                  double *c, int32_t ldc);
    /** Version 7 (FL_HAS_FIELD): dgemm in single precision. Sums of products of small integers (0/1 indicator
     *  columns) below 2^24 are exact in float, so products of one-hot data need no double. */
    void (*sgemm)(int32_t order, int32_t trans_a, int32_t trans_b, int32_t m, int32_t n, int32_t k,
                  float alpha, const float *a, int32_t lda, const float *b, int32_t ldb, float beta,
                  float *c, int32_t ldc);
} fl_blas;

/** Opaque handle to a model trained by the host's base learner. 0 is never a valid handle. */
typedef uint64_t fl_model;

/**
 * The host's weighted base learner: the one its baseline uses for the task of the method's data. On binary data
 * L2-regularised logistic regression (labels 0/1; predict_scores gives P(favourable)); on regression data (ABI 5)
 * ridge regression with α = 1 (real labels; predict_scores gives the predicted values; through
 * fairlab.learner-control/1, α = 1 / C); on clustering data (ABI 6) weighted k-means with the run's k (labels
 * ignored, may be NULL; the best of the run's `--n-init` k-means++ starts (default 10), drawn from the job's
 * base-learner stream, the baseline's, so
 * a fit on the training rows is the baseline's clustering; predict_scores
 * gives each row's nearest cluster id; fairlab.learner-control/1's coefficients gives the k x features centres,
 * column-major, count = k * features, and the fit's inertia as the intercept). Reductions-style methods train it
 * many times with their own labels and weights.
 */
typedef struct fl_learner {
    uint32_t struct_size;
    uint32_t abi_version;
    void *context;
    const char *name;   /**< e.g. "logistic-regression". */
    /** Trains on features with labels (0/1; real numbers on regression data; ignored, may be NULL, on clustering
     *  data) and weights (NULL = 1); writes a handle to `model`. */
    fl_status (*fit)(void *context, const fl_matrix *features, const double *labels, const double *weights,
                     fl_model *model, fl_error *error);
    /** Writes P(favourable) for every row of `features` into `scores` (features->rows doubles): the predicted value
     *  on regression data, the nearest centre's id on clustering data. */
    fl_status (*predict_scores)(void *context, fl_model model, const fl_matrix *features, double *scores,
                                fl_error *error);
    /** Releases a model. Models not released are released when the method instance is destroyed. */
    void (*release)(void *context, fl_model model);
} fl_learner;

/** Log levels for fl_host.log. */
#define FL_LOG_DEBUG 0
#define FL_LOG_INFO 1
#define FL_LOG_WARNING 2

/**
 * Services the host offers a method instance. Valid from create until the instance is destroyed; call only
 * from inside a host call, on that call's thread.
 */
typedef struct fl_host {
    uint32_t struct_size;
    uint32_t abi_version;
    void *context;                 /**< Pass to every function below. */
    const char *host_version;      /**< fairlab's version, e.g. "0.1.0". */
    /** Writes one line to the worker's log: `compare --verbose` shows it, and a failed row shows the last line. */
    void (*log)(void *context, int32_t level, const char *message);
    /** The next 64 random bits of this instance's seeded stream (same seed, same stream). */
    uint64_t (*random_bits)(void *context);
    /** A uniform double in [0, 1) from the same stream. */
    double (*random_uniform)(void *context);
    const fl_blas *blas;
    const fl_learner *learner;
    /** Later additions live behind string ids such as "fairlab.progress/1"; NULL if unknown. */
    const void *(*get_extension)(void *context, const char *extension_id);
} fl_host;

/* ---------------------------------------------------------------------------------------------------- */
/* Extensions, found by string id through fl_host.get_extension (NULL from a host without them)         */
/* ---------------------------------------------------------------------------------------------------- */

/** Id of the learner-control extension (an fl_learner_control), for reductions that refit the base learner. */
#define FL_EXTENSION_LEARNER_CONTROL "fairlab.learner-control/1"

/** Options of one base-learner fit through fl_learner_control.fit_with_options. */
typedef struct fl_learner_options {
    uint32_t struct_size;
    uint32_t abi_version;
    double inverse_regularization;  /**< scikit-learn's C (> 0); fl_learner.fit uses 1. */
    double tolerance;               /**< Stop once half the Newton decrement is below tolerance x the objective
                                         (fl_learner.fit: 1e-10). */
    int32_t max_iterations;         /**< Upper bound on Newton iterations (fl_learner.fit: 100). */
    int32_t reserved;               /**< 0. */
    fl_model warm_start;            /**< A model over the same features to start from, or 0 (start from zero). */
} fl_learner_options;

/**
 * The base learner's options, warm starts and coefficients. `context` is fl_learner.context; models are the
 * same handles as fl_learner's (predict_scores and release apply to them).
 */
typedef struct fl_learner_control {
    uint32_t struct_size;
    uint32_t abi_version;
    /** fl_learner.fit with `options` (NULL: fl_learner.fit's). */
    fl_status (*fit_with_options)(void *context, const fl_matrix *features, const double *labels, const double *weights,
                                  const fl_learner_options *options, fl_model *model, fl_error *error);
    /** Writes the model's coefficients (`count` must equal its number of features) and its intercept; for k-means
     *  (clustering data) its k x features centres, column-major (`count` = k * features), and its inertia. */
    fl_status (*coefficients)(void *context, fl_model model, double *coefficients, int64_t count, double *intercept,
                              fl_error *error);
    /** The Newton iterations the model's fit took (Lloyd iterations for k-means), or -1 for an unknown model. */
    int64_t (*iterations)(void *context, fl_model model);
} fl_learner_control;

/* ---------------------------------------------------------------------------------------------------- */
/* Method instances                                                                                     */
/* ---------------------------------------------------------------------------------------------------- */

/**
 * A method instance, created by fl_library.create and owned by the plugin until `destroy`. The host calls,
 * depending on the stage:
 *   PRE:    fit(train, validation?) -> transform(train) -> transform(test)
 *   IN:     fit(train, validation?) -> predict(test)
 *   POST:   fit(validation with baseline scores, NULL) -> predict(test with baseline scores)
 *   METRIC: evaluate(...) any number of times
 * A function the stage does not use may be NULL.
 */
typedef struct fl_method {
    uint32_t struct_size;
    uint32_t abi_version;
    void *state;   /**< Plugin-owned. */
    /** Releases the instance and everything it owns. */
    void (*destroy)(const struct fl_method *self);
    /** Learns from `train` (and `validation` when FL_NEEDS_VALIDATION, else NULL). */
    fl_status (*fit)(const struct fl_method *self, const fl_data *train, const fl_data *validation,
                     fl_error *error);
    /** PRE: rewrites `output` (pre-filled with a copy of `data`). */
    fl_status (*transform)(const struct fl_method *self, const fl_data *data, fl_transform_output *output,
                           fl_error *error);
    /** IN and POST: writes predictions (and scores) for every row of `data`. */
    fl_status (*predict)(const struct fl_method *self, const fl_data *data, fl_prediction_output *output,
                         fl_error *error);
    /** METRIC: reports metric values through `sink`. */
    fl_status (*evaluate)(const struct fl_method *self, const fl_evaluation_input *input,
                          const fl_metric_sink *sink, fl_error *error);
} fl_method;

/* ---------------------------------------------------------------------------------------------------- */
/* The library and its entry point                                                                      */
/* ---------------------------------------------------------------------------------------------------- */

/** What a plugin library offers. Owned by the plugin, valid for the life of the process. */
typedef struct fl_library {
    uint32_t struct_size;
    uint32_t abi_version;      /**< The ABI this library speaks: FAIRLAB_ABI_VERSION when built against this header. */
    const char *id;            /**< Reverse-DNS id of the library, e.g. "org.fairlab.reweighing". */
    const char *name;
    const char *vendor;
    const char *version;       /**< The library's version, e.g. "1.0.0". */
    uint32_t method_count;
    const fl_method_descriptor *const *methods;  /**< `method_count` pointers. */
    /**
     * Creates an instance of the method `method_id` with validated `params`. `host` stays valid until the
     * instance is destroyed. On success writes the instance to `*instance` and returns FL_OK.
     */
    fl_status (*create)(const char *method_id, const fl_host *host, const fl_param_values *params,
                        const fl_method **instance, fl_error *error);
} fl_library;

/**
 * The one symbol a plugin exports. `host_abi_version` is the highest ABI the host speaks; the plugin returns
 * its library description for the highest version it supports that is not above it, or NULL if it supports
 * none. Called once, before anything else, from one thread.
 */
const fl_library *fairlab_plugin_entry(uint32_t host_abi_version);

/** The type of fairlab_plugin_entry, for hosts that look it up with dlsym. */
typedef const fl_library *(*fl_plugin_entry_function)(uint32_t host_abi_version);

#ifdef __cplusplus
}
#endif

#endif /* FAIRLAB_PLUGIN_H */
