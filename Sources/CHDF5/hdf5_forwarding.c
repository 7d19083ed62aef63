/* The HDF5 functions fairlab calls, forwarding to libhdf5 opened on first use: see CHDF5.h. */
#include "CHDF5.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static void *library;
static char load_error[512];
static pthread_once_t opened = PTHREAD_ONCE_INIT;

#define STRING(x) #x
#define VERSION_NAME(major, minor) STRING(major) "." STRING(minor)

static void open_library(void) {
    /* The sonames of the headers' version, 1.10's (.103), Debian's and Ubuntu's serial build first; a library of
     * another version would not match the structs and names these headers declare. */
#if H5_VERS_MAJOR == 1 && H5_VERS_MINOR == 10
    static const char *const names[] = {"libhdf5_serial.so.103", "libhdf5.so.103"};
#else
#error "CHDF5 knows the sonames of HDF5 1.10 only: add this version's"
#endif
    /* Each name's reason, kept: dlerror holds only the last failure's. */
    char reasons[2][256] = {"", ""};
    for (size_t i = 0; i < sizeof names / sizeof names[0] && library == NULL; i++) {
        library = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
        const char *reason = library == NULL ? dlerror() : NULL;
        snprintf(reasons[i], sizeof reasons[i], "%s", reason != NULL ? reason : "no reason given");
    }
    if (library == NULL) {
        snprintf(load_error, sizeof load_error, "cannot load libhdf5 %s: install it (Debian: libhdf5-103-1); %s; %s",
                 VERSION_NAME(H5_VERS_MAJOR, H5_VERS_MINOR), reasons[0], reasons[1]);
        return;
    }
    herr_t (*version)(unsigned *, unsigned *, unsigned *) =
        (herr_t(*)(unsigned *, unsigned *, unsigned *))dlsym(library, "H5get_libversion");
    unsigned major = 0, minor = 0, release = 0;
    if (version == NULL || version(&major, &minor, &release) < 0 || major != H5_VERS_MAJOR || minor != H5_VERS_MINOR) {
        snprintf(load_error, sizeof load_error, "libhdf5 is version %u.%u, fairlab was built with %s's headers", major, minor,
                 VERSION_NAME(H5_VERS_MAJOR, H5_VERS_MINOR));
        dlclose(library);
        library = NULL;
    }
}

const char *fairlab_hdf5_load_error(void) {
    pthread_once(&opened, open_library);
    return library == NULL ? load_error : NULL;
}

/* The address of libhdf5's `name`. Every way into HDF5 checks fairlab_hdf5_load_error first (HDF5File), so this
 * exit is for a symbol the library lacks, as the loader would refuse a linked library without it. */
static void *hdf5_symbol(const char *name) {
    const char *problem = fairlab_hdf5_load_error();
    if (problem != NULL) {
        fprintf(stderr, "fairlab: %s\n", problem);
        exit(70);
    }
    void *symbol = dlsym(library, name);
    if (symbol == NULL) {
        fprintf(stderr, "fairlab: libhdf5 has no %s\n", name);
        exit(70);
    }
    return symbol;
}

/* One forwarding function: the first call looks libhdf5's up, later calls jump straight to it. A race between two
 * first calls looks it up twice and stores the same address. */
