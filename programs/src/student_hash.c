/* student_hash: a chained hash table of words (insert, count, delete, grow by rehashing) and a
 * singly linked list (push, reverse, merge sort, remove), everything freed, mallocs and frees
 * counted so that a leak shows. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>

static long allocs, frees;
static void *xmalloc(size_t n) { void *p = malloc(n); if (!p) { perror("malloc"); exit(1); } allocs++; return p; }
static void xfree(void *p) { if (p) frees++; free(p); }
static char *xstrdup(const char *s) { size_t n = strlen(s) + 1; char *d = xmalloc(n); memcpy(d, s, n); return d; }

struct entry { char *key; int count; struct entry *next; };
struct table { struct entry **slots; size_t nslots, size; };

static unsigned long hash(const char *s) {           /* djb2 */
    unsigned long h = 5381;
    for (; *s; s++) h = h * 33 + (unsigned char)*s;
    return h;
}

static void table_init(struct table *t, size_t n) {
    t->slots = xmalloc(n * sizeof *t->slots);
    memset(t->slots, 0, n * sizeof *t->slots);
    t->nslots = n; t->size = 0;
}

static void table_grow(struct table *t) {
    struct table bigger;
    table_init(&bigger, t->nslots * 2);
    for (size_t i = 0; i < t->nslots; i++) {
        for (struct entry *e = t->slots[i], *next; e; e = next) {
            next = e->next;
            size_t j = hash(e->key) % bigger.nslots;
            e->next = bigger.slots[j]; bigger.slots[j] = e;
            bigger.size++;
        }
    }
    xfree(t->slots);
    *t = bigger;
}

static void table_add(struct table *t, const char *key) {
    size_t i = hash(key) % t->nslots;
    for (struct entry *e = t->slots[i]; e; e = e->next)
        if (strcmp(e->key, key) == 0) { e->count++; return; }
    struct entry *e = xmalloc(sizeof *e);
    e->key = xstrdup(key); e->count = 1; e->next = t->slots[i]; t->slots[i] = e;
    if (++t->size > t->nslots * 3 / 4) table_grow(t);
}

static int table_get(const struct table *t, const char *key) {
    for (struct entry *e = t->slots[hash(key) % t->nslots]; e; e = e->next)
        if (strcmp(e->key, key) == 0) return e->count;
    return 0;
}

static int table_remove(struct table *t, const char *key) {
    struct entry **link = &t->slots[hash(key) % t->nslots];
    for (; *link; link = &(*link)->next) {
        if (strcmp((*link)->key, key) == 0) {
            struct entry *dead = *link;
            *link = dead->next;
            xfree(dead->key); xfree(dead);
            t->size--;
            return 1;
        }
    }
    return 0;
}

static void table_free(struct table *t) {
    for (size_t i = 0; i < t->nslots; i++)
        for (struct entry *e = t->slots[i], *next; e; e = next) { next = e->next; xfree(e->key); xfree(e); }
    xfree(t->slots);
}

static const char *text =
    "It was the best of times, it was the worst of times, it was the age of wisdom, "
    "it was the age of foolishness, it was the epoch of belief, it was the epoch of incredulity, "
    "it was the season of Light, it was the season of Darkness, it was the spring of hope, "
    "it was the winter of despair, we had everything before us, we had nothing before us, "
    "we were all going direct to Heaven, we were all going direct the other way.";

struct node { int v; struct node *next; };

static struct node *push(struct node *head, int v) {
    struct node *n = xmalloc(sizeof *n); n->v = v; n->next = head; return n;
}
static struct node *reverse(struct node *h) {
    struct node *prev = NULL;
    while (h) { struct node *next = h->next; h->next = prev; prev = h; h = next; }
    return prev;
}
static struct node *merge(struct node *a, struct node *b) {
    struct node head = {0, NULL}, *tail = &head;
    while (a && b) {
        if (a->v <= b->v) { tail->next = a; a = a->next; } else { tail->next = b; b = b->next; }
        tail = tail->next;
    }
    tail->next = a ? a : b;
    return head.next;
}
static struct node *msort(struct node *h) {
    if (!h || !h->next) return h;
    struct node *slow = h, *fast = h->next;
    while (fast && fast->next) { slow = slow->next; fast = fast->next->next; }
    struct node *second = slow->next; slow->next = NULL;
    return merge(msort(h), msort(second));
}
static void print_list(const char *what, struct node *h, int max) {
    printf("%s:", what);
    for (int i = 0; h && i < max; h = h->next, i++) printf(" %d", h->v);
    printf("%s\n", h ? " ..." : "");
}

int main(void) {
    struct table t;
    table_init(&t, 4);
    char word[64];
    int nwords = 0;
    for (const char *p = text; *p;) {
        while (*p && !isalpha((unsigned char)*p)) p++;
        size_t n = 0;
        while (*p && isalpha((unsigned char)*p) && n < sizeof word - 1) word[n++] = tolower((unsigned char)*p++);
        word[n] = 0;
        if (n) { table_add(&t, word); nwords++; }
    }
    printf("words %d, distinct %zu, slots %zu\n", nwords, t.size, t.nslots);
    const char *probe[] = {"it", "was", "the", "of", "we", "season", "darkness", "unicorn"};
    for (size_t i = 0; i < sizeof probe / sizeof *probe; i++) printf("  %-9s %d\n", probe[i], table_get(&t, probe[i]));
    int removed = table_remove(&t, "it") + table_remove(&t, "was") + table_remove(&t, "unicorn");
    printf("removed %d, distinct now %zu, 'it' -> %d\n", removed, t.size, table_get(&t, "it"));
    size_t longest = 0, used = 0;
    for (size_t i = 0; i < t.nslots; i++) {
        size_t len = 0;
        for (struct entry *e = t.slots[i]; e; e = e->next) len++;
        if (len) used++;
        if (len > longest) longest = len;
    }
    printf("slots used %zu of %zu, longest chain %zu\n", used, t.nslots, longest);
    table_free(&t);

    struct node *list = NULL;
    unsigned x = 12345;
    for (int i = 0; i < 1000; i++) { x = x * 1103515245u + 12345u; list = push(list, (x >> 16) % 1000); }
    print_list("pushed  ", list, 8);
    list = reverse(list);
    print_list("reversed", list, 8);
    list = msort(list);
    print_list("sorted  ", list, 8);
    int sorted = 1, count = 0; long sum = 0;
    for (struct node *n = list; n; n = n->next) { count++; sum += n->v; if (n->next && n->v > n->next->v) sorted = 0; }
    printf("list: %d nodes, sum %ld, sorted %s\n", count, sum, sorted ? "yes" : "no");
    /* remove every even value */
    for (struct node **link = &list; *link;) {
        if ((*link)->v % 2 == 0) { struct node *dead = *link; *link = dead->next; xfree(dead); }
        else link = &(*link)->next;
    }
    count = 0;
    for (struct node *n = list; n; n = n->next) count++;
    printf("odd values left: %d\n", count);
    while (list) { struct node *next = list->next; xfree(list); list = next; }
    printf("mallocs %ld, frees %ld, leaked %ld\n", allocs, frees, allocs - frees);
    return allocs == frees ? 0 : 1;
}
