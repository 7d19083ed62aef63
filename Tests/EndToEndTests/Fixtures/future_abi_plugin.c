/* A library that reports ABI version 99, which this host does not speak (built only by the reliability tests). */
#include "fairlab_plugin.h"

static const fl_library library = {sizeof(fl_library), 99, "org.fairlab.tests.future", "From the future", "tests",
                                   "9.0.0", 0, NULL, NULL};

const fl_library *fairlab_plugin_entry(uint32_t host_abi_version) {
    (void)host_abi_version;
    return &library;
}
