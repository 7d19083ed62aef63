/* Compile-time checks that the version-1 layout of the ABI's structs never changes by accident: fields are
 * only ever appended, so the offset of every existing field is fixed once released. */
#include "fairlab_plugin.h"

#define FL_CHECK_OFFSET(type, field, offset) \
    _Static_assert(offsetof(type, field) == (offset), #type "." #field " moved: ABI v1 layout broken")

FL_CHECK_OFFSET(fl_error, capacity, 16);
FL_CHECK_OFFSET(fl_param_descriptor, choices, 56);
FL_CHECK_OFFSET(fl_method_descriptor, params, 56);
FL_CHECK_OFFSET(fl_matrix, data, 32);
FL_CHECK_OFFSET(fl_groups, privileged, 24);
FL_CHECK_OFFSET(fl_data, groups, 56);
FL_CHECK_OFFSET(fl_param_values, texts, 24);
FL_CHECK_OFFSET(fl_transform_output, resize_features, 56);
FL_CHECK_OFFSET(fl_prediction_output, scores_written, 40);
FL_CHECK_OFFSET(fl_evaluation_input, groups, 56);
FL_CHECK_OFFSET(fl_metric_sink, per_group, 24);
FL_CHECK_OFFSET(fl_blas, dgemm, 40);
FL_CHECK_OFFSET(fl_learner, release, 40);
FL_CHECK_OFFSET(fl_host, get_extension, 64);
FL_CHECK_OFFSET(fl_method, evaluate, 48);
FL_CHECK_OFFSET(fl_library, create, 56);
