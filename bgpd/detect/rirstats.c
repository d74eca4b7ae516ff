/*
 * RIR delegation statistics files.  Format (the RIRs' "RIR statistics
 * exchange format"): a version line "2|apnic|20141222|records|start|
 * end|+1000", summary lines "apnic|*|ipv4|*|44000|summary", comments
 * starting with '#', then records
 *	registry|cc|type|start|value|date|status[|opaque-id|...]
 * where value is an address count for ipv4 (not always a power of two:
 * such ranges are split into CIDR blocks here), a prefix length for
 * ipv6 and a count of consecutive AS numbers for asn.  Only allocated
 * and assigned records are kept; available and reserved space belongs
 * to no country.  A file is all or nothing: one bad line rejects it.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keysort.h"
#include "log.h"
#include "rirstats.h"

#define RIRSTATS_MAX_FILE	(256 * 1024 * 1024)
#define RIRSTATS_MAX_FIELDS	16

/* What a load of one file accumulates before it is committed. */
struct rs_load {
	struct rirstats		*rs;
	const char		*name;
	size_t			 line;
	uint16_t		 file;
	int			 header;	/* version line seen */
	struct rirstats_errors	*errs;
	const char		*cc;
};

struct rirstats *
rirstats_new(void)
{
	struct rirstats *rs;

	if ((rs = calloc(1, sizeof(*rs))) == NULL)
		fatal("rirstats_new");
	return rs;
}

void
rirstats_free(struct rirstats *rs)
{
	size_t i;

	if (rs == NULL)
		return;
	for (i = 0; i < rs->nfiles; i++)
		free(rs->files[i].path);
	free(rs->files);
	free(rs->blocks);
	free(rs->asns);
	free(rs);
}

static void LOG_FMT(2, 3)
rs_error(struct rs_load *l, const char *fmt, ...)
{
	va_list ap;
	char msg[RIRSTATS_ERRMSG_MAX];

	if (l->errs->n >= RIRSTATS_MAX_ERRORS)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* A long path may truncate the line; that is fine. */
	if (snprintf(l->errs->msg[l->errs->n++], RIRSTATS_ERRMSG_MAX,
	    "%s:%zu: %s", l->name, l->line, msg) < 0)
		l->errs->msg[l->errs->n - 1][0] = '\0';
}

static void
rs_add_block(const struct bw_prefix *p, void *arg)
{
	struct rs_load *l = arg;
	struct rirstats *rs = l->rs;
	struct rirstats_block *b;

	if ((rs->nblocks & (rs->nblocks + 1)) == 0 || rs->nblocks == 0) {
		b = reallocarray(rs->blocks, 2 * rs->nblocks + 1, sizeof(*b));
		if (b == NULL)
			fatal("rirstats");
		rs->blocks = b;
	}
	b = &rs->blocks[rs->nblocks++];
	b->pfx = *p;
	memcpy(b->cc, l->cc, 3);
	b->file = l->file;
	rs->sorted = 0;
}

static void
rs_add_asn(struct rs_load *l, uint32_t first, uint32_t count)
{
	struct rirstats *rs = l->rs;
	struct rirstats_asn *a;

	if ((rs->nasns & (rs->nasns + 1)) == 0 || rs->nasns == 0) {
		a = reallocarray(rs->asns, 2 * rs->nasns + 1, sizeof(*a));
		if (a == NULL)
			fatal("rirstats");
		rs->asns = a;
	}
	a = &rs->asns[rs->nasns++];
	a->first = first;
	a->count = count;
	memcpy(a->cc, l->cc, 3);
	a->file = l->file;
	rs->sorted = 0;
}