#define FORWARD(type, name, parameters, arguments)                                             \
    type name parameters {                                                                     \
        static type(*volatile function) parameters;                                            \
        if (function == NULL) function = (type(*) parameters)hdf5_symbol(#name);               \
        return function arguments;                                                             \
    }

FORWARD(herr_t, H5Tclose, (hid_t type_id), (type_id))
FORWARD(herr_t, H5Sclose, (hid_t space_id), (space_id))
FORWARD(H5T_class_t, H5Tget_class, (hid_t type_id), (type_id))
FORWARD(hid_t, H5Screate_simple, (int rank, const hsize_t dims[], const hsize_t maxdims[]), (rank, dims, maxdims))
FORWARD(htri_t, H5Lexists, (hid_t loc_id, const char *name, hid_t lapl_id), (loc_id, name, lapl_id))
FORWARD(herr_t, H5Dread, (hid_t dset_id, hid_t mem_type_id, hid_t mem_space_id, hid_t file_space_id, hid_t dxpl_id, void *buf), (dset_id, mem_type_id, mem_space_id, file_space_id, dxpl_id, buf))
FORWARD(herr_t, H5Dclose, (hid_t dset_id), (dset_id))
FORWARD(herr_t, H5Aread, (hid_t attr_id, hid_t type_id, void *buf), (attr_id, type_id, buf))
FORWARD(hid_t, H5Aget_type, (hid_t attr_id), (attr_id))
FORWARD(herr_t, H5Aclose, (hid_t attr_id), (attr_id))
FORWARD(herr_t, H5Tset_size, (hid_t type_id, size_t size), (type_id, size))
FORWARD(size_t, H5Tget_size, (hid_t type_id), (type_id))
FORWARD(hid_t, H5Tcopy, (hid_t type_id), (type_id))
FORWARD(ssize_t, H5Lget_name_by_idx, (hid_t loc_id, const char *group_name, H5_index_t idx_type, H5_iter_order_t order, hsize_t n, char *name, size_t size, hid_t lapl_id), (loc_id, group_name, idx_type, order, n, name, size, lapl_id))
FORWARD(herr_t, H5Gclose, (hid_t group_id), (group_id))
FORWARD(herr_t, H5Dwrite, (hid_t dset_id, hid_t mem_type_id, hid_t mem_space_id, hid_t file_space_id, hid_t dxpl_id, const void *buf), (dset_id, mem_type_id, mem_space_id, file_space_id, dxpl_id, buf))
FORWARD(hid_t, H5Dget_type, (hid_t dset_id), (dset_id))
FORWARD(hid_t, H5Dget_space, (hid_t dset_id), (dset_id))
FORWARD(hid_t, H5Dcreate2, (hid_t loc_id, const char *name, hid_t type_id, hid_t space_id, hid_t lcpl_id, hid_t dcpl_id, hid_t dapl_id), (loc_id, name, type_id, space_id, lcpl_id, dcpl_id, dapl_id))
FORWARD(herr_t, H5Awrite, (hid_t attr_id, hid_t type_id, const void *buf), (attr_id, type_id, buf))
FORWARD(herr_t, H5Adelete_by_name, (hid_t loc_id, const char *obj_name, const char *attr_name, hid_t lapl_id), (loc_id, obj_name, attr_name, lapl_id))
FORWARD(herr_t, H5Tset_cset, (hid_t type_id, H5T_cset_t cset), (type_id, cset))
FORWARD(htri_t, H5Tis_variable_str, (hid_t type_id), (type_id))
FORWARD(herr_t, H5Sselect_hyperslab, (hid_t space_id, H5S_seloper_t op, const hsize_t start[], const hsize_t stride[], const hsize_t count[], const hsize_t block[]), (space_id, op, start, stride, count, block))
FORWARD(int, H5Sget_simple_extent_ndims, (hid_t space_id), (space_id))
FORWARD(int, H5Sget_simple_extent_dims, (hid_t space_id, hsize_t dims[], hsize_t maxdims[]), (space_id, dims, maxdims))
FORWARD(hid_t, H5Screate, (H5S_class_t type), (type))
FORWARD(herr_t, H5Pset_deflate, (hid_t plist_id, unsigned level), (plist_id, level))
FORWARD(herr_t, H5Pset_shuffle, (hid_t plist_id), (plist_id))
FORWARD(herr_t, H5Pset_chunk, (hid_t plist_id, int ndims, const hsize_t dim[]), (plist_id, ndims, dim))
FORWARD(hid_t, H5Pcreate, (hid_t cls_id), (cls_id))
FORWARD(herr_t, H5Pclose, (hid_t plist_id), (plist_id))
FORWARD(herr_t, H5Lunpack_elink_val, (const void *ext_linkval, size_t link_size, unsigned *flags, const char **filename, const char **obj_path), (ext_linkval, link_size, flags, filename, obj_path))
FORWARD(herr_t, H5Lget_val, (hid_t loc_id, const char *name, void *buf, size_t size, hid_t lapl_id), (loc_id, name, buf, size, lapl_id))
FORWARD(herr_t, H5Lget_info, (hid_t loc_id, const char *name, H5L_info_t *linfo, hid_t lapl_id), (loc_id, name, linfo, lapl_id))
FORWARD(herr_t, H5Ldelete, (hid_t loc_id, const char *name, hid_t lapl_id), (loc_id, name, lapl_id))
FORWARD(herr_t, H5Lcreate_external, (const char *file_name, const char *obj_name, hid_t link_loc_id, const char *link_name, hid_t lcpl_id, hid_t lapl_id), (file_name, obj_name, link_loc_id, link_name, lcpl_id, lapl_id))
FORWARD(hid_t, H5Gopen2, (hid_t loc_id, const char *name, hid_t gapl_id), (loc_id, name, gapl_id))
FORWARD(herr_t, H5Gget_info, (hid_t loc_id, H5G_info_t *ginfo), (loc_id, ginfo))
FORWARD(hid_t, H5Gcreate2, (hid_t loc_id, const char *name, hid_t lcpl_id, hid_t gcpl_id, hid_t gapl_id), (loc_id, name, lcpl_id, gcpl_id, gapl_id))
FORWARD(hid_t, H5Fopen, (const char *filename, unsigned flags, hid_t fapl_id), (filename, flags, fapl_id))
FORWARD(htri_t, H5Fis_hdf5, (const char *filename), (filename))
FORWARD(herr_t, H5Fflush, (hid_t object_id, H5F_scope_t scope), (object_id, scope))
FORWARD(hid_t, H5Fcreate, (const char *filename, unsigned flags, hid_t fcpl_id, hid_t fapl_id), (filename, flags, fcpl_id, fapl_id))
FORWARD(herr_t, H5Fclose, (hid_t file_id), (file_id))
FORWARD(hid_t, H5Dopen2, (hid_t loc_id, const char *name, hid_t dapl_id), (loc_id, name, dapl_id))
FORWARD(hsize_t, H5Dget_storage_size, (hid_t dset_id), (dset_id))
FORWARD(hid_t, H5Aopen_by_name, (hid_t loc_id, const char *obj_name, const char *attr_name, hid_t aapl_id, hid_t lapl_id), (loc_id, obj_name, attr_name, aapl_id, lapl_id))
FORWARD(hid_t, H5Aget_space, (hid_t attr_id), (attr_id))
FORWARD(htri_t, H5Aexists_by_name, (hid_t obj_id, const char *obj_name, const char *attr_name, hid_t lapl_id), (obj_id, obj_name, attr_name, lapl_id))
FORWARD(hid_t, H5Acreate_by_name, (hid_t loc_id, const char *obj_name, const char *attr_name, hid_t type_id, hid_t space_id, hid_t acpl_id, hid_t aapl_id, hid_t lapl_id), (loc_id, obj_name, attr_name, type_id, space_id, acpl_id, aapl_id, lapl_id))
FORWARD(herr_t, H5Eset_auto2, (hid_t estack_id, H5E_auto2_t func, void *client_data), (estack_id, func, client_data))
FORWARD(herr_t, H5open, (void), ())
/* Called by the headers' H5check() in the flag macros (H5F_ACC_RDONLY and others). */
FORWARD(herr_t, H5check_version, (unsigned majnum, unsigned minnum, unsigned relnum), (majnum, minnum, relnum))

/* libhdf5's run-time identifiers: globals set by H5open, their addresses looked up once. */
#define GLOBAL_ID(function, global)                                                            \
    hid_t function(void) {                                                                     \
        static const hid_t *volatile address;                                                  \
        H5open();                                                                              \
        if (address == NULL) address = (const hid_t *)hdf5_symbol(#global);                   \
        return *address;                                                                       \
    }

GLOBAL_ID(fairlab_h5t_native_double, H5T_NATIVE_DOUBLE_g)
GLOBAL_ID(fairlab_h5t_native_int32, H5T_NATIVE_INT32_g)
GLOBAL_ID(fairlab_h5t_native_int64, H5T_NATIVE_INT64_g)
GLOBAL_ID(fairlab_h5t_native_int8, H5T_NATIVE_INT8_g)
GLOBAL_ID(fairlab_h5t_ieee_f64le, H5T_IEEE_F64LE_g)
GLOBAL_ID(fairlab_h5t_std_i64le, H5T_STD_I64LE_g)
GLOBAL_ID(fairlab_h5t_std_i32le, H5T_STD_I32LE_g)
GLOBAL_ID(fairlab_h5t_std_i8le, H5T_STD_I8LE_g)
GLOBAL_ID(fairlab_h5t_c_s1, H5T_C_S1_g)
GLOBAL_ID(fairlab_h5p_dataset_create, H5P_CLS_DATASET_CREATE_ID_g)
