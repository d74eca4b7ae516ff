/*
 * The configuration parser's insides, shared by its files: the lexer
 * and argument readers (parse_lex.c), the top level and the block
 * machinery (parse.c), and one file per block (parse_neighbor.c,
 * parse_region.c, parse_events.c, ...).  Adding a block: a file with its
 * keyword table and a kw_NAME_block entry, declared here, and a row in
 * parse.c's kw_top.
 */
#ifndef BGPWATCH_PARSE_PRIV_H
#define BGPWATCH_PARSE_PRIV_H

#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

#include <limits.h>
#include <stdint.h>

#include "config.h"

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

#define QBUF	208	/* a quoted token for messages */

void	error_at(struct parser *, const char *file, int line,
	    const char *fmt, ...) __attribute__((__format__(__printf__, 4, 5)));
void	perr(struct parser *, int line, const char *fmt, ...)
	    __attribute__((__format__(__printf__, 3, 4)));
const char	*cur_file(struct parser *p);
const char	*quote(const char *s, char *out, size_t outlen);
const char	*tok_desc(const struct token *t, char *out, size_t outlen);
int	lex_lastline(const struct lexfile *f);
struct token	*peek(struct parser *p);
struct token	*next(struct parser *p);
struct lexfile	*lexfile_new(const char *path);
int	lex_push(struct parser *p, const char *path, const char *file,
	    int line);
void	lex_pop(struct parser *p);
void	skip_depth(struct parser *p, int depth);
void	skip_statement(struct parser *p);
int	end_statement(struct parser *p);
const char	*get_arg(struct parser *p, const char *what);
int	accept_word(struct parser *p, const char *w);
int	get_u32(struct parser *p, const char *what, uint32_t min,
	    uint32_t max, uint32_t *out);
int	get_port(struct parser *p, uint16_t *out);
int	get_asn(struct parser *p, const char *what, uint32_t *out);
int	get_duration(struct parser *p, const char *what, uint32_t min,
	    uint32_t *out);
int	get_size(struct parser *p, const char *what, uint64_t *out);
int	get_holdtime(struct parser *p, uint16_t *out);
int	get_percent(struct parser *p, const char *what, uint8_t *out);
int	get_addr(struct parser *p, const char *what, struct bw_addr *out);
int	get_prefix(struct parser *p, struct bw_prefix *out);
int	get_string(struct parser *p, const char *what, size_t maxlen,
	    char **out);
int	get_sockpath(struct parser *p, const char *what, char **out);
int	expect_on(struct parser *p);
void	*grow(void *arr, size_t n, size_t size);
int	parse_block(struct parser *p, const struct keyword *kw, void *arg,
	    const char *block, int line);

/* secrets.c: notes that the current file holds a secret (what). */
void	parse_secret_seen(struct parser *p, const char *what);

/* The block entries, one per parse_<block>.c. */
int	kw_neighbor_block(struct parser *, void *);
int	kw_region_block(struct parser *, void *);
int	kw_events_block(struct parser *, void *);
int	kw_bmp_block(struct parser *, void *);
int	kw_mrt_block(struct parser *, void *);
int	kw_kafka_block(struct parser *, void *);	/* inside events */
int	kw_websocket(struct parser *, void *);

#endif /* BGPWATCH_PARSE_PRIV_H */
