/* student_malloc: a student's dynamic array, linked list and string builder with malloc/realloc/free churn. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct node { int value; struct node *next; };

int main(void) {
    /* growable array */
    int *arr = NULL;
    size_t cap = 0, len = 0;
    for (int i = 0; i < 100000; i++) {
        if (len == cap) {
            cap = cap ? cap * 2 : 4;
            int *bigger = realloc(arr, cap * sizeof *arr);
            if (!bigger) { perror("realloc"); return 1; }
            arr = bigger;
        }
        arr[len++] = i * 3;
    }
    long sum = 0;
    for (size_t i = 0; i < len; i++) sum += arr[i];
    printf("array: len %zu cap %zu sum %ld\n", len, cap, sum);
    free(arr);

    /* linked list */
    struct node *head = NULL;
    for (int i = 0; i < 5000; i++) {
        struct node *n = malloc(sizeof *n);
        n->value = i; n->next = head; head = n;
    }
    long lsum = 0; int count = 0;
    while (head) {
        struct node *next = head->next;
        lsum += head->value; count++;
        free(head);
        head = next;
    }
    printf("list: %d nodes, sum %ld\n", count, lsum);

    /* string builder */
    char *s = calloc(1, 1);
    for (int i = 0; i < 200; i++) {
        char piece[16];
        int k = snprintf(piece, sizeof piece, "%d,", i);
        size_t old = strlen(s);
        s = realloc(s, old + k + 1);
        memcpy(s + old, piece, k + 1);
    }
    printf("string: %zu chars, ends with '%s'\n", strlen(s), s + strlen(s) - 8);
    free(s);

    /* churn of mixed sizes */
    void *slots[64] = {0};
    unsigned seed = 12345;
    size_t live = 0;
    for (int i = 0; i < 20000; i++) {
        seed = seed * 1103515245u + 12345u;
        int k = (seed >> 16) % 64;
        size_t size = ((seed >> 8) % 7 == 0) ? 200000 + (seed % 50000) : (seed % 2000) + 1;
        if (slots[k]) { free(slots[k]); slots[k] = NULL; live--; }
        else {
            slots[k] = malloc(size);
            if (!slots[k]) { printf("malloc(%zu) failed\n", size); return 1; }
            memset(slots[k], k, size);
            live++;
        }
    }
    for (int k = 0; k < 64; k++) free(slots[k]);
    printf("churn: done, %zu were live at the end\n", live);

    int *zeros = calloc(1 << 20, sizeof(int));
    long zsum = 0;
    for (int i = 0; i < (1 << 20); i += 1000) zsum += zeros[i];
    printf("calloc 4 MiB: sum %ld\n", zsum);
    free(zeros);
    void *huge = malloc((size_t)1 << 40);
    printf("malloc(1 TiB) %s\n", huge ? "succeeded?!" : "returned NULL");
    free(huge);
    return 0;
}
