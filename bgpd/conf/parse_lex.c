/*
 * The configuration lexer and argument readers (parse_priv.h): errors as
 * FILE:LINE: message, tokens, includes on a stack, and get_* for every
 * kind of argument, each bounded and checked.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "parse_priv.h"

/*
 * Errors.
 */

const char *
cur_file(struct parser *p)
{
	return p->nfiles > 0 ? p->files[p->nfiles - 1]->path : "?";
}

static void
verror_at(struct parser *p, const char *file, int line, const char *fmt,
    va_list ap)
{
	char *m;
	size_t off;

	if (p->giveup)
		return;
	p->nerrors++;
	m = p->errs->msg[p->errs->n++];
	if (p->nerrors > CONF_MAX_ERRORS) {
		snprintf(m, CONF_ERRMSG_MAX, "%s:%d: too many errors, "
		    "giving up", file, line);
		p->giveup = 1;
		return;
	}
	snprintf(m, CONF_ERRMSG_MAX, "%s:%d: ", file, line);
	off = strlen(m);
	vsnprintf(m + off, CONF_ERRMSG_MAX - off, fmt, ap);
}

void
error_at(struct parser *p, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror_at(p, file, line, fmt, ap);
	va_end(ap);
}

void
perr(struct parser *p, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror_at(p, cur_file(p), line, fmt, ap);
	va_end(ap);
}

