#ifndef ROSTRA_CLINUX_SHIM_H
#define ROSTRA_CLINUX_SHIM_H

// Linux and glibc interfaces that Swift's Glibc module does not import:
// the allocator's controls (malloc_trim) and epoll, the readiness of many sockets at once.
#include <malloc.h>
#include <sys/epoll.h>

#endif
