/* Process-control calls that Swift's Glibc module does not expose. */
#ifndef FAIRLAB_PROCESS_CONTROL_H
#define FAIRLAB_PROCESS_CONTROL_H

/* Asks the kernel to send SIGKILL to the calling process when its parent dies (Linux prctl). Returns 0 on
 * success, -1 where unsupported. */
int fairlab_die_with_parent(void);

#endif
