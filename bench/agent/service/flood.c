/* Sends gate messages (native/ogrt_agent_message.h) to the node capture service at a fixed
 * rate, as many tracked processes would, and counts what the socket refused (EAGAIN: its
 * queue was full). The message is a typical one: this program's own path, arguments and
 * environment, and a link map of four objects. Each message goes from a socket of its own, as
 * each gate's does: the kernel charges a datagram waiting in the service's queue to the socket
 * that sent it, so one socket sending them all would also be refused once its send buffer
 * (net.core.wmem_default, ~80 such messages) is full, which no tracked process ever is.
 *
 *   flood SOCKET RATE_PER_SECOND SECONDS
 *
 * Prints "sent N refused M". */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "../../../Ogrt.Agent/native/ogrt_agent_message.h"

extern char **environ;

static size_t append(char *buffer, size_t length, const char *text)
{
    size_t size = strlen(text) + 1;
    if (length + size > OGRT_MESSAGE_MAX_LENGTH)
        return length;
    memcpy(buffer + length, text, size);
    return length + size;
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc != 4)
        return 2;
    double rate = atof(argv[2]), seconds = atof(argv[3]);
    static char message[OGRT_MESSAGE_MAX_LENGTH];
    struct ogrt_agent_message_header header = { .magic = OGRT_MESSAGE_MAGIC, .version = OGRT_MESSAGE_VERSION,
                                                .time_us = 1700000000000000, .parent_pid = getppid() };
    size_t length = sizeof header;
    length = append(message, length, "/apps/solver/bin/solver");
    length = append(message, length, "/scratch/user/case42");
    const char *arguments[] = { "/apps/solver/bin/solver", "--input", "case42.dat", "--threads", "16" };
    for (size_t i = 0; i < sizeof arguments / sizeof arguments[0]; i++, header.argument_count++)
        length = append(message, length, arguments[i]);
    for (char **entry = environ; *entry != NULL; entry++, header.environment_count++)
        length = append(message, length, *entry);
    const char *objects[] = { "", "6f1c1e9a-2a53-4d0b-9b5e-1f0e9a1d2c3b", "linux-vdso.so.1", "",
                              "/lib/x86_64-linux-gnu/libm.so.6", "", "/lib/x86_64-linux-gnu/libc.so.6", "" };
    for (size_t i = 0; i < sizeof objects / sizeof objects[0]; i += 2, header.object_count++) {
        length = append(message, length, objects[i]);
        length = append(message, length, objects[i + 1]);
    }
    memcpy(message, &header, sizeof header);

    struct sockaddr_un address = { .sun_family = AF_UNIX };
    strncpy(address.sun_path, argv[1], sizeof address.sun_path - 1);
    int on = 1;
    long total = (long)(rate * seconds), sent = 0, refused = 0;
    double start = now();
    for (long i = 0; i < total; i++) {
        double due = start + (double)i / rate;
        while (now() < due)
            ;
        int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            perror("socket");
            return 1;
        }
        setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof on);
        ssize_t result = sendto(fd, message, length, MSG_DONTWAIT, (struct sockaddr *)&address, sizeof address);
        int error = errno;
        close(fd);
        errno = error;
        if (result >= 0)
            sent++;
        else if (errno == EAGAIN)
            refused++;
        else {
            perror("sendto");
            return 1;
        }
    }
    printf("sent %ld refused %ld\n", sent, refused);
    return 0;
}
