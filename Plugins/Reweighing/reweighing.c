/*
 * Reweighing (Kamiran & Calders, "Data preprocessing techniques for classification without discrimination",
 * Knowledge and Information Systems 33, 2012), written in plain C against fairlab_plugin.h alone.
 *
 * Every training row of group g with label y gets weight w(g, y) = n_g * n_y / (n * n_{g,y}), the weight that
 * makes group and label statistically independent in the weighted data; counts are sums of the existing
 * instance weights, and the new weights multiply them, as in AIF360's Reweighing. With grouping=privileged
 * (the default, AIF360's behaviour) g ranges over {privileged, unprivileged}, pooling groups; with
 * grouping=groups, every group (or intersection) gets its own weights.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fairlab_plugin.h"

#define HEADER(type) sizeof(type), FAIRLAB_ABI_VERSION

static const char *const grouping_choices[] = {"privileged", "groups", NULL};

static const fl_param_descriptor grouping_param = {
    HEADER(fl_param_descriptor), "grouping",
    "privileged: weight privileged vs unprivileged rows (AIF360); groups: weight every group separately",
    FL_PARAM_CHOICE, "privileged", -INFINITY, INFINITY, grouping_choices,
};
static const fl_param_descriptor *const reweighing_params[] = {&grouping_param};

static const fl_method_descriptor reweighing_descriptor = {
    HEADER(fl_method_descriptor), "reweighing", "Reweighing (Kamiran & Calders 2012)", "1.0.0",
    "Weights each (group, label) cell so that group and label are independent in the training data.",
    FL_STAGE_PRE, FL_NEEDS_LABELS, 1, reweighing_params, FL_TASK_BINARY, 0,
};
static const fl_method_descriptor *const methods[] = {&reweighing_descriptor};

/* Fitted state: the weight of each (cell, label), where a cell is a group or the privileged flag. */
typedef struct reweighing_state {
    int per_group;      /* 1 for grouping=groups */
    int32_t cell_count; /* number of cells: group count, or 2 (0 unprivileged, 1 privileged) */
    double *weights;    /* cell_count * 2 weights, index cell * 2 + label */
} reweighing_state;

static int32_t cell_of(const reweighing_state *state, const fl_groups *groups, int32_t code) {
    return state->per_group ? code : (int32_t)(groups->privileged[code] != 0);
}

static void reweighing_destroy(const fl_method *self) {
    reweighing_state *state = self->state;
    free(state->weights);
    free(state);
    free((void *)self);
}

static fl_status reweighing_fit(const fl_method *self, const fl_data *train, const fl_data *validation, fl_error *error) {
    (void)validation;
    reweighing_state *state = self->state;
    if (train->labels == NULL || train->group_codes == NULL)
        return fl_error_set(error, FL_ERROR_INVALID_INPUT, "reweighing needs training labels and groups");
    state->cell_count = state->per_group ? train->groups->count : 2;
    free(state->weights);
    state->weights = calloc((size_t)state->cell_count * 2, sizeof(double));
    double *joint = calloc((size_t)state->cell_count * 2, sizeof(double));
    if (state->weights == NULL || joint == NULL) {
        free(joint);
        return fl_error_set(error, FL_ERROR_OUT_OF_MEMORY, "reweighing: out of memory");
    }
    double total = 0, label_total[2] = {0, 0};
    for (int64_t i = 0; i < train->rows; i++) {
        double w = train->weights ? train->weights[i] : 1.0;
        int label = train->labels[i] != 0;
        joint[cell_of(state, train->groups, train->group_codes[i]) * 2 + label] += w;
        label_total[label] += w;
        total += w;
    }
    if (total <= 0) {
        free(joint);
        return fl_error_set(error, FL_ERROR_INVALID_INPUT, "reweighing: the training weights sum to zero");
    }
    for (int32_t cell = 0; cell < state->cell_count; cell++) {
        double cell_total = joint[cell * 2] + joint[cell * 2 + 1];
        for (int label = 0; label < 2; label++) {
            double n_cell_label = joint[cell * 2 + label];
            /* An empty (group, label) cell has no rows to weight; 1 keeps the arithmetic finite. */
            state->weights[cell * 2 + label] = n_cell_label > 0 ? cell_total * label_total[label] / (total * n_cell_label) : 1.0;
        }
    }
    free(joint);
    return FL_OK;
}

static fl_status reweighing_transform(const fl_method *self, const fl_data *data, fl_transform_output *output, fl_error *error) {
    const reweighing_state *state = self->state;
    if (state->weights == NULL) return fl_error_set(error, FL_ERROR_INVALID_INPUT, "reweighing: transform before fit");
    /* Without labels (test data) there is nothing to reweigh: the host keeps the copied weights. */
    if (data->labels == NULL || data->group_codes == NULL) return FL_OK;
    if (state->per_group && data->groups->count != state->cell_count)
        return fl_error_set(error, FL_ERROR_INVALID_INPUT, "reweighing: %d groups at transform, %d at fit", data->groups->count, state->cell_count);
    for (int64_t i = 0; i < data->rows; i++) {
        int label = data->labels[i] != 0;
        output->weights[i] *= state->weights[cell_of(state, data->groups, data->group_codes[i]) * 2 + label];
    }
    return FL_OK;
}

static fl_status reweighing_create(const char *method_id, const fl_host *host, const fl_param_values *params,
                                   const fl_method **instance, fl_error *error) {
    (void)host;
    if (strcmp(method_id, reweighing_descriptor.id) != 0)
        return fl_error_set(error, FL_ERROR_INVALID_INPUT, "unknown method '%s'", method_id);
    reweighing_state *state = calloc(1, sizeof(reweighing_state));
    fl_method *method = calloc(1, sizeof(fl_method));
    if (state == NULL || method == NULL) {
        free(state);
        free(method);
        return fl_error_set(error, FL_ERROR_OUT_OF_MEMORY, "reweighing: out of memory");
    }
    state->per_group = params->count > 0 && strcmp(params->texts[0], "groups") == 0;
    method->struct_size = sizeof(fl_method);
    method->abi_version = FAIRLAB_ABI_VERSION;
    method->state = state;
    method->destroy = reweighing_destroy;
    method->fit = reweighing_fit;
    method->transform = reweighing_transform;
    *instance = method;
    return FL_OK;
}

static const fl_library library = {
    HEADER(fl_library), "org.fairlab.reweighing", "Reweighing", "fairlab", "1.0.0",
    1, methods, reweighing_create,
};

const fl_library *fairlab_plugin_entry(uint32_t host_abi_version) {
    return host_abi_version >= FAIRLAB_ABI_VERSION ? &library : NULL;
}