int
rirstats_v4_split(uint32_t start, uint64_t count,
    void (*cb)(const struct bw_prefix *, void *), void *arg)
{
	uint64_t a = start, size;
	struct bw_prefix p;
	uint8_t b[4];
	int n = 0, len;

	if (count == 0 || a + count > ((uint64_t)1 << 32))
		return -1;
	while (count > 0) {
		/* Largest aligned block at a that fits in count: the lower
		 * of a's lowest set bit (2^32 at 0) and count's highest. */
		size = (uint64_t)1 << (63 - __builtin_clzll(count));
		if (a != 0 && (a & -a) < size)
			size = a & -a;
		len = 32 - __builtin_ctzll(size);
		b[0] = (uint8_t)(a >> 24);
		b[1] = (uint8_t)(a >> 16);
		b[2] = (uint8_t)(a >> 8);
		b[3] = (uint8_t)a;
		prefix_set(&p, AID_INET, b, (uint8_t)len);
		cb(&p, arg);
		a += size;
		count -= size;
		n++;
	}
	return n;
}

/* Parses a decimal number of at most max; 0 or -1. */
static int
rs_number(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (!isdigit((unsigned char)*s))
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > max)
			return -1;
	}
	*out = v;
	return 0;
}

static int
rs_record_ipv4(struct rs_load *l, char **f)
{
	struct bw_addr a;
	uint64_t count;
	uint32_t start;

	if (addr_parse(f[3], &a) == -1 || a.aid != AID_INET) {
		rs_error(l, "bad IPv4 address \"%s\"", f[3]);
		return -1;
	}
	if (rs_number(f[4], (uint64_t)1 << 32, &count) == -1 || count == 0) {
		rs_error(l, "bad IPv4 address count \"%s\"", f[4]);
		return -1;
	}
	start = (uint32_t)a.b[0] << 24 | (uint32_t)a.b[1] << 16 |
	    (uint32_t)a.b[2] << 8 | a.b[3];
	if (rirstats_v4_split(start, count, rs_add_block, l) == -1) {
		rs_error(l, "%s + %llu passes the end of the IPv4 space", f[3],
		    (unsigned long long)count);
		return -1;
	}
	return 0;
}

static int
rs_record_ipv6(struct rs_load *l, char **f)
{
	struct bw_addr a;
	struct bw_prefix p;
	uint64_t len;

	if (addr_parse(f[3], &a) == -1 || a.aid != AID_INET6) {
		rs_error(l, "bad IPv6 address \"%s\"", f[3]);
		return -1;
	}
	if (rs_number(f[4], 128, &len) == -1) {
		rs_error(l, "bad IPv6 prefix length \"%s\"", f[4]);
		return -1;
	}
	prefix_set(&p, AID_INET6, a.b, (uint8_t)len);
	if (memcmp(p.b, a.b, sizeof(p.b)) != 0) {
		rs_error(l, "%s/%s has host bits set", f[3], f[4]);
		return -1;
	}
	rs_add_block(&p, l);
	return 0;
}

static int
rs_record_asn(struct rs_load *l, char **f)
{
	uint64_t first, count;

	if (rs_number(f[3], UINT32_MAX, &first) == -1) {
		rs_error(l, "bad AS number \"%s\"", f[3]);
		return -1;
	}
	if (rs_number(f[4], RIRSTATS_MAX_ASNS, &count) == -1 || count == 0 ||
	    first + count - 1 > UINT32_MAX) {
		rs_error(l, "bad AS count \"%s\" (1..%d, within 32 bits)", f[4],
		    RIRSTATS_MAX_ASNS);
		return -1;
	}
	rs_add_asn(l, (uint32_t)first, (uint32_t)count);
	return 0;
}

/* Record types: a descriptor table. */
static const struct {
	const char	*type;
	int		(*fn)(struct rs_load *, char **);
} rs_types[] = {
	{ "ipv4", rs_record_ipv4 },
	{ "ipv6", rs_record_ipv6 },
	{ "asn", rs_record_asn },
};

