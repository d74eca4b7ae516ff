/*
 * keysort: see keysort.h.  One pass finds the bytes in which keys
 * differ (bytes all keys share, the high bytes of small numbers and the
 * words a caller leaves 0, cost nothing more), one counts their values;
 * then, from the least significant of them to the most, each is a
 * stable counting sort into the other array.
 */
#include <stdlib.h>
#include <string.h>

#include "keysort.h"

#define KS_BYTES	24	/* 3 words of 8 */
#define KS_FEW		48	/* keys sorted by insertion */

static inline unsigned int
ks_byte(const struct keysort *e, unsigned int b)
{
	/* b 0 is the least significant byte of k[2], 23 the most of k[0]. */
	return (unsigned int)(e->k[2 - b / 8] >> (8 * (b % 8))) & 0xff;
}

static inline int
ks_less(const struct keysort *x, const struct keysort *y)
{
	if (x->k[0] != y->k[0])
		return x->k[0] < y->k[0];
	if (x->k[1] != y->k[1])
		return x->k[1] < y->k[1];
	return x->k[2] < y->k[2];
}

/* A few keys: an insertion sort (stable) costs less than the counts. */
static void
ks_insertion(struct keysort *a, size_t n)
{
	struct keysort t;
	size_t i, j;

	for (i = 1; i < n; i++) {
		t = a[i];
		for (j = i; j > 0 && ks_less(&t, &a[j - 1]); j--)
			a[j] = a[j - 1];
		a[j] = t;
	}
}

int
keysort(struct keysort *a, size_t n)
{
	struct keysort *tmp, *src, *dst, *t;
	uint64_t or[3] = { 0, 0, 0 }, and[3] = { ~0ULL, ~0ULL, ~0ULL };
	size_t (*cnt)[256], i, sum, c, x;
	unsigned int b, nb, j, w, bytes[KS_BYTES];

	if (n <= KS_FEW) {
		ks_insertion(a, n);
		return 0;
	}
	/* The bytes in which keys differ, least significant first. */
	for (i = 0; i < n; i++)
		for (w = 0; w < 3; w++) {
			or[w] |= a[i].k[w];
			and[w] &= a[i].k[w];
		}
	for (nb = b = 0; b < KS_BYTES; b++)
		if (((or[2 - b / 8] ^ and[2 - b / 8]) >> (8 * (b % 8))) & 0xff)
			bytes[nb++] = b;
	if (nb == 0)
		return 0;
	if ((cnt = calloc(nb, sizeof(*cnt))) == NULL)
		return -1;
	if ((tmp = malloc(n * sizeof(*tmp))) == NULL) {
		free(cnt);
		return -1;
	}
	for (i = 0; i < n; i++)
		for (j = 0; j < nb; j++)
			cnt[j][ks_byte(&a[i], bytes[j])]++;
	src = a;
	dst = tmp;
	for (j = 0; j < nb; j++) {
		for (sum = 0, c = 0; c < 256; c++) {
			x = cnt[j][c];
			cnt[j][c] = sum;
			sum += x;
		}
		b = bytes[j];
		for (i = 0; i < n; i++)
			dst[cnt[j][ks_byte(&src[i], b)]++] = src[i];
		t = src;
		src = dst;
		dst = t;
	}
	if (src != a)
		memcpy(a, src, n * sizeof(*a));
	free(tmp);
	free(cnt);
	return 0;
}

void
keysort_array(void *a, size_t n, size_t size,
    void (*key)(const void *, struct keysort *),
    int (*cmp)(const void *, const void *))
{
	struct keysort *ks;
	char *copy = NULL, *e = a;
	size_t i;

	if (n < 2)
		return;
	if ((ks = malloc(n * sizeof(*ks))) == NULL)
		goto fallback;
	for (i = 0; i < n; i++) {
		key(e + i * size, &ks[i]);
		ks[i].v = i;
	}
	if (keysort(ks, n) == -1 || (copy = malloc(n * size)) == NULL) {
		free(ks);
		goto fallback;
	}
	memcpy(copy, a, n * size);
	for (i = 0; i < n; i++)
		memcpy(e + i * size, copy + ks[i].v * size, size);
	free(copy);
	free(ks);
	return;
 fallback:
	qsort(a, n, size, cmp);
}
