/*
 * The configuration parser: a hand-written lexer and a recursive-descent
 * parser driven by keyword tables, one table per block (top level,
 * neighbor, region, events).  Adding a keyword is adding a row and a
 * small function.
 *
 * The file is untrusted input.  Each file is read whole into memory, up
 * to CONF_MAX_FILE bytes (CONF_MAX_TOTAL with its includes), and the
 * lexer walks it with an index that never passes its length.  Tokens
 * and lines are bounded; NUL bytes and control characters are errors.
 *
 * Errors do not stop the parse: each is recorded as "FILE:LINE: message"
 * naming the offending token, the rest of the statement is skipped (a
 * whole block when its header was bad) and parsing goes on, up to
 * CONF_MAX_ERRORS.  Blocks never span files: an include is a top-level
 * statement, and an included file is parsed as a sequence of top-level
 * statements before the lexer returns to the including file.
 *
 * Checks that need a whole block (remote-as missing, threshold order)
 * run when the block closes, global ones (local-as missing) at the end.
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

enum tok_type {
	TOK_EOF,
	TOK_TERM,	/* newline or ';' */
	TOK_WORD,
	TOK_STRING,	/* quoted */
	TOK_LBRACE,
	TOK_RBRACE,
	TOK_ERROR	/* bad input, already reported */
};

struct token {
	enum tok_type	 type;
	int		 line;
	char		 text[CONF_MAX_TOKEN + 1];
};

struct lexfile {
	char		*path;
	const char	*buf;
	char		*owned;		/* buf when it is ours to free */
	size_t		 len;
	size_t		 pos;
	int		 line;
	size_t		 col;		/* bytes into the current line */
	int		 longline;	/* last line reported as too long */
	int		 nul_seen;
	int		 have_id;
	dev_t		 dev;
	ino_t		 ino;
};

struct parser {
	struct config		*conf;
	struct config_errors	*errs;
	struct lexfile		*files[CONF_MAX_INCLUDE_DEPTH + 1];
	int			 nfiles;
	size_t			 total;		/* bytes read, includes too */
	struct token		 tok;		/* the current token */
	struct token		 ahead;		/* one token of lookahead */
	int			 have_ahead;
	int			 nerrors;
	int			 giveup;
	uint64_t		 top_seen;	/* top-level keywords seen */
	const char		*stmt;		/* keyword being parsed */
	char			 sub_file[PATH_MAX];	/* first subscriber */
	int			 sub_line;
};

/* A keyword handler parses the arguments of one statement. */
struct keyword {
	const char	*name;
	int		(*fn)(struct parser *, void *);
	int		 flags;
};
#define KW_ONCE		0x01	/* may appear once per block */
#define KW_OWNEND	0x02	/* handler consumes the statement end */

#define SUN_PATH_MAX	(sizeof(((struct sockaddr_un *)0)->sun_path) - 1)

static int	parse_block(struct parser *, const struct keyword *, void *,
		    const char *, int);

/*
 * Errors.
 */

static const char *
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

static void __attribute__((__format__(__printf__, 4, 5)))
error_at(struct parser *p, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror_at(p, file, line, fmt, ap);
	va_end(ap);
}

static void __attribute__((__format__(__printf__, 3, 4)))
perr(struct parser *p, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror_at(p, cur_file(p), line, fmt, ap);
	va_end(ap);
}

/* Writes s quoted and made printable, shortened when long. */
static const char *
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

#define QBUF	208

/* Describes a token for an error message. */
static const char *
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
static int
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

static struct token *
peek(struct parser *p)
{
	if (!p->have_ahead) {
		lex(p, &p->ahead);
		p->have_ahead = 1;
	}
	return &p->ahead;
}

static struct token *
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

static struct lexfile *
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
static int
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

static void
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
static void
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

static void
skip_statement(struct parser *p)
{
	skip_depth(p, 0);
}

/* The statement must end here: newline, ';', '}' or end of file. */
static int
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
static const char *
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
static int
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

static int
get_u32(struct parser *p, const char *what, uint32_t min, uint32_t max,
    uint32_t *out)
{
	uint64_t v;

	if (get_number(p, what, min, max, &v) == -1)
		return -1;
	*out = v;
	return 0;
}

static int
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

static int
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

static int
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

static int
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
static int
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

static int
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

static int
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
static int
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

static int
get_sockpath(struct parser *p, const char *what, char **out)
{
	return get_string(p, what, SUN_PATH_MAX, out);
}

static int
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

static void *
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

/*
 * Top-level statements.
 */

static int
kw_local_as(struct parser *p, void *arg)
{
	struct config *conf = arg;

	return get_asn(p, "local-as", &conf->local_as);
}