static int
rs_record(struct rs_load *l, char **f, int nf)
{
	size_t i;

	if (nf < 7) {
		rs_error(l, "%d fields, expected at least 7", nf);
		return -1;
	}
	if (strcmp(f[6], "available") == 0 || strcmp(f[6], "reserved") == 0)
		return 0;
	if (strcmp(f[6], "allocated") != 0 && strcmp(f[6], "assigned") != 0) {
		rs_error(l, "unknown status \"%.32s\"", f[6]);
		return -1;
	}
	if (strlen(f[1]) != 2 || !isupper((unsigned char)f[1][0]) ||
	    !isupper((unsigned char)f[1][1])) {
		rs_error(l, "bad country code \"%.32s\"", f[1]);
		return -1;
	}
	l->cc = f[1];
	for (i = 0; i < sizeof(rs_types) / sizeof(rs_types[0]); i++)
		if (strcmp(f[2], rs_types[i].type) == 0)
			return rs_types[i].fn(l, f);
	rs_error(l, "unknown record type \"%.32s\"", f[2]);
	return -1;
}

/* The version line: "2|apnic|20141222|records|start|end|+1000". */
static int
rs_header(struct rs_load *l, char **f, int nf)
{
	struct rirstats_file *rf = &l->rs->files[l->file];
	size_t i;

	if (nf < 3 || strlen(f[1]) >= sizeof(rf->registry) ||
	    strlen(f[2]) != 8) {
		rs_error(l, "bad version line");
		return -1;
	}
	for (i = 0; i < 8; i++)
		if (!isdigit((unsigned char)f[2][i])) {
			rs_error(l, "bad serial (date) \"%.16s\" in the version "
			    "line", f[2]);
			return -1;
		}
	snprintf(rf->registry, sizeof(rf->registry), "%s", f[1]);
	snprintf(rf->date, sizeof(rf->date), "%s", f[2]);
	l->header = 1;
	return 0;
}

static int
rs_line(struct rs_load *l, char *s)
{
	char *f[RIRSTATS_MAX_FIELDS];
	int nf = 0;

	if (*s == '#' || *s == '\0')
		return 0;
	for (;;) {
		if (nf == RIRSTATS_MAX_FIELDS) {
			rs_error(l, "too many fields");
			return -1;
		}
		f[nf++] = s;
		if ((s = strchr(s, '|')) == NULL)
			break;
		*s++ = '\0';
	}
	if (!l->header && isdigit((unsigned char)f[0][0]))
		return rs_header(l, f, nf);
	if (nf >= 6 && strcmp(f[1], "*") == 0 && strcmp(f[5], "summary") == 0)
		return 0;
	return rs_record(l, f, nf);
}

static const char *
rs_basename(const char *path)
{
	const char *s = strrchr(path, '/');

	return s != NULL ? s + 1 : path;
}

/* Adds the file entry that the load's records point to. */
static void
rs_add_file(struct rirstats *rs, const char *path)
{
	struct rirstats_file *f;

	if ((f = reallocarray(rs->files, rs->nfiles + 1, sizeof(*f))) == NULL)
		fatal("rirstats");
	rs->files = f;
	f = &rs->files[rs->nfiles];
	memset(f, 0, sizeof(*f));
	if ((f->path = strdup(path)) == NULL)
		fatal("rirstats");
	f->name = rs_basename(f->path);
	rs->nfiles++;
}

