#ifndef FAIRLAB_COPENBLAS_SHIM_H
#define FAIRLAB_COPENBLAS_SHIM_H
#include <cblas.h>

/* OpenBLAS's own (exported, used by its fork handler, not in cblas.h): stops its thread pool's threads, which a
 * later call with more than one thread would start again. */
void blas_thread_shutdown_(void);
#endif
