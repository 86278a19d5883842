// Linux system headers that the Swift Glibc module does not export (epoll, eventfd,
// signalfd), plus wrappers for GNU functions that need _GNU_SOURCE.
#ifndef C_SOCKET_HTTP_SHIMS_H
#define C_SOCKET_HTTP_SHIMS_H

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <pthread.h>
#include <time.h>

/// accept4(2).
int csockethttp_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags);

/// pthread_timedjoin_np(3) with a relative timeout in milliseconds; 0 when joined.
int csockethttp_timedjoin(pthread_t thread, long milliseconds);

#endif
