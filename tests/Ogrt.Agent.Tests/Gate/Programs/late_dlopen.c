/* Loads the library named by its argument with dlopen() from main, as a program would that
 * loads libogrt.so itself instead of through LD_PRELOAD. */
#include <dlfcn.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    if (argc < 2 || dlopen(argv[1], RTLD_NOW) == NULL)
        return 1;
    printf("loaded\n");
    return 0;
}
