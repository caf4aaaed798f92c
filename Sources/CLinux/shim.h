#ifndef ROSTRA_CLINUX_SHIM_H
#define ROSTRA_CLINUX_SHIM_H

// Linux and glibc interfaces that Swift's Glibc module does not import:
// the allocator's controls (malloc_trim), epoll, the readiness of many sockets at once,
// and the namespace ioctls, which are variadic in C and so not callable from Swift.
#include <malloc.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <linux/nsfs.h>

// ioctl(NS_GET_USERNS): a new descriptor on the user namespace that owns the namespace
// `namespace_descriptor` refers to; -1 and errno on failure.
static inline int rostra_namespace_owner(int namespace_descriptor) {
    return ioctl(namespace_descriptor, NS_GET_USERNS);
}

#endif
