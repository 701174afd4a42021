/* A receiver on a UNIX datagram socket that either blocks in recv, as ogrt-agent-service does
 * (every send then wakes it), or sleeps and drains the socket without blocking (nobody waits on
 * the socket, so a send wakes no one). Run first-calls against it to see what the wake-up costs
 * the sending process:
 *
 *   ./paced_receiver /tmp/r.sock block &   # or: ./paced_receiver /tmp/r.sock 20  (drain every 20 ms)
 *   for i in $(seq 25); do ./first-calls /tmp/r.sock; sleep 0.013; done */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc != 3)
        return 2;
    int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
    struct sockaddr_un address = { .sun_family = AF_UNIX };
    strncpy(address.sun_path, argv[1], sizeof address.sun_path - 1);
    unlink(argv[1]);
    if (fd < 0 || bind(fd, (struct sockaddr *)&address, sizeof address) != 0)
        return 1;
    int block = strcmp(argv[2], "block") == 0;
    useconds_t interval = block ? 0 : (useconds_t)atoi(argv[2]) * 1000;
    static char buffer[70000];
    for (;;) {
        if (block) {
            recv(fd, buffer, sizeof buffer, 0);
            continue;
        }
        usleep(interval);
        while (recv(fd, buffer, sizeof buffer, MSG_DONTWAIT) > 0)
            ;
    }
}
