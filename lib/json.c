/*
 * Streaming JSON writer.  Each open object or array has a slot on a small
 * stack that remembers whether it holds a member yet (for the comma) and
 * whether it is an object (for the key); that is all the state a
 * document needs, so it can be written across any number of loop turns.
 *
 * Strings are the only place where outside bytes (descriptions, peer
 * error texts) reach the output.  They are escaped per RFC 8259 and
 * checked as UTF-8: a reader such as Python's json module rejects a
 * document with invalid UTF-8, so such bytes become U+FFFD.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "json.h"

static const char json_hex[] = "0123456789abcdef";

static void	json_string(struct json *, const void *, size_t, int);

void
json_init(struct json *j, struct evbuffer *out)
{
	j->out = out;
	j->staged = 0;
	j->depth = 0;
	j->nonempty[0] = 0;
	j->err = 0;
}

int
json_flush(struct json *j)
{
	if (j->staged > 0 && evbuffer_add(j->out, j->stage, j->staged) == -1)
		j->err = 1;
	j->staged = 0;
	return j->err ? -1 : 0;
}

static void
json_add(struct json *j, const void *p, size_t len)
{
	if (len > sizeof(j->stage) - j->staged)
		json_flush(j);
	if (len > sizeof(j->stage)) {
		if (evbuffer_add(j->out, p, len) == -1)
			j->err = 1;
		return;
	}
	memcpy(j->stage + j->staged, p, len);
	j->staged += len;
}

/* Writes the comma and the key that precede a new value. */
static void
json_member(struct json *j, const char *name)
{
	int d = j->depth;

	if (d == 0) {
		if (name != NULL || j->nonempty[0])
			j->err = 1;	/* one value per document */
		j->nonempty[0] = 1;
		return;
	}
	if (j->nonempty[d])
		json_add(j, ",", 1);
	j->nonempty[d] = 1;
	if (j->isobj[d] != (name != NULL)) {
		j->err = 1;
		return;
	}
	if (name != NULL) {
		json_string(j, name, strlen(name), 0);
		json_add(j, ":", 1);
	}
}

static void
json_open(struct json *j, const char *name, int isobj)
{
	json_member(j, name);
	if (j->depth + 1 >= JSON_MAX_DEPTH) {
		j->err = 1;
		return;
	}
	j->depth++;
	j->nonempty[j->depth] = 0;
	j->isobj[j->depth] = (uint8_t)isobj;
	json_add(j, isobj ? "{" : "[", 1);
}

static void
json_close(struct json *j, int isobj)
{
	if (j->depth == 0 || j->isobj[j->depth] != isobj) {
		j->err = 1;
		return;
	}
	j->depth--;
	json_add(j, isobj ? "}" : "]", 1);
}

void
json_obj_open(struct json *j, const char *name)
{
	json_open(j, name, 1);
}

void
json_obj_close(struct json *j)
{
	json_close(j, 1);
}

void
json_arr_open(struct json *j, const char *name)
{
	json_open(j, name, 0);
}

void
json_arr_close(struct json *j)
{
	json_close(j, 0);
}

void
json_str(struct json *j, const char *name, const char *s)
{
	json_member(j, name);
	json_string(j, s, strlen(s), 0);
}

/* Decimal digits of v, right-aligned in buf[0 .. 20]; returns the first. */
static char *
json_utoa(uint64_t v, char buf[21])
{
	char	*p = buf + 20;

	*p = '\0';
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	return p;
}

void
json_uint(struct json *j, const char *name, uint64_t v)
{
	char	 num[21], *p;

	json_member(j, name);
	p = json_utoa(v, num);
	json_add(j, p, (size_t)(num + 20 - p));
}

void
json_int(struct json *j, const char *name, int64_t v)
{
	char	 num[21], *p;

	json_member(j, name);
	if (v < 0) {
		json_add(j, "-", 1);
		/* negate in unsigned arithmetic: INT64_MIN has no positive */
		p = json_utoa(-(uint64_t)v, num);
	} else
		p = json_utoa((uint64_t)v, num);
	json_add(j, p, (size_t)(num + 20 - p));
}

/*
 * "%.*f" of v >= 0 without printf (a RIS Live stream prints a timestamp
 * per message), when it is certain to equal printf's: below 2^51, the
 * product v * 10^prec is computed within half an ulp (at most 0.125) of
 * the exact one, so unless its fraction is near .5 it rounds as the
 * exact value does.  Returns the length written to out (at least 40
 * bytes), or -1: use printf.
 */
