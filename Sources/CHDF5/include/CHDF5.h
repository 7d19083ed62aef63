/* libhdf5 for fairlab, loaded on first use.
 *
 * Only the processes that read or write HDF5 files (the host, the step that prepares a run's splits, a check of an
 * untrusted file) need libhdf5, but linking it would make every process load it and the ~30 libraries it depends
 * on (curl, GnuTLS, Kerberos, LDAP, ...): about 6 ms of each worker's start, for nothing. So fairlab links this
 * target instead. It defines the HDF5 functions fairlab calls, each forwarding to libhdf5's own, which it opens
 * with dlopen the first time one of them is called; hdf5.h still gives the types and constants.
 *
 * libhdf5's type and property-list names are macros over run-time globals, which Swift cannot import; the
 * functions below give them. */
#ifndef FAIRLAB_CHDF5_H
#define FAIRLAB_CHDF5_H
/* Debian and Ubuntu keep the serial build's headers in a folder of their own (where pkg-config's hdf5 points);
 * elsewhere they are in the default include path. */
#if __has_include(<hdf5/serial/hdf5.h>)
#include <hdf5/serial/hdf5.h>
#else
#include <hdf5.h>
#endif

hid_t fairlab_h5t_native_double(void);
hid_t fairlab_h5t_native_int32(void);
hid_t fairlab_h5t_native_int64(void);
hid_t fairlab_h5t_native_int8(void);
hid_t fairlab_h5t_ieee_f64le(void);
hid_t fairlab_h5t_std_i64le(void);
hid_t fairlab_h5t_std_i32le(void);
hid_t fairlab_h5t_std_i8le(void);
hid_t fairlab_h5t_c_s1(void);
hid_t fairlab_h5p_dataset_create(void);
/* NULL once libhdf5 is open, else why it cannot be (missing, or another version than the headers fairlab was built
 * with): an HDF5 call without it would end the process. Opens it on the first call. */
const char *fairlab_hdf5_load_error(void);

static inline hid_t fairlab_h5p_default(void) { return H5P_DEFAULT; }
static inline hid_t fairlab_h5s_all(void) { return H5S_ALL; }
static inline size_t fairlab_h5t_variable(void) { return H5T_VARIABLE; }
static inline unsigned fairlab_h5f_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline unsigned fairlab_h5f_acc_rdwr(void) { return H5F_ACC_RDWR; }
static inline unsigned fairlab_h5f_acc_trunc(void) { return H5F_ACC_TRUNC; }
static inline unsigned fairlab_h5f_acc_excl(void) { return H5F_ACC_EXCL; }

/* Silences libhdf5's own stack dumps on stderr: fairlab reports errors itself, in one line. */
static inline void fairlab_h5_silence_errors(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }
#endif
