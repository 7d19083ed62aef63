#define _GNU_SOURCE
#include "process_control.h"

#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#include <sys/syscall.h>
#endif

int fairlab_die_with_parent(void) {
#ifdef __linux__
    return prctl(PR_SET_PDEATHSIG, SIGKILL);
#else
    return -1;
#endif
}

int fairlab_spawn_close_inherited(posix_spawn_file_actions_t *actions, int lowest) {
    return posix_spawn_file_actions_addclosefrom_np(actions, lowest);
}

int fairlab_fork_sibling(void) {
#if defined(__linux__) && (defined(__x86_64__) || defined(__aarch64__))
    /* clone(flags, stack, parent_tid, child_tid or tls, tls or child_tid): a null stack is the caller's, copied. */
    return (int)syscall(SYS_clone, (unsigned long)(CLONE_PARENT | SIGCHLD), NULL, NULL, NULL, 0UL);
#else
    errno = ENOSYS;
    return -1;
#endif
}

int fairlab_pidfd_open(int pid) {
#if defined(__linux__) && defined(SYS_pidfd_open)
    return (int)syscall(SYS_pidfd_open, pid, 0);
#else
    (void)pid;
    return -1;
#endif
}

int fairlab_wait_readable(const int *descriptors, int count, int milliseconds) {
    struct pollfd polled[64];
    if (count > 64) count = 64;
    for (int i = 0; i < count; i++) {
        polled[i].fd = descriptors[i];
        polled[i].events = POLLIN;
        polled[i].revents = 0;
    }
    return poll(polled, (nfds_t)count, milliseconds);
}