static int
kw_router_id(struct parser *p, void *arg)
{
	struct config *conf = arg;
	static const uint8_t zero[BW_ADDR_MAX];
	struct bw_addr a;

	if (get_addr(p, "router-id", &a) == -1)
		return -1;
	if (a.aid != AID_INET) {
		perr(p, p->tok.line, "router-id must be an IPv4 address, got "
		    "%s", p->tok.text);
		return -1;
	}
	if (memcmp(a.b, zero, 4) == 0) {
		perr(p, p->tok.line, "router-id 0.0.0.0 is not valid");
		return -1;
	}
	conf->router_id = a;
	return 0;
}

static int
kw_listen(struct parser *p, void *arg)
{
	struct config *conf = arg;
	struct config_listen l;
	char ab[BW_ADDR_STRLEN];
	size_t i;

	memset(&l, 0, sizeof(l));
	if (expect_on(p) == -1)
		return -1;
	if (get_addr(p, "listen address", &l.addr) == -1)
		return -1;
	l.port = CONF_DEFAULT_BGP_PORT;
	if (accept_word(p, "port") && get_port(p, &l.port) == -1)
		return -1;
	for (i = 0; i < conf->nlistens; i++)
		if (memcmp(&conf->listens[i], &l, sizeof(l)) == 0) {
			perr(p, p->tok.line, "duplicate listen on %s port %u",
			    addr_fmt(&l.addr, ab, sizeof(ab)), l.port);
			return -1;
		}
	conf->listens = grow(conf->listens, conf->nlistens,
	    sizeof(*conf->listens));
	conf->listens[conf->nlistens++] = l;
	return 0;
}

static int
kw_control(struct parser *p, void *arg)
{
	struct config *conf = arg;

	return get_sockpath(p, "control socket path", &conf->control_path);
}

static int
kw_user(struct parser *p, void *arg)
{
	struct config *conf = arg;

	return get_string(p, "user name", CONF_MAX_NAME, &conf->user);
}

static int
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

static int
kw_hold_time(struct parser *p, void *arg)
{
	struct config *conf = arg;

	return get_holdtime(p, &conf->hold_time);
}

static int
kw_connect_retry(struct parser *p, void *arg)
{
	struct config *conf = arg;

	return get_duration(p, "connect-retry", 1, &conf->connect_retry);
}

static int
kw_eligible_after(struct parser *p, void *arg)
{
	struct config *conf = arg;

	return get_duration(p, "eligible-after", 0, &conf->eligible_after);
}

static int
kw_full_feed(struct parser *p, void *arg)
{
	struct config *conf = arg;

	return get_percent(p, "full-feed", &conf->full_feed);
}

static int
kw_log_rate(struct parser *p, void *arg)
{
	struct config *conf = arg;

	return get_u32(p, "log-rate", 0, 100000, &conf->log_rate);
}

static int
kw_rir_stats(struct parser *p, void *arg)
{
	struct config *conf = arg;
	char *path = NULL, q[QBUF];
	size_t i;

	if (get_string(p, "rir-stats path", PATH_MAX, &path) == -1)
		return -1;
	for (i = 0; i < conf->nrir_stats; i++)
		if (strcmp(conf->rir_stats[i], path) == 0) {
			perr(p, p->tok.line, "duplicate rir-stats %s",
			    quote(path, q, sizeof(q)));
			free(path);
			return -1;
		}
	conf->rir_stats = grow(conf->rir_stats, conf->nrir_stats,
	    sizeof(*conf->rir_stats));
	conf->rir_stats[conf->nrir_stats++] = path;
	return 0;
}

static int
kw_metrics(struct parser *p, void *arg)
{
	struct config *conf = arg;

	if (expect_on(p) == -1)
		return -1;
	if (get_addr(p, "metrics address", &conf->metrics.addr) == -1)
		return -1;
	conf->metrics.port = CONF_DEFAULT_METRICS_PORT;
	if (accept_word(p, "port") && get_port(p, &conf->metrics.port) == -1)
		return -1;
	conf->metrics.enabled = 1;
	return 0;
}

