/*
 * Plugins that misbehave on purpose, built only by the reliability tests (ReliabilityTests.swift) against
 * fairlab_plugin.h. Each in-processing method fails in one way when it predicts (or fits), each pre-processing
 * one when it transforms; the host must turn every failure into that method's failed row and keep every other
 * row intact.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <unistd.h>

#include "fairlab_plugin.h"

#define METHOD(id, name) \
    {sizeof(fl_method_descriptor), FAIRLAB_ABI_VERSION, id, name, "1.0.0", "Misbehaves on purpose.", FL_STAGE_IN, \
     FL_NEEDS_LABELS, 0, NULL, FL_TASK_BINARY, 0}

static const fl_method_descriptor segfault = METHOD("bad-segfault", "Dereferences NULL in predict");
static const fl_method_descriptor aborts = METHOD("bad-abort", "Calls abort() in fit");
static const fl_method_descriptor exits = METHOD("bad-exit", "Calls exit(3) in fit");
static const fl_method_descriptor exits_zero = METHOD("bad-exit-zero", "Calls exit(0) in predict");
static const fl_method_descriptor hangs = METHOD("bad-hang", "Never returns from fit");
static const fl_method_descriptor hogs = METHOD("bad-memory", "Allocates without bound in fit");
static const fl_method_descriptor nan_scores = METHOD("bad-nan-scores", "Returns 3 NaN scores");
static const fl_method_descriptor wrong_count = METHOD("bad-count", "Writes one prediction too few");
static const fl_method_descriptor not_binary = METHOD("bad-labels", "Predicts 2 for every row");
static const fl_method_descriptor error_message = METHOD("bad-error", "Fails with a message");
static const fl_method_descriptor error_silent = METHOD("bad-error-silent", "Fails without a message");
static const fl_method_descriptor scribbles = METHOD("bad-scribble", "Writes into the features it was handed in fit");

#define PRE_METHOD(id, name) \
    {sizeof(fl_method_descriptor), FAIRLAB_ABI_VERSION, id, name, "1.0.0", "Misbehaves on purpose.", FL_STAGE_PRE, \
     FL_NEEDS_LABELS, 0, NULL, FL_TASK_BINARY, 0}

static const fl_method_descriptor grows_test = PRE_METHOD("bad-grow-test", "Adds rows to the test data");
static const fl_method_descriptor bad_group = PRE_METHOD("bad-group-code", "Adds a training row of group 99");
static const fl_method_descriptor infinite = PRE_METHOD("bad-inf-feature", "Writes an infinite feature into a resized matrix");
static const fl_method_descriptor *const methods[] = {
    &segfault, &aborts, &exits, &exits_zero, &hangs, &hogs, &nan_scores, &wrong_count, &not_binary, &error_message,
    &error_silent, &scribbles, &grows_test, &bad_group, &infinite,
};
#define METHOD_COUNT (sizeof(methods) / sizeof(methods[0]))

static void destroy(const fl_method *self) { free((void *)self); }

static int is(const fl_method *self, const fl_method_descriptor *descriptor) {
    return self->state == (void *)descriptor;
}

static fl_status fit(const fl_method *self, const fl_data *train, const fl_data *validation, fl_error *error) {
    (void)train; (void)validation;
    if (is(self, &aborts)) abort();
    if (is(self, &exits)) exit(3);
    if (is(self, &hangs)) for (;;) pause();
    if (is(self, &hogs)) {
        for (;;) {
            char *block = malloc(64 << 20);
            if (block == NULL) return fl_error_set(error, FL_ERROR_OUT_OF_MEMORY, "malloc failed");
            memset(block, 1, 64 << 20);
        }
    }
    if (is(self, &error_message)) return fl_error_set(error, FL_ERROR_NUMERICAL, "the solver diverged at iteration 7");
    if (is(self, &error_silent)) return FL_ERROR_INTERNAL;
    if (is(self, &scribbles)) ((double *)train->features->data)[0] = 42;
    return FL_OK;
}

static fl_status predict(const fl_method *self, const fl_data *data, fl_prediction_output *out, fl_error *error) {
    (void)error;
    if (is(self, &segfault)) { volatile int *nowhere = NULL; *nowhere = 1; }
    if (is(self, &exits_zero)) exit(0);
    for (int64_t i = 0; i < data->rows; i++) {
        out->predictions[i] = is(self, &not_binary) ? 2 : (double)(i % 2);
        out->scores[i] = (is(self, &nan_scores) && i < 3) ? NAN : 0.5;
    }
    out->predictions_written = is(self, &wrong_count) ? data->rows - 1 : data->rows;
    out->scores_written = data->rows;
    return FL_OK;
}

static fl_status transform(const fl_method *self, const fl_data *data, fl_transform_output *out, fl_error *error) {
    (void)data;
    if (out->labels == NULL && is(self, &grows_test)) {
        fl_status status = out->append_rows(out->host_context, out, 1);
        if (status != FL_OK) return fl_error_set(error, status, "append_rows refused test rows (status %d)", (int)status);
    }
    if (out->labels != NULL && is(self, &bad_group)) {
        fl_status status = out->append_rows(out->host_context, out, 1);
        if (status != FL_OK) return fl_error_set(error, status, "append_rows failed (status %d)", (int)status);
        out->labels[out->rows - 1] = 1;
        out->group_codes[out->rows - 1] = 99;
    }
    if (out->labels != NULL && is(self, &infinite)) {
        /* A fresh (zeroed) matrix of the same shape, one value infinite: row 3 of column 1. */
        double *features = out->resize_features(out->host_context, out, out->cols);
        if (features == NULL) return fl_error_set(error, FL_ERROR_OUT_OF_MEMORY, "resize_features failed");
        features[3 + 1 * out->rows] = INFINITY;
    }
    return FL_OK;
}

static fl_status create(const char *id, const fl_host *host, const fl_param_values *params, const fl_method **instance,
                        fl_error *error) {
    (void)host; (void)params;
    for (size_t m = 0; m < METHOD_COUNT; m++) {
        if (strcmp(id, methods[m]->id) != 0) continue;
        fl_method *method = calloc(1, sizeof(fl_method));
        method->struct_size = sizeof(fl_method);
        method->abi_version = FAIRLAB_ABI_VERSION;
        method->state = (void *)methods[m];
        method->destroy = destroy;
        method->fit = fit;
        method->predict = predict;
        method->transform = transform;
        *instance = method;
        return FL_OK;
    }
    return fl_error_set(error, FL_ERROR_INVALID_INPUT, "no method %s", id);
}

static const fl_library library = {sizeof(fl_library), FAIRLAB_ABI_VERSION, "org.fairlab.tests.misbehaving",
                                   "Misbehaving plugins", "fairlab tests", "1.0.0", METHOD_COUNT, methods, create};

const fl_library *fairlab_plugin_entry(uint32_t host_abi_version) {
    return host_abi_version >= FAIRLAB_ABI_VERSION ? &library : NULL;
}
