/* A library whose only method declares a default outside its own bounds (built only by the reliability
 * tests): it must cost this library, not the comparison. */
#include <math.h>
#include "fairlab_plugin.h"

static const fl_param_descriptor rate = {sizeof(fl_param_descriptor), FAIRLAB_ABI_VERSION, "rate", "a rate",
                                         FL_PARAM_REAL, "-1", 0, 1, NULL};
static const fl_param_descriptor *const params[] = {&rate};
static const fl_method_descriptor method = {sizeof(fl_method_descriptor), FAIRLAB_ABI_VERSION, "bad-default",
    "Bad default", "1.0.0", "Declares rate=-1 with minimum 0.", FL_STAGE_IN, FL_NEEDS_LABELS, 1, params, FL_TASK_BINARY, 0};
static const fl_method_descriptor *const methods[] = {&method};

static fl_status create(const char *id, const fl_host *host, const fl_param_values *values, const fl_method **instance,
                        fl_error *error) {
    (void)id; (void)host; (void)values; (void)instance;
    return fl_error_set(error, FL_ERROR_INTERNAL, "never created");
}

static const fl_library library = {sizeof(fl_library), FAIRLAB_ABI_VERSION, "org.fairlab.tests.bad-default",
                                   "Bad default", "tests", "1.0.0", 1, methods, create};

const fl_library *fairlab_plugin_entry(uint32_t host_abi_version) {
    return host_abi_version >= FAIRLAB_ABI_VERSION ? &library : NULL;
}
