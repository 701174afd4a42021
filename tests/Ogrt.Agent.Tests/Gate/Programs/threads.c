/* Starts eight threads that each add to a shared counter, then checks the total. */
#include <pthread.h>
#include <stdio.h>

static long total;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void *add(void *arg)
{
    (void)arg;
    for (int i = 0; i < 100000; i++) {
        pthread_mutex_lock(&lock);
        total++;
        pthread_mutex_unlock(&lock);
    }
    return NULL;
}

int main(void)
{
    pthread_t threads[8];
    for (int i = 0; i < 8; i++)
        pthread_create(&threads[i], NULL, add, NULL);
    for (int i = 0; i < 8; i++)
        pthread_join(threads[i], NULL);
    printf("total %ld\n", total);
    return total == 800000 ? 0 : 1;
}
