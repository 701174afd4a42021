/* What the gate's system calls cost a fresh process: each is timed once, as the gate makes it
 * once per process (a first call into /proc or the socket layer costs far more than the same
 * call repeated in a loop). Run it many times and read the spread:
 *
 *   for i in $(seq 20); do ./first-calls SOCKET; done
 *
 * SOCKET is a running ogrt-agent-service's socket (the send then wakes it, as in real use). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static double now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

int main(int argc, char **argv)
{
    if (argc != 2)
        return 2;
    static char buffer[8192];
    double t[8];
    t[0] = now_us();
    if (readlink("/proc/self/exe", buffer, sizeof buffer) < 0)
        return 1;
    t[1] = now_us();
    int status = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
    while (read(status, buffer, sizeof buffer) > 0)
        ;
    close(status);
    t[2] = now_us();
    if (getcwd(buffer, sizeof buffer) == NULL)
        return 1;
    t[3] = now_us();
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    t[4] = now_us();
    int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof on);
    t[5] = now_us();
    struct sockaddr_un address = { .sun_family = AF_UNIX };
    strncpy(address.sun_path, argv[1], sizeof address.sun_path - 1);
    memset(buffer, 'x', 2000); /* a typical message's size */
    sendto(fd, buffer, 2000, MSG_DONTWAIT, (struct sockaddr *)&address, sizeof address);
    t[6] = now_us();
    close(fd);
    t[7] = now_us();
    printf("readlink(/proc/self/exe) %.1f  /proc/self/status %.1f  getcwd %.1f  socket %.1f  setsockopt %.1f  sendto %.1f  close %.1f  (µs)\n",
           t[1] - t[0], t[2] - t[1], t[3] - t[2], t[4] - t[3], t[5] - t[4], t[6] - t[5], t[7] - t[6]);
    return 0;
}
