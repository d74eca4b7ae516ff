/*
 * A small streaming JSON writer over an evbuffer (OpenBGPD's json.c
 * model): the caller opens objects and arrays, adds members by name, and
 * the writer places the commas and quotes.  Nothing is built in memory:
 * a document of any size goes out piece by piece, and its state (a depth
 * stack) survives between event loop turns, so a RIB dump can write a
 * slice, return to the loop and continue later.  Small writes gather in
 * a stage and reach the evbuffer in blocks: json_flush() before looking
 * at (or writing to) the evbuffer directly.
 */
#ifndef BGPWATCH_JSON_H
#define BGPWATCH_JSON_H

#include <stdint.h>

#include <event2/buffer.h>

#define JSON_MAX_DEPTH	16
#define JSON_STAGE	4096	/* bytes gathered before an evbuffer_add */

struct json {
	struct evbuffer	*out;
	size_t		 staged;	/* bytes in stage */
	char		 stage[JSON_STAGE];
	int		 depth;		/* open objects and arrays */
	uint8_t		 nonempty[JSON_MAX_DEPTH]; /* a member was written */
	uint8_t		 isobj[JSON_MAX_DEPTH];	/* object: members need names */
	int		 err;		/* an append failed or misuse */
};

/* Starts a document on out (which it does not own); j->out may be
 * changed between calls after a json_flush(). */
void	json_init(struct json *, struct evbuffer *out);
/*
 * Members: name is the key inside an object and must be NULL inside an
 * array or at the top level.
 */
void	json_obj_open(struct json *, const char *name);
void	json_obj_close(struct json *);
void	json_arr_open(struct json *, const char *name);
void	json_arr_close(struct json *);
/* A string: quotes, backslashes and control characters are escaped,
 * non-ASCII is kept as UTF-8 and invalid UTF-8 becomes U+FFFD. */
void	json_str(struct json *, const char *name, const char *s);
void	json_uint(struct json *, const char *name, uint64_t);
void	json_int(struct json *, const char *name, int64_t);
/* A finite number with up to 'prec' decimals; non-finite gives null. */
void	json_double(struct json *, const char *name, double, int prec);
void	json_bool(struct json *, const char *name, int);
void	json_null(struct json *, const char *name);
/* Moves what is staged to the evbuffer.  Returns 0, or -1. */
int	json_flush(struct json *);
/*
 * Ends the document (closes what is open, adds a newline).  Returns 0, or
 * -1 if any write failed or the calls were not well nested.
 */
int	json_finish(struct json *);

/* Appends s to out as a JSON string literal.  Returns 0, or -1. */
int	json_write_string(struct evbuffer *out, const char *s);
/*
 * Appends len bytes at s (NULs included) as a JSON string literal, with
 * the escaping of json_str() or, with JSON_ESC_UFORM, only \" \\ and
 * \u00XX escapes and invalid UTF-8 as the escape \ufffd (the event
 * log's JSON lines).  Returns 0, or -1.
 */
#define JSON_ESC_UFORM	0x01
int	json_write_strn(struct evbuffer *out, const void *s, size_t len,
	    int flags);

#endif /* BGPWATCH_JSON_H */
