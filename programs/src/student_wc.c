/* student_wc: reads all of standard input with fread into a growing buffer, then counts lines,
 * words and bytes as wc does, finds the longest line, counts letters, and lists the five most
 * frequent words (qsort); a second pass over the buffer with sscanf %n sums the numbers in it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>

struct word { char w[32]; int n; };
static int by_count(const void *a, const void *b) {
    const struct word *x = a, *y = b;
    return x->n != y->n ? y->n - x->n : strcmp(x->w, y->w);
}

int main(void) {
    size_t cap = 16, len = 0;
    char *buf = malloc(cap);
    size_t got;
    int reads = 0;
    while ((got = fread(buf + len, 1, cap - len, stdin)) > 0) {
        len += got;
        reads++;
        if (len == cap) { cap *= 2; buf = realloc(buf, cap); }
    }
    if (ferror(stdin)) { perror("fread"); return 1; }
    long lines = 0, words = 0, longest = 0, cur = 0, longest_at = 0;
    int inword = 0;
    long letters[26] = {0};
    for (size_t i = 0; i < len; i++) {
        unsigned char c = buf[i];
        if (c == '\n') { lines++; if (cur > longest) { longest = cur; longest_at = lines; } cur = 0; }
        else cur++;
        if (isspace(c)) inword = 0;
        else if (!inword) { inword = 1; words++; }
        if (isalpha(c)) letters[tolower(c) - 'a']++;
    }
    printf("%7ld %7ld %7zu\n", lines, words, len);
    printf("fread calls that returned data: %d, buffer %zu bytes\n", reads, cap);
    printf("longest line: %ld chars (line %ld); last line %s\n", longest, longest_at,
           len && buf[len - 1] != '\n' ? "has no newline" : "ends with a newline");
    printf("letters:");
    for (int i = 0; i < 26; i++) if (letters[i]) printf(" %c%ld", 'a' + i, letters[i]);
    printf("\n");

    struct word *ws = NULL;
    int nw = 0, capw = 0;
    for (size_t i = 0; i < len;) {
        while (i < len && !isalpha((unsigned char)buf[i])) i++;
        char w[32];
        int k = 0;
        while (i < len && isalpha((unsigned char)buf[i])) { if (k < 31) w[k++] = tolower((unsigned char)buf[i]); i++; }
        if (!k) continue;
        w[k] = 0;
        int j;
        for (j = 0; j < nw && strcmp(ws[j].w, w); j++) {}
        if (j == nw) {
            if (nw == capw) { capw = capw ? capw * 2 : 8; ws = realloc(ws, capw * sizeof *ws); }
            strcpy(ws[nw].w, w); ws[nw].n = 0; nw++;
        }
        ws[j].n++;
    }
    qsort(ws, nw, sizeof *ws, by_count);
    printf("%d distinct words; top:", nw);
    for (int i = 0; i < 5 && i < nw; i++) printf(" %s(%d)", ws[i].w, ws[i].n);
    printf("\n");

    char *text = malloc(len + 1);
    memcpy(text, buf, len);
    text[len] = 0;
    long total = 0;
    int numbers = 0;
    for (char *p = text; *p;) {
        long v; int used;
        if (sscanf(p, "%ld%n", &v, &used) == 1) { total += v; numbers++; p += used; }
        else p++;
    }
    printf("numbers: %d, sum %ld\n", numbers, total);
    free(text); free(ws); free(buf);
    return 0;
}