int
rirstats_load_buf(struct rirstats *rs, const char *name, const char *buf,
    size_t len, struct rirstats_errors *errs)
{
	struct rs_load l;
	size_t nb = rs->nblocks, na = rs->nasns, i, j;
	char line[1024];

	memset(&l, 0, sizeof(l));
	l.rs = rs;
	l.name = name;
	l.errs = errs;
	errs->n = 0;
	if (rs->nfiles >= UINT16_MAX) {
		l.line = 0;
		rs_error(&l, "too many files");
		return -1;
	}
	l.file = (uint16_t)rs->nfiles;
	rs_add_file(rs, name);
	for (i = 0; i < len && errs->n < RIRSTATS_MAX_ERRORS; i = j + 1) {
		l.line++;
		for (j = i; j < len && buf[j] != '\n'; j++)
			;
		if (j - i >= sizeof(line)) {
			rs_error(&l, "line too long");
			continue;
		}
		memcpy(line, buf + i, j - i);
		line[j - i] = '\0';
		if (j > i && line[j - i - 1] == '\r')
			line[j - i - 1] = '\0';
		if (memchr(buf + i, '\0', j - i) != NULL) {
			rs_error(&l, "NUL byte in line");
			continue;
		}
		rs_line(&l, line);
	}
	if (errs->n == 0 && !l.header) {
		l.line = 0;
		rs_error(&l, "no version line: not an RIR statistics file");
	}
	if (errs->n > 0) {
		rs->nblocks = nb;
		rs->nasns = na;
		free(rs->files[--rs->nfiles].path);
		return -1;
	}
	return 0;
}

int
rirstats_load(struct rirstats *rs, const char *path,
    struct rirstats_errors *errs)
{
	FILE *fp;
	char *buf = NULL;
	size_t len = 0, cap = 0, n;
	int rv;

	errs->n = 0;
	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(errs->msg[errs->n++], RIRSTATS_ERRMSG_MAX, "%s:0: %s",
		    path, strerror(errno));
		return -1;
	}
	for (;;) {
		if (len == cap) {
			cap = cap ? 2 * cap : 65536;
			if (cap > RIRSTATS_MAX_FILE) {
				snprintf(errs->msg[errs->n++],
				    RIRSTATS_ERRMSG_MAX, "%s:0: file larger "
				    "than %d bytes", path, RIRSTATS_MAX_FILE);
				goto fail;
			}
			if ((buf = realloc(buf, cap)) == NULL)
				fatal("rirstats");
		}
		if ((n = fread(buf + len, 1, cap - len, fp)) == 0)
			break;
		len += n;
	}
	if (ferror(fp)) {
		snprintf(errs->msg[errs->n++], RIRSTATS_ERRMSG_MAX, "%s:0: read "
		    "error", path);
		goto fail;
	}
	fclose(fp);
	rv = rirstats_load_buf(rs, path, buf, len, errs);
	free(buf);
	return rv;
 fail:
	fclose(fp);
	free(buf);
	return -1;
}

int
rirstats_block_cmp(const void *a, const void *b)
{
	const struct rirstats_block *x = a, *y = b;
	int c;

	if ((c = strcmp(x->cc, y->cc)) != 0)
		return c;
	return prefix_cmp(&x->pfx, &y->pfx);
}

int
rirstats_asn_cmp(const void *a, const void *b)
{
	const struct rirstats_asn *x = a, *y = b;
	int c;

	if ((c = strcmp(x->cc, y->cc)) != 0)
		return c;
	return x->first < y->first ? -1 : x->first > y->first;
}

/* A country code (two capitals) as a key's high 16 bits, in strcmp order. */
static uint64_t
rs_cc_key(const char *cc)
{
	return (uint64_t)(unsigned char)cc[0] << 56 |
	    (uint64_t)(unsigned char)cc[1] << 48;
}

/*
 * The keys of rirstats_block_cmp's and rirstats_asn_cmp's orders, for keysort (the
 * order loaded kept among equals, as glibc's merge sort kept it): every
 * country's 600,000 blocks took a second through qsort, a tenth of
 * that so.
 */
