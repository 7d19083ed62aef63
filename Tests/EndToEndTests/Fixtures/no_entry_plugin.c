/* A shared library that exports no fairlab_plugin_entry (built only by the reliability tests). */
int fairlab_something_else(void) { return 42; }