/* Resolves name against the directory of the including file. */
static int
include_path(const char *includer, const char *name, char *out, size_t len)
{
	const char *slash = strrchr(includer, '/');
	int n;

	if (name[0] == '/' || slash == NULL)
		n = snprintf(out, len, "%s", name);
	else
		n = snprintf(out, len, "%.*s/%s", (int)(slash - includer),
		    includer, name);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

static int
kw_include(struct parser *p, void *arg)
{
	char *name = NULL, path[PATH_MAX], file[PATH_MAX], q[QBUF];
	struct token *t;
	int line;

	(void)arg;
	if (get_string(p, "include file", PATH_MAX, &name) == -1)
		return -1;
	line = p->tok.line;
	/*
	 * Consume the end of the statement before the lexer switches files,
	 * so that no lookahead of this file is pending (EOF is sticky).
	 */
	t = peek(p);
	if (t->type != TOK_TERM && t->type != TOK_EOF) {
		perr(p, t->line, "unexpected %s at end of \"include\" "
		    "statement", tok_desc(t, q, sizeof(q)));
		goto fail;
	}
	next(p);
	snprintf(file, sizeof(file), "%s", cur_file(p));
	if (p->nfiles > CONF_MAX_INCLUDE_DEPTH) {
		perr(p, line, "includes nested too deep (more than %d levels)",
		    CONF_MAX_INCLUDE_DEPTH);
	} else if (include_path(file, name, path, sizeof(path)) == -1)
		perr(p, line, "include path too long");
	else
		lex_push(p, path, file, line);
	free(name);
	return 0;
 fail:
	free(name);
	return -1;
}

/*
 * neighbor ADDR { ... }
 */

static int
nb_remote_as(struct parser *p, void *arg)
{
	struct config_neighbor *n = arg;

	return get_asn(p, "remote-as", &n->remote_as);
}

static int
nb_description(struct parser *p, void *arg)
{
	struct config_neighbor *n = arg;

	return get_string(p, "description", CONF_MAX_DESCR, &n->descr);
}

static int
nb_passive(struct parser *p, void *arg)
{
	struct config_neighbor *n = arg;

	(void)p;
	n->flags |= CONF_NB_PASSIVE;
	return 0;
}

static int
nb_port(struct parser *p, void *arg)
{
	struct config_neighbor *n = arg;

	return get_port(p, &n->port);
}

static int
nb_md5(struct parser *p, void *arg)
{
	struct config_neighbor *n = arg;

	return get_string(p, "md5 key", CONF_MAX_MD5KEY, &n->md5key);
}

static int
nb_ttl_security(struct parser *p, void *arg)
{
	struct config_neighbor *n = arg;

	(void)p;
	n->flags |= CONF_NB_TTL_SECURITY;
	return 0;
}

static int
nb_max_prefix(struct parser *p, void *arg)
{
	struct config_neighbor *n = arg;

	if (get_u32(p, "max-prefix", 1, UINT32_MAX, &n->max_prefix) == -1)
		return -1;
	if (accept_word(p, "restart"))
		return get_duration(p, "max-prefix restart", 0,
		    &n->max_prefix_restart);
	return 0;
}

static int
nb_add_path(struct parser *p, void *arg)
{
	struct config_neighbor *n = arg;
	const char *s;
	char q[QBUF];

	if ((s = get_arg(p, "\"receive\"")) == NULL)
		return -1;
	if (strcmp(s, "receive") != 0) {
		perr(p, p->tok.line, "add-path: \"receive\" expected, got %s "
		    "(bgpwatchd never sends routes)", quote(s, q, sizeof(q)));
		return -1;
	}
	n->flags |= CONF_NB_ADDPATH_RX;
	return 0;
}

static int
nb_hold_time(struct parser *p, void *arg)
{
	struct config_neighbor *n = arg;

	if (get_holdtime(p, &n->hold_time) == -1)
		return -1;
	n->flags |= CONF_NB_HOLD_SET;
	return 0;
}

static int
nb_local_address(struct parser *p, void *arg)
{
	struct config_neighbor *n = arg;

	return get_addr(p, "local-address", &n->local_addr);
}

static int
nb_graceful_restart(struct parser *p, void *arg)
{
	struct config_neighbor *n = arg;
	uint32_t v;

	if (accept_word(p, "off")) {
		n->flags &= ~CONF_NB_GR;
		return 0;
	}
	n->flags |= CONF_NB_GR;
	if (!accept_word(p, "restart-time"))
		return 0;
	if (get_u32(p, "restart-time", 0, 4095, &v) == -1)
		return -1;
	n->gr_restart_time = v;
	return 0;
}

static int
nb_shutdown(struct parser *p, void *arg)
{
	struct config_neighbor *n = arg;

	(void)p;
	n->flags |= CONF_NB_SHUTDOWN;
	return 0;
}

static const struct keyword kw_neighbor[] = {
	{ "add-path",		nb_add_path,		KW_ONCE },
	{ "description",	nb_description,		KW_ONCE },
	{ "graceful-restart",	nb_graceful_restart,	KW_ONCE },
	{ "hold-time",		nb_hold_time,		KW_ONCE },
	{ "local-address",	nb_local_address,	KW_ONCE },
	{ "max-prefix",		nb_max_prefix,		KW_ONCE },
	{ "md5",		nb_md5,			KW_ONCE },
	{ "passive",		nb_passive,		KW_ONCE },
	{ "port",		nb_port,		KW_ONCE },
	{ "remote-as",		nb_remote_as,		KW_ONCE },
	{ "shutdown",		nb_shutdown,		KW_ONCE },
	{ "ttl-security",	nb_ttl_security,	KW_ONCE },
	{ NULL,			NULL,			0 }
};

static struct config_neighbor *
neighbor_new(const struct bw_addr *a, int line)
{
	struct config_neighbor *n;

	if ((n = calloc(1, sizeof(*n))) == NULL)
		fatal("neighbor_new");
	n->addr = *a;
	n->line = line;
	n->port = CONF_DEFAULT_BGP_PORT;
	n->max_prefix_restart = CONF_DEFAULT_MAXPFX_RESTART;
	n->gr_restart_time = CONF_DEFAULT_GR_TIME;
	n->flags = CONF_NB_GR;
	return n;
}

/* Checks that need the whole block. */
static void
neighbor_check(struct parser *p, const struct config_neighbor *n)
{
	char ab[BW_ADDR_STRLEN], lb[BW_ADDR_STRLEN];

	addr_fmt(&n->addr, ab, sizeof(ab));
	if (n->remote_as == 0)
		perr(p, n->line, "neighbor %s: remote-as missing", ab);
	if (n->local_addr.aid != AID_UNSPEC &&
	    n->local_addr.aid != n->addr.aid)
		perr(p, n->line, "neighbor %s: local-address %s is not of the "
		    "same address family", ab,
		    addr_fmt(&n->local_addr, lb, sizeof(lb)));
}

static int
kw_neighbor_block(struct parser *p, void *arg)
{
	struct config *conf = arg;
	struct config_neighbor *n;
	struct bw_addr a;
	static const uint8_t zero[BW_ADDR_MAX];
	char ab[BW_ADDR_STRLEN];
	int line = p->tok.line, rc;

	if (get_addr(p, "neighbor address", &a) == -1)
		return -1;
	addr_fmt(&a, ab, sizeof(ab));
	if (memcmp(a.b, zero, sizeof(zero)) == 0) {
		perr(p, line, "neighbor %s: not a peer address", ab);
		return -1;
	}
	if (config_find_neighbor(conf, &a) != NULL)
		perr(p, line, "duplicate neighbor %s", ab);
	n = neighbor_new(&a, line);
	TAILQ_INSERT_TAIL(&conf->neighbors, n, entry);
	rc = parse_block(p, kw_neighbor, n, "neighbor", line);
	if (rc == 0)
		neighbor_check(p, n);
	return rc;
}

/*
 * region "NAME" { ... }
 */

static int
rg_prefix(struct parser *p, void *arg)
{
	struct config_region *r = arg;
	struct bw_prefix pfx;
	char pb[BW_PREFIX_STRLEN];
	size_t i;

	if (get_prefix(p, &pfx) == -1)
		return -1;
	for (i = 0; i < r->nprefixes; i++)
		if (memcmp(&r->prefixes[i], &pfx, sizeof(pfx)) == 0) {
			perr(p, p->tok.line, "duplicate prefix %s in region",
			    prefix_fmt(&pfx, pb, sizeof(pb)));
			return -1;
		}
	r->prefixes = grow(r->prefixes, r->nprefixes, sizeof(*r->prefixes));
	r->prefixes[r->nprefixes++] = pfx;
	return 0;
}

static int
rg_origin_as(struct parser *p, void *arg)
{
	struct config_region *r = arg;
	uint32_t as;
	size_t i;

	if (get_asn(p, "origin-as", &as) == -1)
		return -1;
	for (i = 0; i < r->norigins; i++)
		if (r->origins[i] == as) {
			perr(p, p->tok.line, "duplicate origin-as %u in region",
			    as);
			return -1;
		}
	r->origins = grow(r->origins, r->norigins, sizeof(*r->origins));
	r->origins[r->norigins++] = as;
	return 0;
}

static int
is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
rg_country(struct parser *p, void *arg)
{
	struct config_region *r = arg;
	const char *s;
	char cc[3], q[QBUF];
	size_t i;

	if ((s = get_arg(p, "country code")) == NULL)
		return -1;
	if (strlen(s) != 2 || !is_alpha(s[0]) || !is_alpha(s[1])) {
		perr(p, p->tok.line, "invalid country code %s (two letters "
		    "expected)", quote(s, q, sizeof(q)));
		return -1;
	}
	cc[0] = s[0] & ~0x20;	/* ASCII uppercase */
	cc[1] = s[1] & ~0x20;
	cc[2] = '\0';
	for (i = 0; i < r->ncountries; i++)
		if (strcmp(r->countries[i], cc) == 0) {
			perr(p, p->tok.line, "duplicate country %s in region",
			    cc);
			return -1;
		}
	r->countries = grow(r->countries, r->ncountries,
	    sizeof(*r->countries));
	memcpy(r->countries[r->ncountries++], cc, sizeof(cc));
	return 0;
}

static int
rg_degraded_below(struct parser *p, void *arg)
{
	struct config_region *r = arg;

	return get_percent(p, "degraded-below", &r->degraded_below);
}

static int
rg_down_below(struct parser *p, void *arg)
{
	struct config_region *r = arg;

	return get_percent(p, "down-below", &r->down_below);
}

static int
rg_hold_down(struct parser *p, void *arg)
{
	struct config_region *r = arg;

	return get_duration(p, "hold-down", 0, &r->hold_down);
}

static int
rg_min_peers(struct parser *p, void *arg)
{
	struct config_region *r = arg;
	struct token *t = peek(p);
	uint8_t pct;

	if (t->type == TOK_WORD && strchr(t->text, '%') != NULL) {
		if (get_percent(p, "min-peers", &pct) == -1)
			return -1;
		r->min_peers_mode = CONF_MINPEERS_PERCENT;
		r->min_peers = pct;
		return 0;
	}
	if (get_u32(p, "min-peers", 1, 100000, &r->min_peers) == -1)
		return -1;
	r->min_peers_mode = CONF_MINPEERS_COUNT;
	return 0;
}

static int
rg_unstable_rate(struct parser *p, void *arg)
{
	struct config_region *r = arg;

	if (get_u32(p, "unstable-rate", 1, UINT32_MAX,
	    &r->unstable_changes) == -1)
		return -1;
	if (!accept_word(p, "per")) {
		perr(p, p->tok.line, "\"per\" expected in \"unstable-rate N "
		    "per DURATION\"");
		return -1;
	}
	return get_duration(p, "unstable-rate window", 1, &r->unstable_window);
}

static int
rg_description(struct parser *p, void *arg)
{
	struct config_region *r = arg;

	return get_string(p, "description", CONF_MAX_DESCR, &r->descr);
}

static const struct keyword kw_region[] = {
	{ "country",		rg_country,		0 },
	{ "degraded-below",	rg_degraded_below,	KW_ONCE },
	{ "description",	rg_description,		KW_ONCE },
	{ "down-below",		rg_down_below,		KW_ONCE },
	{ "hold-down",		rg_hold_down,		KW_ONCE },
	{ "min-peers",		rg_min_peers,		KW_ONCE },
	{ "origin-as",		rg_origin_as,		0 },
	{ "prefix",		rg_prefix,		0 },
	{ "unstable-rate",	rg_unstable_rate,	KW_ONCE },
	{ NULL,			NULL,			0 }
};

/* clean: the block had no errors (else a bad prefix is not "none"). */
static void
region_check(struct parser *p, const struct config_region *r, int clean)
{
	char q[QBUF];

	quote(r->name, q, sizeof(q));
	if (clean && r->nprefixes == 0 && r->norigins == 0 &&
	    r->ncountries == 0)
		perr(p, r->line, "region %s has no prefix, origin-as or "
		    "country", q);
	if (r->down_below > r->degraded_below)
		perr(p, r->line, "region %s: down-below %u%% is above "
		    "degraded-below %u%%", q, r->down_below,
		    r->degraded_below);
}

static int
kw_region_block(struct parser *p, void *arg)
{
	struct config *conf = arg;
	struct config_region *r;
	char *name = NULL, q[QBUF];
	int line = p->tok.line, rc, nerrors;

	if (get_string(p, "region name", CONF_MAX_NAME, &name) == -1)
		return -1;
	if (config_find_region(conf, name) != NULL)
		perr(p, line, "duplicate region %s", quote(name, q, sizeof(q)));
	if ((r = calloc(1, sizeof(*r))) == NULL)
		fatal("region");
	r->name = name;
	r->line = line;
	r->degraded_below = CONF_DEFAULT_DEGRADED;
	r->down_below = CONF_DEFAULT_DOWN;
	r->hold_down = CONF_DEFAULT_HOLD_DOWN;
	TAILQ_INSERT_TAIL(&conf->regions, r, entry);
	nerrors = p->nerrors;
	rc = parse_block(p, kw_region, r, "region", line);
	if (rc == 0)
		region_check(p, r, p->nerrors == nerrors);
	return rc;
}

/*
 * events { ... }
 */

static int
ev_log_option(struct parser *p, struct config_events *ev, int *seen)
{
	struct token *t = peek(p);
	char q[QBUF];

	if (t->type == TOK_WORD && strcmp(t->text, "max-size") == 0 &&
	    !(*seen & 1)) {
		next(p);
		*seen |= 1;
		return get_size(p, "max-size", &ev->log_max_size);
	}
	if (t->type == TOK_WORD && strcmp(t->text, "keep") == 0 &&
	    !(*seen & 2)) {
		next(p);
		*seen |= 2;
		return get_u32(p, "keep", 1, 1000, &ev->log_keep);
	}
	perr(p, t->line, "unexpected %s in \"log\" (max-size or keep "
	    "expected, each once)", tok_desc(t, q, sizeof(q)));
	return -1;
}

static int
ev_log(struct parser *p, void *arg)
{
	struct config_events *ev = arg;
	enum tok_type tt;
	int seen = 0;

	if (ev->log_path != NULL) {
		perr(p, p->tok.line, "duplicate events log");
		return -1;
	}
	if (get_string(p, "log path", PATH_MAX, &ev->log_path) == -1)
		return -1;
	while ((tt = peek(p)->type) == TOK_WORD || tt == TOK_STRING)
		if (ev_log_option(p, ev, &seen) == -1)
			return -1;
	return 0;
}

static int
ev_queue_limit(struct parser *p, void *arg)
{
	struct config_events *ev = arg;

	return get_size(p, "queue-limit", &ev->queue_limit);
}

static int
sub_unix(struct parser *p, struct config_subscriber *s)
{
	uint64_t mode = 0;
	const char *m;
	char q[QBUF];

	s->type = CONF_SUB_UNIX;
	s->mode = CONF_DEFAULT_SUB_MODE;
	if (get_sockpath(p, "socket path", &s->path) == -1)
		return -1;
	if (!accept_word(p, "mode"))
		return 0;
	if ((m = get_arg(p, "mode")) == NULL)
		return -1;
	if (strlen(m) > 4 || strspn(m, "01234567") != strlen(m) || *m == '\0')
		goto bad;
	for (; *m != '\0'; m++)
		mode = mode * 8 + (*m - '0');
	if (mode > 0777)
		goto bad;
	s->mode = mode;
	return 0;
 bad:
	perr(p, p->tok.line, "invalid mode %s (octal, e.g. 0660)",
	    quote(p->tok.text, q, sizeof(q)));
	return -1;
}

static int
sub_tls_option(struct parser *p, struct config_subscriber *s, int *seen)
{
	static const char *opts[] = { "port", "cert", "key", "ca" };
	struct token *t = peek(p);
	char q[QBUF];
	int i;

	for (i = 0; i < 4; i++)
		if (t->type == TOK_WORD && strcmp(t->text, opts[i]) == 0)
			break;
	if (i == 4 || (*seen & (1 << i))) {
		perr(p, t->line, "unexpected %s in \"subscribe tls\" (port, "
		    "cert, key or ca expected, each once)",
		    tok_desc(t, q, sizeof(q)));
		return -1;
	}
	next(p);
	*seen |= 1 << i;
	switch (i) {
	case 0:
		return get_port(p, &s->port);
	case 1:
		return get_string(p, "cert", PATH_MAX, &s->cert);
	case 2:
		return get_string(p, "key", PATH_MAX, &s->key);
	default:
		return get_string(p, "ca", PATH_MAX, &s->ca);
	}
}

static int
sub_tls(struct parser *p, struct config_subscriber *s)
{
	enum tok_type tt;
	int seen = 0;

	s->type = CONF_SUB_TLS;
	s->port = CONF_DEFAULT_TLS_PORT;
	if (get_addr(p, "subscribe tls address", &s->addr) == -1)
		return -1;
	while ((tt = peek(p)->type) == TOK_WORD || tt == TOK_STRING)
		if (sub_tls_option(p, s, &seen) == -1)
			return -1;
	if (s->cert == NULL || s->key == NULL) {
		perr(p, p->tok.line, "subscribe tls needs both cert and key");
		return -1;
	}
	return 0;
}

static int
sub_equal(const struct config_subscriber *a, const struct config_subscriber *b)
{
	if (a->type != b->type)
		return 0;
	if (a->type == CONF_SUB_UNIX)
		return strcmp(a->path, b->path) == 0;
	return memcmp(&a->addr, &b->addr, sizeof(a->addr)) == 0 &&
	    a->port == b->port;
}

static void
sub_free(struct config_subscriber *s)
{
	free(s->path);
	free(s->cert);
	free(s->key);
	free(s->ca);
}

static int
ev_subscribe(struct parser *p, void *arg)
{
	struct config_events *ev = arg;
	struct config_subscriber s;
	const char *type;
	char q[QBUF];
	int line = p->tok.line, rc;
	size_t i;

	memset(&s, 0, sizeof(s));
	if ((type = get_arg(p, "\"unix\" or \"tls\"")) == NULL)
		return -1;
	if (strcmp(type, "unix") == 0)
		rc = sub_unix(p, &s);
	else if (strcmp(type, "tls") == 0)
		rc = sub_tls(p, &s);
	else {
		perr(p, line, "unknown subscriber type %s (unix or tls)",
		    quote(type, q, sizeof(q)));
		return -1;
	}
	for (i = 0; rc == 0 && i < ev->nsubs; i++)
		if (sub_equal(&ev->subs[i], &s)) {
			perr(p, line, "duplicate subscriber");
			rc = -1;
		}
	if (rc == -1) {
		sub_free(&s);
		return -1;
	}
	if (p->sub_line == 0) {
		snprintf(p->sub_file, sizeof(p->sub_file), "%s", cur_file(p));
		p->sub_line = line;
	}
	ev->subs = grow(ev->subs, ev->nsubs, sizeof(*ev->subs));
	ev->subs[ev->nsubs++] = s;
	return 0;
}

static const struct keyword kw_events[] = {
	{ "log",		ev_log,			0 },
	{ "queue-limit",	ev_queue_limit,		KW_ONCE },
	{ "subscribe",		ev_subscribe,		0 },
	{ NULL,			NULL,			0 }
};

static int
kw_events_block(struct parser *p, void *arg)
{
	struct config *conf = arg;

	return parse_block(p, kw_events, &conf->events, "events",
	    p->tok.line);
}

static const struct keyword kw_top[] = {
	{ "connect-retry",	kw_connect_retry,	KW_ONCE },
	{ "control",		kw_control,		KW_ONCE },
	{ "eligible-after",	kw_eligible_after,	KW_ONCE },
	{ "events",		kw_events_block,	0 },
	{ "full-feed",		kw_full_feed,		KW_ONCE },
	{ "hold-time",		kw_hold_time,		KW_ONCE },
	{ "include",		kw_include,		KW_OWNEND },
	{ "listen",		kw_listen,		0 },
	{ "local-as",		kw_local_as,		KW_ONCE },
	{ "log-rate",		kw_log_rate,		KW_ONCE },
	{ "metrics",		kw_metrics,		KW_ONCE },
	{ "neighbor",		kw_neighbor_block,	0 },
	{ "region",		kw_region_block,	0 },
	{ "rir-stats",		kw_rir_stats,		0 },
	{ "router-id",		kw_router_id,		KW_ONCE },
	{ "user",		kw_user,		KW_ONCE },
	{ NULL,			NULL,			0 }
};

/*
 * Blocks and statements.
 */

/* Parses the statement whose keyword is the current token. */
static void
parse_statement(struct parser *p, const struct keyword *kw, void *arg,
    uint64_t *seen, const char *block)
{
	const struct keyword *k;
	char q[QBUF];
	uint64_t bit;

	for (k = kw; k->name != NULL; k++)
		if (strcmp(k->name, p->tok.text) == 0)
			break;
	if (k->name == NULL) {
		perr(p, p->tok.line, "unknown keyword %s%s%s%s",
		    quote(p->tok.text, q, sizeof(q)), block ? " in " : "",
		    block ? block : "", block ? " block" : "");
		skip_statement(p);
		return;
	}
	bit = 1ULL << (k - kw);
	if ((k->flags & KW_ONCE) && (*seen & bit)) {
		perr(p, p->tok.line, "duplicate \"%s\"%s%s", k->name,
		    block ? " in " : "", block ? block : "");
		skip_statement(p);
		return;
	}
	*seen |= bit;
	p->stmt = k->name;
	if (k->fn(p, arg) == -1 ||
	    (!(k->flags & KW_OWNEND) && end_statement(p) == -1))
		skip_statement(p);
}

/* "{" statements "}"; returns -1 if the block is not closed. */
static int
parse_block(struct parser *p, const struct keyword *kw, void *arg,
    const char *block, int line)
{
	struct token *t;
	uint64_t seen = 0;
	char q[QBUF];

	while (peek(p)->type == TOK_TERM)
		next(p);
	t = peek(p);
	if (t->type != TOK_LBRACE) {
		perr(p, t->line, "\"{\" expected after %s, got %s", block,
		    tok_desc(t, q, sizeof(q)));
		return -1;
	}
	next(p);
	while (!p->giveup) {
		t = next(p);
		switch (t->type) {
		case TOK_TERM:
			break;
		case TOK_RBRACE:
			return 0;
		case TOK_EOF:
			perr(p, t->line, "missing \"}\" of the %s block opened "
			    "at line %d", block, line);
			return -1;
		case TOK_WORD:
			parse_statement(p, kw, arg, &seen, block);
			break;
		case TOK_ERROR:
			skip_statement(p);
			break;
		default:
			perr(p, t->line, "unexpected %s in %s block",
			    tok_desc(t, q, sizeof(q)), block);
			skip_depth(p, t->type == TOK_LBRACE);
			break;
		}
	}
	return -1;
}

static void
parse_toplevel(struct parser *p)
{
	struct token *t;
	char q[QBUF];

	while (!p->giveup) {
		t = next(p);
		switch (t->type) {
		case TOK_EOF:
			if (p->nfiles == 1)
				return;
			lex_pop(p);
			break;
		case TOK_TERM:
			break;
		case TOK_WORD:
			parse_statement(p, kw_top, p->conf, &p->top_seen,
			    NULL);
			break;
		case TOK_ERROR:
			skip_statement(p);
			break;
		default:
			perr(p, t->line, "unexpected %s",
			    tok_desc(t, q, sizeof(q)));
			skip_depth(p, t->type == TOK_LBRACE);
			break;
		}
	}
}

static int
top_seen(struct parser *p, const char *name)
{
	const struct keyword *k;

	for (k = kw_top; k->name != NULL; k++)
		if (strcmp(k->name, name) == 0)
			return (p->top_seen & (1ULL << (k - kw_top))) != 0;
	return 0;
}

/* Defaults that depend on the rest, and checks of the whole config. */
static void
parse_finish(struct parser *p)
{
	struct config *conf = p->conf;
	struct config_neighbor *n;
	struct lexfile *f = p->files[0];

	/* A keyword given with a bad value has been reported already. */
	if (!top_seen(p, "local-as"))
		error_at(p, f->path, lex_lastline(f), "local-as missing");
	if (!top_seen(p, "router-id"))
		error_at(p, f->path, lex_lastline(f), "router-id missing");
	if (conf->events.nsubs > 0 && conf->events.log_path == NULL)
		error_at(p, p->sub_file, p->sub_line, "subscribers need an "
		    "events log (add: log \"PATH\" in the events block)");
	TAILQ_FOREACH(n, &conf->neighbors, entry)
		if (!(n->flags & CONF_NB_HOLD_SET))
			n->hold_time = conf->hold_time;
	if (conf->control_path == NULL &&
	    (conf->control_path = strdup(CONF_DEFAULT_CONTROL)) == NULL)
		fatal("parse_finish");
	if (conf->nlistens == 0) {
		conf->listens = calloc(2, sizeof(*conf->listens));
		if (conf->listens == NULL)
			fatal("parse_finish");
		addr_parse("0.0.0.0", &conf->listens[0].addr);
		addr_parse("::", &conf->listens[1].addr);
		conf->listens[0].port = conf->listens[1].port =
		    CONF_DEFAULT_BGP_PORT;
		conf->nlistens = 2;
	}
}

static struct config *
parse_run(struct parser *p)
{
	parse_toplevel(p);
	if (!p->giveup)
		parse_finish(p);
	while (p->nfiles > 0)
		lex_pop(p);
	if (p->errs->n > 0) {
		config_free(p->conf);
		return NULL;
	}
	return p->conf;
}

static struct parser *
parser_new(struct config_errors *errs)
{
	struct parser *p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		fatal("parser_new");
	memset(errs, 0, sizeof(*errs));
	p->errs = errs;
	p->conf = config_new();
	return p;
}

struct config *
config_parse(const char *path, struct config_errors *errs)
{
	struct parser *p = parser_new(errs);
	struct config *conf = NULL;

	if (lex_push(p, path, path, 0) == -1) {
		config_free(p->conf);
		goto done;
	}
	conf = parse_run(p);
 done:
	free(p);
	return conf;
}

struct config *
config_parse_buf(const char *name, const char *buf, size_t len,
    struct config_errors *errs)
{
	struct parser *p = parser_new(errs);
	struct lexfile *f;
	struct config *conf = NULL;

	if (len > CONF_MAX_FILE) {
		error_at(p, name, 0, "too large (more than %d bytes)",
		    CONF_MAX_FILE);
		config_free(p->conf);
		goto done;
	}
	f = lexfile_new(name);
	f->buf = buf;		/* borrowed */
	f->len = len;
	p->total = len;
	p->files[p->nfiles++] = f;
	conf = parse_run(p);
 done:
	free(p);
	return conf;
}
