#define _GNU_SOURCE
#include "cprocess.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/close_range.h>
#include <unistd.h>

// In the child between fork and exec only async-signal-safe calls are made (the parent has
// many threads; see fork(2)): dup2, fcntl, close_range, setsid, prctl, setgroups, setgid,
// setuid, chdir, sigprocmask, sigaction, execve, write, _exit.
static void fail(int report, int error) {
    (void)!write(report, &error, sizeof error);
    _exit(127);
}

int rostra_spawn(const struct rostra_spawn_request *request, pid_t *pid) {
    if (request->descriptor_count < 3 || request->descriptor_count > 64) return EINVAL;
    // The child writes its errno here if it fails before exec; exec closes it (CLOEXEC),
    // so a read of 0 bytes means the program started.
    int report[2];
    if (pipe2(report, O_CLOEXEC) != 0) return errno;
    int null_descriptor = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null_descriptor < 0) {
        int error = errno;
        close(report[0]);
        close(report[1]);
        return error;
    }
    pid_t parent = getpid();
    pid_t child = fork();
    if (child < 0) {
        int error = errno;
        close(report[0]);
        close(report[1]);
        close(null_descriptor);
        return error;
    }
    if (child == 0) {
        // Signals: the parent blocks SIGINT and SIGTERM in every thread to take them with
        // sigwait; a child must get them (and every other) by default.
        sigset_t all;
        sigemptyset(&all);
        sigprocmask(SIG_SETMASK, &all, NULL);
        struct sigaction defaults;
        memset(&defaults, 0, sizeof defaults);
        defaults.sa_handler = SIG_DFL;
        for (int signal_number = 1; signal_number < NSIG; signal_number++) {
            if (signal_number != SIGKILL && signal_number != SIGSTOP) sigaction(signal_number, &defaults, NULL);
        }
        if (request->new_session && setsid() < 0) fail(report[1], errno);
        // Descriptors: first out of the way (above every target), then into place.
        int count = request->descriptor_count;
        int moved[64];
        for (int index = 0; index < count; index++) {
            int source = request->descriptors[index] >= 0 ? request->descriptors[index] : null_descriptor;
            moved[index] = fcntl(source, F_DUPFD_CLOEXEC, count + 3);
            if (moved[index] < 0) fail(report[1], errno);
        }
        int report_descriptor = fcntl(report[1], F_DUPFD_CLOEXEC, count + 3 + count);
        if (report_descriptor < 0) fail(report[1], errno);
        for (int index = 0; index < count; index++) {
            if (dup2(moved[index], index) < 0) fail(report_descriptor, errno);  // dup2 clears CLOEXEC
        }
        // Everything else goes: above the mapped ones, but the report pipe closes on exec.
        if (syscall(SYS_close_range, (unsigned)count, ~0U, CLOSE_RANGE_CLOEXEC) != 0) {
            for (int other = count; other < 1024; other++) {
                if (other != report_descriptor) fcntl(other, F_SETFD, FD_CLOEXEC);
            }
        }
        if (request->switch_ids) {
            if (setgroups(0, NULL) != 0) fail(report_descriptor, errno);
            if (setgid(request->gid) != 0) fail(report_descriptor, errno);
            if (setuid(request->uid) != 0) fail(report_descriptor, errno);
        }
        // After the identity switch: changing credentials clears the death signal
        // (prctl(2), PR_SET_PDEATHSIG).
        if (request->death_signal) {
            if (prctl(PR_SET_PDEATHSIG, request->death_signal) != 0) fail(report_descriptor, errno);
            // The parent may have ended before prctl took effect.
            if (getppid() != parent) _exit(127);
        }
        if (request->directory && chdir(request->directory) != 0) fail(report_descriptor, errno);
        execve(request->path, request->argv, request->envp);
        fail(report_descriptor, errno);
    }
    close(report[1]);
    close(null_descriptor);
    int child_error = 0;
    ssize_t got;
    do {
        got = read(report[0], &child_error, sizeof child_error);
    } while (got < 0 && errno == EINTR);
    close(report[0]);
    if (got == (ssize_t)sizeof child_error) {
        // It failed before exec and has exited (or is about to): reap it here.
        int status;
        while (waitpid(child, &status, 0) < 0 && errno == EINTR) {}
        return child_error;
    }
    *pid = child;
    return 0;
}

int rostra_pidfd_open(pid_t pid) {
    return (int)syscall(SYS_pidfd_open, pid, 0);
}
