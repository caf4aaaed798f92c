/* Cold start of a server: from just before fork/exec to the first complete "200" answer
 * to GET <path> on 127.0.0.1:<port>, timed on the monotonic clock, then SIGTERM and wait.
 * A compiled helper because an interpreter's own process-spawning and polling overhead
 * (a few milliseconds in Python) is of the same order as what is measured.
 *
 *   coldstart <runs> <port> <path> [--tls] -- <server argv...>
 * prints each run's milliseconds, one per line. The caller chooses free ports. With
 * --tls the request goes over TLS (OpenSSL, no verification: the time to the first
 * answer over a TLS listener, handshake included). Build: cc -O2 coldstart.c -lssl -lcrypto
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>

#include <openssl/ssl.h>

/* Set for --tls: the client context, made once before the runs. */
static SSL_CTX *tls_context;

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000.0 + t.tv_nsec / 1e6;
}

/* One attempt: 1 when the answer's status line says 200. */
static int try_get(int port, const char *path) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return 0;
    struct sockaddr_in address = {0};
    address.sin_family = AF_INET;
    address.sin_port = htons((unsigned short)port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int ok = 0;
    int connected = connect(fd, (struct sockaddr *)&address, sizeof address) == 0;
    if (connected && tls_context != NULL) {
        SSL *ssl = SSL_new(tls_context);
        SSL_set_fd(ssl, fd);
        char request[512];
        int length = snprintf(request, sizeof request, "GET %s HTTP/1.1\r\nHost: coldstart\r\nConnection: close\r\n\r\n", path);
        if (SSL_connect(ssl) == 1 && SSL_write(ssl, request, length) == length) {
            char answer[64] = {0};
            int got = 0, n;
            while (got < 12 && (n = SSL_read(ssl, answer + got, (int)sizeof answer - 1 - got)) > 0) got += n;
            ok = got >= 12 && strncmp(answer, "HTTP/1.1 200", 12) == 0;
        }
        SSL_free(ssl);
    } else if (connected) {
        char request[512];
        int length = snprintf(request, sizeof request, "GET %s HTTP/1.1\r\nHost: coldstart\r\nConnection: close\r\n\r\n", path);
        if (send(fd, request, (size_t)length, MSG_NOSIGNAL) == length) {
            char answer[64] = {0};
            ssize_t got = 0, n;
            while (got < 12 && (n = recv(fd, answer + got, sizeof answer - 1 - (size_t)got, 0)) > 0) got += n;
            ok = got >= 12 && strncmp(answer, "HTTP/1.1 200", 12) == 0;
        }
    }
    close(fd);
    return ok;
}

int main(int argc, char **argv) {
    int tls = argc > 4 && strcmp(argv[4], "--tls") == 0;
    if (argc < 6 + tls || strcmp(argv[4 + tls], "--") != 0) {
        fprintf(stderr, "usage: coldstart <runs> <port> <path> [--tls] -- <server argv...>\n");
        return 2;
    }
    if (tls) tls_context = SSL_CTX_new(TLS_client_method());
    int runs = atoi(argv[1]), port = atoi(argv[2]);
    const char *path = argv[3];
    char **server = argv + 5 + tls;
    for (int run = 0; run < runs; run++) {
        double started = now_ms();
        pid_t pid = fork();
        if (pid == 0) {
            int devnull = open("/dev/null", 1);
            dup2(devnull, 1);
            dup2(devnull, 2);
            execv(server[0], server);
            _exit(127);
        }
        double deadline = started + 10000;
        double answered = -1;
        while (now_ms() < deadline) {
            if (try_get(port, path)) { answered = now_ms(); break; }
            int status;
            if (waitpid(pid, &status, WNOHANG) == pid) { fprintf(stderr, "server exited early\n"); return 1; }
            usleep(50);
        }
        kill(pid, SIGTERM);
        waitpid(pid, NULL, 0);
        if (answered < 0) { fprintf(stderr, "no 200 within 10 s\n"); return 1; }
        printf("%.3f\n", answered - started);
        fflush(stdout);
    }
    return 0;
}
