/* The floor of any node capture service on this machine: a C receiver that takes each message
 * off a UNIX datagram socket (with credentials) and sends its first 1,000 bytes as one UDP
 * datagram, doing no other work. bench/agent/service/per-message.sh compares
 * ogrt-agent-service's CPU per message against it.
 *
 *   floor_receiver SOCKET
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc != 2)
        return 2;
    struct sockaddr_un address = { .sun_family = AF_UNIX };
    strncpy(address.sun_path, argv[1], sizeof address.sun_path - 1);
    unlink(argv[1]);
    int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
    int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof on);
    if (bind(fd, (struct sockaddr *)&address, sizeof address) != 0)
        return 1;
    int out = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in collector = { .sin_family = AF_INET, .sin_port = htons(9) };
    inet_pton(AF_INET, "127.0.0.1", &collector.sin_addr);
    static char buffer[200 * 1024];
    char control[64];
    for (;;) {
        struct iovec vector = { buffer, sizeof buffer };
        struct msghdr message = { .msg_iov = &vector, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control };
        ssize_t length = recvmsg(fd, &message, 0);
        if (length > 0)
            sendto(out, buffer, length < 1000 ? (size_t)length : 1000, 0, (struct sockaddr *)&collector, sizeof collector);
    }
}