/* Writes s quoted and made printable, shortened when long. */
const char *
quote(const char *s, char *out, size_t outlen)
{
	size_t o = 0, n;

	out[o++] = '"';
	for (n = 0; *s != '\0' && o + 8 < outlen; s++, n++) {
		unsigned char c = *s;

		if (n == 48) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		if (c == '"' || c == '\\')
			o += snprintf(out + o, outlen - o, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			o += snprintf(out + o, outlen - o, "\\x%02x", c);
		else
			out[o++] = c;
	}
	out[o++] = '"';
	out[o] = '\0';
	return out;
}


/* Describes a token for an error message. */
const char *
tok_desc(const struct token *t, char *out, size_t outlen)
{
	switch (t->type) {
	case TOK_EOF:
		return "end of file";
	case TOK_TERM:
		return t->text[0] == ';' ? "\";\"" : "end of line";
	case TOK_LBRACE:
		return "\"{\"";
	case TOK_RBRACE:
		return "\"}\"";
	case TOK_ERROR:
		return "invalid input";
	default:
		return quote(t->text, out, outlen);
	}
}

/*
 * Lexer.
 */

static int
lex_peekc(const struct lexfile *f)
{
	return f->pos < f->len ? (unsigned char)f->buf[f->pos] : -1;
}

/* Consumes one byte, keeping the line count and the line length bound. */
static void
lex_advance(struct parser *p, struct lexfile *f)
{
	if (f->pos >= f->len)
		return;
	if (f->buf[f->pos++] == '\n') {
		f->line++;
		f->col = 0;
	} else if (++f->col > CONF_MAX_LINE && f->longline != f->line) {
		f->longline = f->line;
		perr(p, f->line, "line too long (more than %d bytes)",
		    CONF_MAX_LINE);
	}
}

static void
lex_nul(struct parser *p, struct lexfile *f)
{
	if (!f->nul_seen)
		perr(p, f->line, "NUL byte in file");
	f->nul_seen = 1;
}

static int
lex_wordchar(int c)
{
	return c > 0x20 && c < 0x7f && c != '#' && c != '"' && c != '{' &&
	    c != '}' && c != ';';
}

static void
lex_word(struct parser *p, struct lexfile *f, struct token *t)
{
	size_t n = 0;
	int c;

	t->type = TOK_WORD;
	while ((c = lex_peekc(f)) != -1 && lex_wordchar(c)) {
		if (n == CONF_MAX_TOKEN) {
			if (t->type != TOK_ERROR)
				perr(p, f->line, "token too long (more than "
				    "%d bytes)", CONF_MAX_TOKEN);
			t->type = TOK_ERROR;
		} else
			t->text[n++] = c;
		lex_advance(p, f);
	}
	t->text[n] = '\0';
}

/* One character of a quoted string; returns -1 at its end or on error. */
static int
lex_string_char(struct parser *p, struct lexfile *f, int *bad)
{
	int c = lex_peekc(f);

	if (c == -1 || c == '\n') {
		perr(p, f->line, "unterminated string");
		*bad = 1;
		return -1;
	}
	lex_advance(p, f);
	if (c == '"')
		return -1;
	if (c == '\\') {
		c = lex_peekc(f);
		if (c == '"' || c == '\\') {
			lex_advance(p, f);
			return c;
		}
		if (!*bad)
			perr(p, f->line, "invalid escape in string (only \\\" "
			    "and \\\\ are allowed)");
		*bad = 1;
		return 0;
	}
	if (c == 0) {
		lex_nul(p, f);
		*bad = 1;
	} else if ((c < 0x20 && c != '\t') || c == 0x7f) {
		if (!*bad)
			perr(p, f->line, "invalid character 0x%02x in string",
			    c);
		*bad = 1;
	}
	return c;
}

static void
lex_string(struct parser *p, struct lexfile *f, struct token *t)
{
	size_t n = 0;
	int c, bad = 0, toolong = 0;

	lex_advance(p, f);		/* the opening quote */
	while ((c = lex_string_char(p, f, &bad)) != -1) {
		if (n == CONF_MAX_TOKEN) {
			if (!toolong)
				perr(p, f->line, "string too long (more than "
				    "%d bytes)", CONF_MAX_TOKEN);
			toolong = 1;
		} else if (c != 0)
			t->text[n++] = c;
	}
	t->text[n] = '\0';
	t->type = bad || toolong ? TOK_ERROR : TOK_STRING;
}

static void
lex_skip_blanks(struct parser *p, struct lexfile *f)
{
	int c;

	for (;;) {
		c = lex_peekc(f);
		if (c == ' ' || c == '\t' || c == '\r')
			lex_advance(p, f);
		else if (c == '\\' && f->pos + 1 < f->len &&
		    f->buf[f->pos + 1] == '\n') {
			/* A backslash at the end of a line continues it. */
			lex_advance(p, f);
			lex_advance(p, f);
		} else if (c == '#') {
			while ((c = lex_peekc(f)) != -1 && c != '\n') {
				if (c == 0)
					lex_nul(p, f);
				lex_advance(p, f);
			}
		} else
			return;
	}
}

/* The last line of the file, for errors found at its end. */
int
lex_lastline(const struct lexfile *f)
{
	if (f->line > 1 && f->len > 0 && f->buf[f->len - 1] == '\n')
		return f->line - 1;
	return f->line;
}

/* Reads the next token of the innermost file; EOF repeats at the end. */
static void
lex(struct parser *p, struct token *t)
{
	struct lexfile *f = p->files[p->nfiles - 1];
	int c;

	lex_skip_blanks(p, f);
	t->line = f->line;
	t->text[0] = '\0';
	c = lex_peekc(f);
	switch (c) {
	case -1:
		t->type = TOK_EOF;
		t->line = lex_lastline(f);
		return;
	case '\n':
	case ';':
		t->type = TOK_TERM;
		t->text[0] = c == ';' ? ';' : '\0';
		t->text[1] = '\0';
		lex_advance(p, f);
		return;
	case '{':
	case '}':
		t->type = c == '{' ? TOK_LBRACE : TOK_RBRACE;
		lex_advance(p, f);
		return;
	case '"':
		lex_string(p, f, t);
		return;
	}
	if (lex_wordchar(c)) {
		lex_word(p, f, t);
		return;
	}
	if (c == 0)
		lex_nul(p, f);
	else
		perr(p, f->line, "invalid character 0x%02x", c);
	lex_advance(p, f);
	t->type = TOK_ERROR;
}

struct token *
peek(struct parser *p)
{
	if (!p->have_ahead) {
		lex(p, &p->ahead);
		p->have_ahead = 1;
	}
	return &p->ahead;
}

struct token *
next(struct parser *p)
{
	if (p->have_ahead) {
		p->tok = p->ahead;
		p->have_ahead = 0;
	} else
		lex(p, &p->tok);
	return &p->tok;
}

/*
 * Files.
 */

static void
lexfile_free(struct lexfile *f)
{
	if (f == NULL)
		return;
	free(f->owned);
	free(f->path);
	free(f);
}

/* Reads all of fd, at most CONF_MAX_FILE bytes.  Returns 0 or -1. */
static int
read_all(int fd, char **bufp, size_t *lenp, int *toolarge)
{
	char *buf = NULL, *nbuf;
	size_t len = 0, cap = 0;
	ssize_t r;

	*toolarge = 0;
	for (;;) {
		if (len == cap) {
			if (cap > CONF_MAX_FILE) {
				*toolarge = 1;
				goto fail;
			}
			cap = cap == 0 ? 8192 : cap * 2;
			if ((nbuf = realloc(buf, cap)) == NULL)
				fatal("read_all");
			buf = nbuf;
		}
		if ((r = read(fd, buf + len, cap - len)) == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		if (r == 0)
			break;
		len += r;
	}
	if (len > CONF_MAX_FILE) {
		*toolarge = 1;
		goto fail;
	}
	*bufp = buf;
	*lenp = len;
	return 0;
 fail:
	free(buf);
	return -1;
}

struct lexfile *
lexfile_new(const char *path)
{
	struct lexfile *f;

	if ((f = calloc(1, sizeof(*f))) == NULL ||
	    (f->path = strdup(path)) == NULL)
		fatal("lexfile_new");
	f->line = 1;
	return f;
}

/* Returns 1 if the file (dev, ino) is already open in the stack. */
static int
in_stack(struct parser *p, const struct stat *st)
{
	int i;

	for (i = 0; i < p->nfiles; i++)
		if (p->files[i]->have_id && p->files[i]->dev == st->st_dev &&
		    p->files[i]->ino == st->st_ino)
			return 1;
	return 0;
}

/*
 * Opens path and makes it the innermost file; errors are reported at
 * (file, line) of the include statement.  Returns 0 or -1.
 */
int
lex_push(struct parser *p, const char *path, const char *file, int line)
{
	struct lexfile *f = NULL;
	struct stat st;
	int fd, toolarge;
	char q[QBUF];

	if ((fd = open(path, O_RDONLY | O_NONBLOCK)) == -1) {
		error_at(p, file, line, "cannot open %s: %s",
		    quote(path, q, sizeof(q)), strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		error_at(p, file, line, "%s is not a regular file",
		    quote(path, q, sizeof(q)));
		goto fail;
	}
	if (in_stack(p, &st)) {
		error_at(p, file, line, "include loop: %s is already being "
		    "read", quote(path, q, sizeof(q)));
		goto fail;
	}
	f = lexfile_new(path);
	f->have_id = 1;
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	if (read_all(fd, &f->owned, &f->len, &toolarge) == -1) {
		if (toolarge)
			error_at(p, file, line, "%s is too large (more than "
			    "%d bytes)", quote(path, q, sizeof(q)),
			    CONF_MAX_FILE);
		else
			error_at(p, file, line, "cannot read %s: %s",
			    quote(path, q, sizeof(q)), strerror(errno));
		goto fail;
	}
	f->buf = f->owned;
	p->total += f->len;
	if (p->total > CONF_MAX_TOTAL) {
		error_at(p, file, line, "configuration too large (more than "
		    "%d bytes with includes)", CONF_MAX_TOTAL);
		goto fail;
	}
	close(fd);
	p->files[p->nfiles++] = f;
	return 0;
 fail:
	lexfile_free(f);
	close(fd);
	return -1;
}

void
lex_pop(struct parser *p)
{
	lexfile_free(p->files[--p->nfiles]);
	p->files[p->nfiles] = NULL;
}

/*
 * Statement helpers.  The getters consume a token only when it is an
 * argument (word or string) so that a missing argument leaves the end of
 * the statement for skip_statement() to find.
 */

/*
 * Skips the rest of a statement, and the whole block if one follows;
 * depth 1 skips the rest of a block whose "{" was consumed.
 */
void
skip_depth(struct parser *p, int depth)
{
	struct token *t;

	for (;;) {
		t = peek(p);
		switch (t->type) {
		case TOK_EOF:
			return;
		case TOK_TERM:
			next(p);
			if (depth == 0)
				return;
			break;
		case TOK_LBRACE:
			next(p);
			depth++;
			break;
		case TOK_RBRACE:
			if (depth == 0)
				return;
			next(p);
			if (--depth == 0)
				return;
			break;
		default:
			next(p);
			break;
		}
	}
}

void
skip_statement(struct parser *p)
{
	skip_depth(p, 0);
}

/* The statement must end here: newline, ';', '}' or end of file. */
int
end_statement(struct parser *p)
{
	struct token *t = peek(p);
	char q[QBUF];

	switch (t->type) {
	case TOK_TERM:
		next(p);
		return 0;
	case TOK_RBRACE:
	case TOK_EOF:
		return 0;
	case TOK_ERROR:
		next(p);
		return -1;
	default:
		perr(p, t->line, "unexpected %s at end of \"%s\" statement",
		    tok_desc(t, q, sizeof(q)), p->stmt);
		return -1;
	}
}

/* The next argument's text (valid until the next token), or NULL. */
const char *
get_arg(struct parser *p, const char *what)
{
	struct token *t = peek(p);
	char q[QBUF];

	if (t->type == TOK_WORD || t->type == TOK_STRING)
		return next(p)->text;
	if (t->type == TOK_ERROR) {
		next(p);
		return NULL;
	}
	perr(p, t->line, "%s expected after \"%s\", got %s", what, p->stmt,
	    tok_desc(t, q, sizeof(q)));
	return NULL;
}

/* Consumes the next token if it is the word w.  Returns 1 if it was. */
int
accept_word(struct parser *p, const char *w)
{
	struct token *t = peek(p);

	if (t->type == TOK_WORD && strcmp(t->text, w) == 0) {
		next(p);
		return 1;
	}
	return 0;
}

/* Strict decimal: digits only, no sign, no overflow.  Returns 0 or -1. */
static int
str_to_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (v > (UINT64_MAX - (*s - '0')) / 10)
			return -1;
		v = v * 10 + (*s - '0');
	}
	*out = v;
	return 0;
}

static int
get_number(struct parser *p, const char *what, uint64_t min, uint64_t max,
    uint64_t *out)
{
	const char *s;
	char q[QBUF];

	if ((s = get_arg(p, what)) == NULL)
		return -1;
	if (str_to_u64(s, out) == -1) {
		perr(p, p->tok.line, "invalid %s %s", what,
		    quote(s, q, sizeof(q)));
		return -1;
	}
	if (*out < min || *out > max) {
		perr(p, p->tok.line, "%s %s out of range (%llu..%llu)", what, s,
		    (unsigned long long)min, (unsigned long long)max);
		return -1;
	}
	return 0;
}

int
get_u32(struct parser *p, const char *what, uint32_t min, uint32_t max,
    uint32_t *out)
{
	uint64_t v;

	if (get_number(p, what, min, max, &v) == -1)
		return -1;
	*out = v;
	return 0;
}

int
get_port(struct parser *p, uint16_t *out)
{
	uint32_t v;

	if (get_u32(p, "port", 1, 65535, &v) == -1)
		return -1;
	*out = v;
	return 0;
}

/* "65000" or asdot "1.10".  Returns 0, or -1 for malformed text. */
static int
str_to_asn(const char *s, uint32_t *out)
{
	char hi[8];
	const char *dot;
	uint64_t h, l;

	if ((dot = strchr(s, '.')) == NULL) {
		if (str_to_u64(s, &l) == -1 || l > UINT32_MAX)
			return -1;
		*out = l;
		return 0;
	}
	if ((size_t)(dot - s) >= sizeof(hi))
		return -1;
	memcpy(hi, s, dot - s);
	hi[dot - s] = '\0';
	if (str_to_u64(hi, &h) == -1 || str_to_u64(dot + 1, &l) == -1 ||
	    h > 65535 || l > 65535)
		return -1;
	*out = (uint32_t)(h << 16 | l);
	return 0;
}

int
get_asn(struct parser *p, const char *what, uint32_t *out)
{
	const char *s;
	char q[QBUF];

	if ((s = get_arg(p, what)) == NULL)
		return -1;
	if (str_to_asn(s, out) == -1) {
		perr(p, p->tok.line, "invalid %s %s (expected 1..4294967295 or "
		    "asdot 1.0..65535.65535)", what, quote(s, q, sizeof(q)));
		return -1;
	}
	if (*out == 0) {
		perr(p, p->tok.line, "%s 0 is reserved (RFC 7607)", what);
		return -1;
	}
	return 0;
}

/* "10s", "5m", "2h", "1d" or seconds.  Returns 0 or -1. */
static int
str_to_duration(const char *s, uint32_t *out)
{
	char num[24];
	size_t n = strlen(s);
	uint64_t v, mult = 1;

	if (n == 0 || n >= sizeof(num))
		return -1;
	memcpy(num, s, n + 1);
	switch (num[n - 1]) {
	case 'd':
		mult *= 24;
		/* FALLTHROUGH */
	case 'h':
		mult *= 60;
		/* FALLTHROUGH */
	case 'm':
		mult *= 60;
		/* FALLTHROUGH */
	case 's':
		num[n - 1] = '\0';
		break;
	}
	if (str_to_u64(num, &v) == -1 || v > UINT32_MAX / mult)
		return -1;
	*out = v * mult;
	return 0;
}

int
get_duration(struct parser *p, const char *what, uint32_t min, uint32_t *out)
{
	const char *s;
	char q[QBUF];

	if ((s = get_arg(p, what)) == NULL)
		return -1;
	if (str_to_duration(s, out) == -1) {
		perr(p, p->tok.line, "invalid duration %s for %s (expected "
		    "e.g. 30s, 5m, 2h, 1d)", quote(s, q, sizeof(q)), what);
		return -1;
	}
	if (*out < min) {
		perr(p, p->tok.line, "%s must be at least %us", what, min);
		return -1;
	}
	return 0;
}

/* "64M": bytes with an optional K, M or G (powers of 1024). */
static int
str_to_size(const char *s, uint64_t *out)
{
	char num[24];
	size_t n = strlen(s);
	uint64_t v, mult = 1;

	if (n == 0 || n >= sizeof(num))
		return -1;
	memcpy(num, s, n + 1);
	switch (num[n - 1]) {
	case 'G':
	case 'g':
		mult <<= 10;
		/* FALLTHROUGH */
	case 'M':
	case 'm':
		mult <<= 10;
		/* FALLTHROUGH */
	case 'K':
	case 'k':
		mult <<= 10;
		num[n - 1] = '\0';
		break;
	}
	if (str_to_u64(num, &v) == -1 || v > UINT64_MAX / mult)
		return -1;
	*out = v * mult;
	return 0;
}

int
get_size(struct parser *p, const char *what, uint64_t *out)
{
	const char *s;
	char q[QBUF];

	if ((s = get_arg(p, what)) == NULL)
		return -1;
	if (str_to_size(s, out) == -1) {
		perr(p, p->tok.line, "invalid size %s for %s (expected e.g. "
		    "4096, 64K, 64M, 1G)", quote(s, q, sizeof(q)), what);
		return -1;
	}
	if (*out == 0) {
		perr(p, p->tok.line, "%s must not be 0", what);
		return -1;
	}
	return 0;
}

/* "90%": an integer percentage 0..100. */
int
get_percent(struct parser *p, const char *what, uint8_t *out)
{
	const char *s;
	char num[24], q[QBUF];
	size_t n;
	uint64_t v;

	if ((s = get_arg(p, what)) == NULL)
		return -1;
	n = strlen(s);
	if (n < 2 || n >= sizeof(num) || s[n - 1] != '%')
		goto bad;
	memcpy(num, s, n - 1);
	num[n - 1] = '\0';
	if (str_to_u64(num, &v) == -1)
		goto bad;
	if (v > 100) {
		perr(p, p->tok.line, "percentage out of range for %s: %s "
		    "(0%%..100%%)", what, s);
		return -1;
	}
	*out = v;
	return 0;
 bad:
	perr(p, p->tok.line, "invalid percentage %s for %s (expected e.g. "
	    "90%%)", quote(s, q, sizeof(q)), what);
	return -1;
}

int
get_addr(struct parser *p, const char *what, struct bw_addr *out)
{
	const char *s;
	char q[QBUF];

	if ((s = get_arg(p, what)) == NULL)
		return -1;
	if (addr_parse(s, out) == -1) {
		perr(p, p->tok.line, "invalid %s %s", what,
		    quote(s, q, sizeof(q)));
		return -1;
	}
	return 0;
}

/* Returns 1 if the address has any bit set past len. */
static int
host_bits_set(const struct bw_addr *a, const struct bw_prefix *pfx)
{
	return memcmp(a->b, pfx->b, sizeof(a->b)) != 0;
}

int
get_prefix(struct parser *p, struct bw_prefix *out)
{
	const char *s;
	char tmp[BW_PREFIX_STRLEN], q[QBUF], fixed[BW_PREFIX_STRLEN];
	char *slash;
	struct bw_addr a;

	if ((s = get_arg(p, "prefix")) == NULL)
		return -1;
	if (strlen(s) >= sizeof(tmp) || prefix_parse(s, out) == -1)
		goto bad;
	memcpy(tmp, s, strlen(s) + 1);
	if ((slash = strchr(tmp, '/')) == NULL)
		goto bad;
	*slash = '\0';
	if (addr_parse(tmp, &a) == -1)
		goto bad;
	if (host_bits_set(&a, out)) {
		perr(p, p->tok.line, "prefix %s has host bits set (the masked "
		    "prefix is %s)", s, prefix_fmt(out, fixed, sizeof(fixed)));
		return -1;
	}
	return 0;
 bad:
	perr(p, p->tok.line, "invalid prefix %s", quote(s, q, sizeof(q)));
	return -1;
}

/* A string of 1..maxlen bytes, copied. */
int
get_string(struct parser *p, const char *what, size_t maxlen, char **out)
{
	const char *s;

	if ((s = get_arg(p, what)) == NULL)
		return -1;
	if (*s == '\0') {
		perr(p, p->tok.line, "%s must not be empty", what);
		return -1;
	}
	if (strlen(s) > maxlen) {
		perr(p, p->tok.line, "%s too long (more than %zu bytes)", what,
		    maxlen);
		return -1;
	}
	free(*out);
	if ((*out = strdup(s)) == NULL)
		fatal("get_string");
	return 0;
}

int
get_sockpath(struct parser *p, const char *what, char **out)
{
	return get_string(p, what, SUN_PATH_MAX, out);
}

int
expect_on(struct parser *p)
{
	struct token *t;
	char q[QBUF];

	if (accept_word(p, "on"))
		return 0;
	t = peek(p);
	perr(p, t->line, "\"on\" expected after \"%s\", got %s", p->stmt,
	    tok_desc(t, q, sizeof(q)));
	return -1;
}

void *
grow(void *arr, size_t n, size_t size)
{
	void *na;

	if (n > SIZE_MAX / 2 / size)
		fatalx("config array too large");
	/* Grow at powers of two: realloc only when n is one. */
	if (n != 0 && (n & (n - 1)) != 0)
		return arr;
	if ((na = realloc(arr, (n == 0 ? 1 : n * 2) * size)) == NULL)
		fatal("config grow");
	return na;
}

int
get_holdtime(struct parser *p, uint16_t *out)
{
	uint32_t v;

	if (get_u32(p, "hold-time", 0, 65535, &v) == -1)
		return -1;
	if (v == 1 || v == 2) {
		perr(p, p->tok.line, "hold-time %u is invalid (0 or 3..65535)",
		    v);
		return -1;
	}
	*out = v;
	return 0;
}

int
parse_tls_option(struct parser *p, const struct tls_opts *o, int *seen)
{
	static const char *opts[] = { "port", "cert", "key", "ca" };
	struct token *t = peek(p);
	char q[QBUF];
	int i;

	for (i = 0; i < 4; i++)
		if (t->type == TOK_WORD && strcmp(t->text, opts[i]) == 0)
			break;
	if (i == 4 || (*seen & (1 << i))) {
		perr(p, t->line, "unexpected %s in \"%s\" (%s expected, each "
		    "once)", tok_desc(t, q, sizeof(q)), o->stmt, o->expect);
		return -1;
	}
	next(p);
	*seen |= 1 << i;
	switch (i) {
	case 0:
		return get_port(p, o->port);
	case 1:
		return get_string(p, "cert", PATH_MAX, o->cert);
	case 2:
		parse_secret_seen(p, o->secret);
		return get_string(p, "key", PATH_MAX, o->key);
	default:
		return get_string(p, "ca", PATH_MAX, o->ca);
	}
}
