/* student_sort: qsort and bsearch on ints, strings and structs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct student { char name[16]; int grade; double gpa; };

static int cmp_int(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}
static int cmp_str(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}
static int cmp_student(const void *a, const void *b) {
    const struct student *s = a, *t = b;
    if (s->gpa != t->gpa) return s->gpa < t->gpa ? 1 : -1;
    return strcmp(s->name, t->name);
}

int main(void) {
    enum { N = 5000 };
    static int v[N];
    unsigned r = 7;
    for (int i = 0; i < N; i++) { r = r * 1664525u + 1013904223u; v[i] = (int)(r % 100000) - 50000; }
    qsort(v, N, sizeof v[0], cmp_int);
    int sorted = 1;
    for (int i = 1; i < N; i++) if (v[i - 1] > v[i]) sorted = 0;
    printf("ints sorted: %s, min %d, max %d, median %d\n", sorted ? "yes" : "NO", v[0], v[N - 1], v[N / 2]);
    int key = v[1234];
    int *found = bsearch(&key, v, N, sizeof v[0], cmp_int);
    printf("bsearch %d: %s\n", key, found && *found == key ? "found" : "missing");
    key = 100001;
    printf("bsearch %d: %s\n", key, bsearch(&key, v, N, sizeof v[0], cmp_int) ? "found" : "missing");

    const char *words[] = { "kernel", "page", "fault", "thread", "scheduler", "mutex", "capability", "untyped", "frame", "syscall" };
    size_t nw = sizeof words / sizeof words[0];
    qsort(words, nw, sizeof words[0], cmp_str);
    for (size_t i = 0; i < nw; i++) printf("%s%s", words[i], i + 1 < nw ? " " : "\n");
    const char *want = "mutex";
    const char **w = bsearch(&want, words, nw, sizeof words[0], cmp_str);
    printf("mutex at index %td\n", w ? w - words : -1);

    struct student cls[] = {
        {"alice", 90, 3.9}, {"bob", 72, 2.8}, {"carol", 85, 3.5}, {"dave", 85, 3.5}, {"eve", 99, 4.0}, {"frank", 60, 2.0},
    };
    size_t ns = sizeof cls / sizeof cls[0];
    qsort(cls, ns, sizeof cls[0], cmp_student);
    for (size_t i = 0; i < ns; i++) printf("%-6s %3d %.2f\n", cls[i].name, cls[i].grade, cls[i].gpa);
    return 0;
}
