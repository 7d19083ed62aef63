/* Compile-time checks that the layout of the ABI's structs never changes by accident: fields are only ever
 * appended, so the offset of every existing field is fixed once released. For each struct this pins the
 * offset of its last version-1 field and, through that, the version-1 size every host checks against (on
 * LP64 platforms, the ones fairlab builds for), and the offset of every field appended since (marked with the
 * version that appended it). Reordering fields moves the last one or changes the sizes below. */
#include "fairlab_plugin.h"

#define FL_CHECK_OFFSET(type, field, offset) \
    _Static_assert(offsetof(type, field) == (offset), #type "." #field " moved: ABI v1 layout broken")

FL_CHECK_OFFSET(fl_error, capacity, 16);
FL_CHECK_OFFSET(fl_error, reserved, 20);
FL_CHECK_OFFSET(fl_param_descriptor, choices, 56);
FL_CHECK_OFFSET(fl_method_descriptor, params, 56);
FL_CHECK_OFFSET(fl_method_descriptor, tasks, 64);  /* ABI 5 */
FL_CHECK_OFFSET(fl_matrix, data, 32);
FL_CHECK_OFFSET(fl_groups, privileged, 24);
FL_CHECK_OFFSET(fl_data, groups, 56);
FL_CHECK_OFFSET(fl_data, column_sources, 80);  /* ABI 2 */
FL_CHECK_OFFSET(fl_data, task, 88);  /* ABI 5 */
FL_CHECK_OFFSET(fl_data, cluster_count, 96);  /* ABI 6 */
FL_CHECK_OFFSET(fl_param_values, texts, 24);
FL_CHECK_OFFSET(fl_transform_output, resize_features, 56);
FL_CHECK_OFFSET(fl_transform_output, group_codes, 64);  /* ABI 3 */
FL_CHECK_OFFSET(fl_transform_output, append_rows, 72);  /* ABI 3 */
FL_CHECK_OFFSET(fl_prediction_output, scores_written, 40);
FL_CHECK_OFFSET(fl_prediction_output, probabilities_written, 56);  /* ABI 2 */
FL_CHECK_OFFSET(fl_evaluation_input, groups, 56);
FL_CHECK_OFFSET(fl_evaluation_input, probabilities, 64);  /* ABI 2 */
FL_CHECK_OFFSET(fl_evaluation_input, task, 72);  /* ABI 5 */
FL_CHECK_OFFSET(fl_evaluation_input, features, 80);  /* ABI 6 */
FL_CHECK_OFFSET(fl_evaluation_input, cluster_count, 88);  /* ABI 6 */
FL_CHECK_OFFSET(fl_metric_sink, per_group, 24);
FL_CHECK_OFFSET(fl_metric_sink, describe, 32);  /* ABI 4 */
FL_CHECK_OFFSET(fl_metric_descriptor, metric, 8);  /* ABI 4 */
FL_CHECK_OFFSET(fl_metric_descriptor, display_name, 16);  /* ABI 4 */
FL_CHECK_OFFSET(fl_metric_descriptor, kind, 24);  /* ABI 4 */
FL_CHECK_OFFSET(fl_metric_descriptor, ideal, 32);  /* ABI 4 */
FL_CHECK_OFFSET(fl_blas, dgemm, 40);
FL_CHECK_OFFSET(fl_blas, sgemm, 48);  /* ABI 7 */
FL_CHECK_OFFSET(fl_learner, release, 40);
FL_CHECK_OFFSET(fl_host, get_extension, 64);
FL_CHECK_OFFSET(fl_method, evaluate, 48);
FL_CHECK_OFFSET(fl_learner_options, warm_start, 32);  /* fairlab.learner-control/1 */
FL_CHECK_OFFSET(fl_learner_control, iterations, 24);  /* fairlab.learner-control/1 */
FL_CHECK_OFFSET(fl_library, create, 56);

#define FL_CHECK_SIZE(type, size) _Static_assert(sizeof(type) == (size), #type " changed size: ABI v1 layout broken")

FL_CHECK_SIZE(fl_error, 24);
FL_CHECK_SIZE(fl_param_descriptor, 64);
FL_CHECK_SIZE(fl_method_descriptor, 72);  /* 64 in ABI 1 to 4 */
FL_CHECK_SIZE(fl_matrix, 40);
FL_CHECK_SIZE(fl_groups, 32);
FL_CHECK_SIZE(fl_data, 104);  /* 64 in ABI 1, 88 in ABI 2 to 4, 96 in ABI 5 */
FL_CHECK_SIZE(fl_param_values, 32);
FL_CHECK_SIZE(fl_transform_output, 80);  /* 64 in ABI 1 and 2 */
FL_CHECK_SIZE(fl_prediction_output, 64);  /* 48 in ABI 1 */
FL_CHECK_SIZE(fl_evaluation_input, 96);  /* 64 in ABI 1, 72 in ABI 2 to 4, 80 in ABI 5 */
FL_CHECK_SIZE(fl_metric_sink, 40);  /* 32 in ABI 1 to 3 */
FL_CHECK_SIZE(fl_metric_descriptor, 40);
FL_CHECK_SIZE(fl_blas, 56);  /* 48 in ABI 1 to 6 */
FL_CHECK_SIZE(fl_learner, 48);
FL_CHECK_SIZE(fl_host, 72);
FL_CHECK_SIZE(fl_method, 56);
FL_CHECK_SIZE(fl_learner_options, 40);
FL_CHECK_SIZE(fl_learner_control, 32);
FL_CHECK_SIZE(fl_library, 64);
