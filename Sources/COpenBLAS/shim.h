#ifndef FAIRLAB_COPENBLAS_SHIM_H
#define FAIRLAB_COPENBLAS_SHIM_H
#include <cblas.h>
#endif