static void
rs_block_key(const void *e, struct keysort *k)
{
	const struct rirstats_block *x = e;
	const uint8_t *b = x->pfx.b;

	k->k[0] = rs_cc_key(x->cc) | (uint64_t)x->pfx.aid << 40 |
	    (uint64_t)b[0] << 32 | (uint64_t)b[1] << 24 |
	    (uint64_t)b[2] << 16 | (uint64_t)b[3] << 8 | b[4];
	k->k[1] = (uint64_t)b[5] << 56 | (uint64_t)b[6] << 48 |
	    (uint64_t)b[7] << 40 | (uint64_t)b[8] << 32 |
	    (uint64_t)b[9] << 24 | (uint64_t)b[10] << 16 |
	    (uint64_t)b[11] << 8 | b[12];
	k->k[2] = (uint64_t)b[13] << 56 | (uint64_t)b[14] << 48 |
	    (uint64_t)b[15] << 40 | (uint64_t)x->pfx.len;
}

static void
rs_asn_key(const void *e, struct keysort *k)
{
	const struct rirstats_asn *x = e;

	k->k[0] = rs_cc_key(x->cc) | x->first;
	k->k[1] = k->k[2] = 0;
}

void
rirstats_sort(struct rirstats *rs)
{
	if (rs->sorted)
		return;
	/* In place: the arrays' sizes say when they grow. */
	keysort_array(rs->blocks, rs->nblocks, sizeof(*rs->blocks),
	    rs_block_key, rirstats_block_cmp);
	keysort_array(rs->asns, rs->nasns, sizeof(*rs->asns), rs_asn_key,
	    rirstats_asn_cmp);
	rs->sorted = 1;
}

/* First index in a sorted array of elements whose cc is >= cc. */
#define RS_LOWER(arr, n, cc, out) do {					\
	size_t lo_ = 0, hi_ = (n);					\
	while (lo_ < hi_) {						\
		size_t mid_ = (lo_ + hi_) / 2;				\
		if (strcmp((arr)[mid_].cc, (cc)) < 0)			\
			lo_ = mid_ + 1;					\
		else							\
			hi_ = mid_;					\
	}								\
	(out) = lo_;							\
} while (0)

const struct rirstats_block *
rirstats_country_blocks(struct rirstats *rs, const char *cc, size_t *n)
{
	size_t i, j;

	rirstats_sort(rs);
	RS_LOWER(rs->blocks, rs->nblocks, cc, i);
	for (j = i; j < rs->nblocks && strcmp(rs->blocks[j].cc, cc) == 0; j++)
		;
	*n = j - i;
	return *n > 0 ? &rs->blocks[i] : NULL;
}

const struct rirstats_asn *
rirstats_country_asns(struct rirstats *rs, const char *cc, size_t *n)
{
	size_t i, j;

	rirstats_sort(rs);
	RS_LOWER(rs->asns, rs->nasns, cc, i);
	for (j = i; j < rs->nasns && strcmp(rs->asns[j].cc, cc) == 0; j++)
		;
	*n = j - i;
	return *n > 0 ? &rs->asns[i] : NULL;
}

int
rirstats_equal(struct rirstats *a, struct rirstats *b)
{
	size_t i;

	if (a->nfiles != b->nfiles || a->nblocks != b->nblocks ||
	    a->nasns != b->nasns)
		return 0;
	for (i = 0; i < a->nfiles; i++)
		if (strcmp(a->files[i].path, b->files[i].path) != 0 ||
		    strcmp(a->files[i].registry, b->files[i].registry) != 0 ||
		    strcmp(a->files[i].date, b->files[i].date) != 0)
			return 0;
	rirstats_sort(a);
	rirstats_sort(b);
	for (i = 0; i < a->nblocks; i++)
		if (prefix_cmp(&a->blocks[i].pfx, &b->blocks[i].pfx) != 0 ||
		    strcmp(a->blocks[i].cc, b->blocks[i].cc) != 0 ||
		    a->blocks[i].file != b->blocks[i].file)
			return 0;
	for (i = 0; i < a->nasns; i++)
		if (a->asns[i].first != b->asns[i].first ||
		    a->asns[i].count != b->asns[i].count ||
		    strcmp(a->asns[i].cc, b->asns[i].cc) != 0 ||
		    a->asns[i].file != b->asns[i].file)
			return 0;
	return 1;
}
