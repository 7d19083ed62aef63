#define _GNU_SOURCE
#include "process_control.h"

#include <signal.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

int fairlab_die_with_parent(void) {
#ifdef __linux__
    return prctl(PR_SET_PDEATHSIG, SIGKILL);
#else
    return -1;
#endif
}

int fairlab_spawn_close_inherited(posix_spawn_file_actions_t *actions) {
    return posix_spawn_file_actions_addclosefrom_np(actions, 3);
}