static int
json_fixed(double v, int prec, char *out)
{
	static const double p10[] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6,
	    1e7, 1e8, 1e9 };
	char	 ib[21], *p;
	double	 m, f;
	uint64_t n, ip, fp;
	int	 len, i;

	if (prec > 9 || signbit(v))
		return -1;
	m = v * p10[prec];
	if (!(m < 2251799813685248.0))		/* 2^51 */
		return -1;
	n = (uint64_t)m;			/* floor: m >= 0 */
	f = m - (double)n;
	if (f > 0.3 && f < 0.7)
		return -1;
	n += f >= 0.7;
	ip = n / (uint64_t)p10[prec];
	fp = n % (uint64_t)p10[prec];
	p = json_utoa(ip, ib);
	len = (int)(ib + 20 - p);
	memcpy(out, p, (size_t)len);
	if (prec == 0)
		return len;
	out[len++] = '.';
	for (i = prec - 1; i >= 0; i--, fp /= 10)
		out[len + i] = (char)('0' + fp % 10);
	return len + prec;
}

void
json_double(struct json *j, const char *name, double v, int prec)
{
	char	num[64];
	int	len;

	json_member(j, name);
	if (!isfinite(v) || prec < 0 || prec > 17) {
		json_add(j, "null", 4);
		return;
	}
	if ((len = json_fixed(v, prec, num)) >= 0) {
		json_add(j, num, (size_t)len);
		return;
	}
	len = snprintf(num, sizeof(num), "%.*f", prec, v);
	if (len < 0 || (size_t)len >= sizeof(num)) {
		json_add(j, "null", 4);
		return;
	}
	json_add(j, num, (size_t)len);
}

void
json_bool(struct json *j, const char *name, int v)
{
	json_member(j, name);
	if (v)
		json_add(j, "true", 4);
	else
		json_add(j, "false", 5);
}

void
json_null(struct json *j, const char *name)
{
	json_member(j, name);
	json_add(j, "null", 4);
}

int
json_finish(struct json *j)
{
	while (j->depth > 0)
		json_close(j, j->isobj[j->depth]);
	json_add(j, "\n", 1);
	return json_flush(j);
}

/*
 * Length of the valid UTF-8 sequence at s, n bytes left (RFC 3629: no
 * overlong forms, no surrogates, nothing past U+10FFFF), or 0 if it is
 * not one.
 */
static size_t
json_utf8_len(const unsigned char *s, size_t n)
{
	size_t		len, i;
	uint32_t	cp, min;

	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1f;
		min = 0x80;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0f;
		min = 0x800;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07;
		min = 0x10000;
	} else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/*
 * The escape for byte c, written to esc; returns its length or 0.  With
 * JSON_ESC_UFORM every control character takes the \u00XX form.
 */
static size_t
json_escape(unsigned char c, char *esc, int flags)
{
	static const char	shorts[][2] = { { '\b', 'b' }, { '\f', 'f' },
		{ '\n', 'n' }, { '\r', 'r' }, { '\t', 't' } };
	size_t			i;

	esc[0] = '\\';
	if (c == '"' || c == '\\') {
		esc[1] = (char)c;
		return 2;
	}
	if (c >= 0x20 && c != 0x7f)
		return 0;
	for (i = 0; !(flags & JSON_ESC_UFORM) && i < 5; i++)
		if (shorts[i][0] == (char)c) {
			esc[1] = shorts[i][1];
			return 2;
		}
	memcpy(esc + 1, "u00", 3);
	esc[4] = json_hex[c >> 4];
	esc[5] = json_hex[c & 0xf];
	return 6;
}

/* Writes len bytes at str as a string literal into the stage. */
static void
json_string(struct json *j, const void *str, size_t len, int flags)
{
	const unsigned char	*s = str, *end = s + len;
	const unsigned char	*run = s;	/* bytes copied as they are */
	char			 esc[8];
	size_t			 n, elen;

	json_add(j, "\"", 1);
	while (s < end) {
		if (*s >= 0x80) {
			if ((n = json_utf8_len(s, (size_t)(end - s))) > 0) {
				s += n;
				continue;
			}
			if (flags & JSON_ESC_UFORM) {
				elen = 6;
				memcpy(esc, "\\ufffd", 6);
			} else {
				elen = 3;	/* U+FFFD as UTF-8 */
				memcpy(esc, "\xef\xbf\xbd", 3);
			}
		} else if ((elen = json_escape(*s, esc, flags)) == 0) {
			s++;
			continue;
		}
		json_add(j, run, (size_t)(s - run));
		json_add(j, esc, elen);
		run = ++s;
	}
	json_add(j, run, (size_t)(s - run));
	json_add(j, "\"", 1);
}

int
json_write_string(struct evbuffer *out, const char *s)
{
	return json_write_strn(out, s, strlen(s), 0);
}

int
json_write_strn(struct evbuffer *out, const void *s, size_t len, int flags)
{
	struct json	j;

	json_init(&j, out);
	json_string(&j, s, len, flags);
	return json_flush(&j);
}
