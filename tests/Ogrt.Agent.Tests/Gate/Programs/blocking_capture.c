/* A capture library for gate tests that never finishes on its own: it records its pid in the
 * file named by OGRT_TEST_CAPTURE_PID_FILE and waits to be killed. With it in place of
 * ogrt-capture.so, a test can inspect a live capture process (descriptors, session, parent)
 * and prove the tracked process finished while the capture process still ran. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ogrt_capture.h"

__attribute__((visibility("default"))) int ogrt_capture(const struct ogrt_capture_request *request)
{
    const char *name = "OGRT_TEST_CAPTURE_PID_FILE=";
    for (char **entry = request->envp; *entry != NULL; entry++) {
        if (strncmp(*entry, name, strlen(name)) == 0) {
            char text[32];
            int length = snprintf(text, sizeof text, "%d\n", (int)getpid());
            int fd = open(*entry + strlen(name), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
            if (fd >= 0) {
                if (write(fd, text, (size_t)length) != length)
                    length = -1;
                close(fd);
            }
        }
    }
    for (;;)
        pause();
}
