/* libhdf5's type and property-list names are macros over run-time globals, which Swift cannot import;
 * these inline functions expose them. */
#ifndef FAIRLAB_CHDF5_SHIM_H
#define FAIRLAB_CHDF5_SHIM_H
#include <hdf5.h>

static inline hid_t fairlab_h5t_native_double(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t fairlab_h5t_native_int32(void) { return H5T_NATIVE_INT32; }
static inline hid_t fairlab_h5t_native_int64(void) { return H5T_NATIVE_INT64; }
static inline hid_t fairlab_h5t_native_int8(void) { return H5T_NATIVE_INT8; }
static inline hid_t fairlab_h5t_ieee_f64le(void) { return H5T_IEEE_F64LE; }
static inline hid_t fairlab_h5t_std_i64le(void) { return H5T_STD_I64LE; }
static inline hid_t fairlab_h5t_std_i32le(void) { return H5T_STD_I32LE; }
static inline hid_t fairlab_h5t_std_i8le(void) { return H5T_STD_I8LE; }
static inline hid_t fairlab_h5t_c_s1(void) { return H5T_C_S1; }
static inline hid_t fairlab_h5p_default(void) { return H5P_DEFAULT; }
static inline hid_t fairlab_h5s_all(void) { return H5S_ALL; }
static inline hid_t fairlab_h5p_dataset_create(void) { return H5P_DATASET_CREATE; }
static inline hid_t fairlab_h5p_link_create(void) { return H5P_LINK_CREATE; }
static inline hid_t fairlab_h5p_file_access(void) { return H5P_FILE_ACCESS; }
static inline hid_t fairlab_h5p_file_create(void) { return H5P_FILE_CREATE; }
static inline hid_t fairlab_h5p_group_create(void) { return H5P_GROUP_CREATE; }
static inline size_t fairlab_h5t_variable(void) { return H5T_VARIABLE; }
static inline unsigned fairlab_h5f_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline unsigned fairlab_h5f_acc_rdwr(void) { return H5F_ACC_RDWR; }
static inline unsigned fairlab_h5f_acc_trunc(void) { return H5F_ACC_TRUNC; }
static inline unsigned fairlab_h5f_acc_excl(void) { return H5F_ACC_EXCL; }

/* Silences libhdf5's own stack dumps on stderr: fairlab reports errors itself, in one line. */
static inline void fairlab_h5_silence_errors(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }
#endif
