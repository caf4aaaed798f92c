#ifndef ROSTRA_CPROCESS_H
#define ROSTRA_CPROCESS_H

#include <sys/types.h>

// Starting child processes the way Rostra needs and posix_spawn cannot: a death signal
// (PR_SET_PDEATHSIG), a user and group switch, any descriptors as the child's 0, 1, 2, …
// and nothing else inherited. Used by the Swift module Processes.

struct rostra_spawn_request {
    const char *path;            // absolute path of the program
    char *const *argv;           // NULL-terminated
    char *const *envp;           // NULL-terminated
    const int *descriptors;      // the child's descriptor i is descriptors[i] (-1: /dev/null)
    int descriptor_count;        // at least 3
    const char *directory;       // working directory, or NULL to keep the parent's
    int new_session;             // setsid(): its own session and process group
    int death_signal;            // sent to the child when the spawning thread ends; 0: none
    int switch_ids;              // drop supplementary groups, then setgid(gid), setuid(uid)
    uid_t uid;
    gid_t gid;
};

// Starts the child; 0 and *pid set, or the errno of what failed (in the parent, or in the
// child before exec: a missing program answers ENOENT here, not as an exit status).
int rostra_spawn(const struct rostra_spawn_request *request, pid_t *pid);

// pidfd_open(2): a descriptor that becomes readable when the process ends; -1 and errno.
int rostra_pidfd_open(pid_t pid);

#endif
