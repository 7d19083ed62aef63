/* Process-control calls that Swift's Glibc module does not expose. */
#ifndef FAIRLAB_PROCESS_CONTROL_H
#define FAIRLAB_PROCESS_CONTROL_H

/* Asks the kernel to send SIGKILL to the calling process when its parent dies (Linux prctl). Returns 0 on
 * success, -1 where unsupported. */
int fairlab_die_with_parent(void);

#include <spawn.h>

/* Adds to `actions` the closing, in the child, of every descriptor from `lowest` up (glibc's closefrom action;
 * `lowest` is 3, or 4 for a worker template, whose descriptor 3 is its end of the host's socket), so a worker
 * inherits none of the host's open files: HDF5 locks a file through its descriptor, and a worker holding an
 * inherited copy would keep that lock, and the host from reopening the file, for as long as the worker lives.
 * Returns 0 or an errno value. */
int fairlab_spawn_close_inherited(posix_spawn_file_actions_t *actions, int lowest);

/* Starts a copy of the calling process (fork's copy-on-write memory, of the calling thread only) whose parent is
 * the caller's parent, not the caller (Linux clone with CLONE_PARENT): a worker template (`fairlab worker template`)
 * starts each task's worker this way, so the host waits for it, samples its memory and kills it as a child of its
 * own. No fork handlers run: the caller must be single-threaded. Returns 0 in the copy, the copy's pid in the
 * caller, and -1 (errno set) on failure or where unsupported. */
int fairlab_fork_sibling(void);

/* A descriptor that becomes readable when process `pid` (a child) exits (Linux pidfd_open), or -1 where
 * unsupported. */
int fairlab_pidfd_open(int pid);

/* Waits until one of the `count` descriptors in `descriptors` (the first 64) is readable or `milliseconds` pass
 * (poll), and returns what poll returns. */
int fairlab_wait_readable(const int *descriptors, int count, int milliseconds);

#endif
