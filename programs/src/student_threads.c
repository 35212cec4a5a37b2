/* student_threads: two pthreads summing halves of an array; reports what pthread_create says. */
#include <stdio.h>
#include <pthread.h>
#include <string.h>

static long data[1000];
struct job { int from, to; long sum; };

static void *worker(void *arg) {
    struct job *j = arg;
    for (int i = j->from; i < j->to; i++) j->sum += data[i];
    return NULL;
}

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

int main(void) {
    for (int i = 0; i < 1000; i++) data[i] = i;
    pthread_mutex_lock(&lock);
    printf("mutex locked without threads\n");
    pthread_mutex_unlock(&lock);
    struct job jobs[2] = { { 0, 500, 0 }, { 500, 1000, 0 } };
    pthread_t t[2];
    int started = 0;
    for (int i = 0; i < 2; i++) {
        int rc = pthread_create(&t[i], NULL, worker, &jobs[i]);
        if (rc != 0) {
            printf("pthread_create failed: %s; summing on the main thread\n", strerror(rc));
            worker(&jobs[i]);
        } else {
            started++;
        }
    }
    for (int i = 0; i < started; i++) pthread_join(t[i], NULL);
    printf("threads started: %d, total %ld\n", started, jobs[0].sum + jobs[1].sum);
    return 0;
}
