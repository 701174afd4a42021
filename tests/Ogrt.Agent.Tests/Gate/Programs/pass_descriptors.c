/* pass_descriptors SOCKET MESSAGE_FILE COUNT DESCRIPTORS: sends the bytes of MESSAGE_FILE to the
 * UNIX datagram socket COUNT times, each with DESCRIPTORS descriptors of "/" attached
 * (SCM_RIGHTS), as a gate passes its root, or a hostile sender more. Waits while the queue is
 * full. Exit status: 0 when every message was sent. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc != 5)
        return 2;
    static char message[200 * 1024];
    FILE *file = fopen(argv[2], "rb");
    if (file == NULL)
        return 2;
    size_t length = fread(message, 1, sizeof message, file);
    fclose(file);
    int count = atoi(argv[3]), descriptors = atoi(argv[4]);
    if (descriptors < 1 || descriptors > 16)
        return 2;

    struct sockaddr_un address = { .sun_family = AF_UNIX };
    strncpy(address.sun_path, argv[1], sizeof address.sun_path - 1);
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    int passed[16];
    for (int i = 0; i < descriptors; i++)
        passed[i] = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    union { struct cmsghdr align; char space[CMSG_SPACE(sizeof passed)]; } control;
    for (int sent = 0; sent < count;) {
        struct iovec vector = { message, length };
        struct msghdr header = { .msg_name = &address, .msg_namelen = sizeof address, .msg_iov = &vector, .msg_iovlen = 1,
                                 .msg_control = control.space, .msg_controllen = CMSG_SPACE(descriptors * sizeof(int)) };
        struct cmsghdr *rights = CMSG_FIRSTHDR(&header);
        rights->cmsg_level = SOL_SOCKET;
        rights->cmsg_type = SCM_RIGHTS;
        rights->cmsg_len = CMSG_LEN(descriptors * sizeof(int));
        memcpy(CMSG_DATA(rights), passed, descriptors * sizeof(int));
        if (sendmsg(fd, &header, MSG_DONTWAIT) >= 0) {
            sent++;
        } else if (errno == EAGAIN) {
            nanosleep(&(struct timespec){ 0, 2000000 }, NULL);
        } else {
            perror("sendmsg");
            return 1;
        }
    }
    return 0;
}
