/*
 * permessage-deflate (RFC 7692) around wslay, which frames messages and
 * lets RSV1 through but knows no extension: the offer is read here, the
 * server always answers server_no_context_takeover, so each outgoing
 * message is deflated alone, once, and the same bytes go to every
 * client that agreed.  Client messages may keep their context: each
 * client has its own inflate stream (made on its first compressed
 * message), and what it inflates to is capped at max-message, so a
 * small frame cannot become a large message.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "rislive_priv.h"

#define RL_Z_TAIL	"\x00\x00\xff\xff"

/* Copies the next token of s up to one of stops, trimmed; advances s. */
static const char *
rl_tok(const char *s, const char *stops, char *out, size_t len)
{
	size_t n = 0;

	while (*s == ' ' || *s == '\t')
		s++;
	while (*s != '\0' && strchr(stops, *s) == NULL) {
		if (n + 1 < len)
			out[n++] = *s;
		s++;
	}
	while (n > 0 && (out[n - 1] == ' ' || out[n - 1] == '\t'))
		n--;
	out[n] = '\0';
	return s;
}

/* One offer (between commas): 1 if we can take it as it is. */
static int
rl_offer_ok(const char *offer)
{
	char tok[128], *eq, *v;
	const char *s = offer;
	int seen_s = 0, seen_c = 0, seen_sb = 0, seen_cb = 0;

	s = rl_tok(s, ";", tok, sizeof(tok));
	if (strcasecmp(tok, "permessage-deflate") != 0)
		return 0;
	while (*s == ';') {
		s = rl_tok(s + 1, ";", tok, sizeof(tok));
		v = NULL;
		if ((eq = strchr(tok, '=')) != NULL) {
			*eq = '\0';
			v = eq + 1;
			while (*v == ' ' || *v == '"')
				v++;
			if (v[0] != '\0' && v[strlen(v) - 1] == '"')
				v[strlen(v) - 1] = '\0';
			for (eq--; eq >= tok && (*eq == ' ' || *eq == '\t');
			    eq--)
				*eq = '\0';
		}
		if (strcmp(tok, "server_no_context_takeover") == 0 &&
		    v == NULL && !seen_s++)
			continue;
		if (strcmp(tok, "client_no_context_takeover") == 0 &&
		    v == NULL && !seen_c++)
			continue;
		/* We deflate with a 32 KiB window: only 15 will do. */
		if (strcmp(tok, "server_max_window_bits") == 0 && v != NULL &&
		    strcmp(v, "15") == 0 && !seen_sb++)
			continue;
		/* Any client window fits our 32 KiB inflate window. */
		if (strcmp(tok, "client_max_window_bits") == 0 && !seen_cb++ &&
		    (v == NULL || (strlen(v) <= 2 && isdigit((unsigned char)
		    v[0]) && atoi(v) >= 8 && atoi(v) <= 15)))
			continue;
		return 0;
	}
	return *s == '\0';
}

int
rl_deflate_negotiate(const char *hdr, char *resp, size_t len)
{
	char offer[512];
	const char *s = hdr;

	while (*s != '\0') {
		s = rl_tok(s, ",", offer, sizeof(offer));
		if (rl_offer_ok(offer)) {
			snprintf(resp, len, "permessage-deflate; "
			    "server_no_context_takeover");
			return 1;
		}
		if (*s == ',')
			s++;
	}
	return 0;
}

int
rl_deflate(struct rislive *rl, const void *p, size_t len)
{
	struct evbuffer_iovec vec;
	z_stream *z = rl->deflate;
	size_t bound, out;

	if (z == NULL) {
		if ((z = calloc(1, sizeof(*z))) == NULL ||
		    (rl->zbuf = evbuffer_new()) == NULL)
			fatal("rislive deflate");
		/* A message is a few hundred bytes: a 4 KiB window and a
		 * small hash (memLevel 5: deflateReset clears 8 KB of it,
		 * not 64 KB, per message) lose nothing (230.5 MB vs 230.6
		 * MB for the bench's 897k messages).  Fixed Huffman codes
		 * (Z_FIXED) measured no CPU gain and 17 % more bytes. */
		if (deflateInit2(z, Z_BEST_SPEED, Z_DEFLATED, -12, 5,
		    Z_DEFAULT_STRATEGY) != Z_OK) {
			free(z);
			return -1;
		}
		rl->deflate = z;
	} else if (deflateReset(z) != Z_OK)
		return -1;
	evbuffer_drain(rl->zbuf, evbuffer_get_length(rl->zbuf));
	bound = deflateBound(z, (uLong)len) + 16;
	if (evbuffer_reserve_space(rl->zbuf, (ev_ssize_t)bound, &vec, 1) < 1)
		return -1;
	z->next_in = (Bytef *)(uintptr_t)p;
	z->avail_in = (uInt)len;
	z->next_out = vec.iov_base;
	z->avail_out = (uInt)vec.iov_len;
	if (deflate(z, Z_SYNC_FLUSH) != Z_OK || z->avail_in != 0 ||
	    z->avail_out == 0)
		return -1;
	out = vec.iov_len - z->avail_out;
	/* The empty stored block's tail, which the receiver adds back. */
	if (out >= 4 && memcmp((uint8_t *)vec.iov_base + out - 4, RL_Z_TAIL,
	    4) == 0)
		out -= 4;
	vec.iov_len = out;
	return evbuffer_commit_space(rl->zbuf, &vec, 1);
}

void
rl_deflate_free(struct rislive *rl)
{
	if (rl->deflate != NULL) {
		deflateEnd(rl->deflate);
		free(rl->deflate);
		rl->deflate = NULL;
	}
	if (rl->zbuf != NULL) {
		evbuffer_free(rl->zbuf);
		rl->zbuf = NULL;
	}
}

int
rl_inflate(struct rl_client *c, const uint8_t *p, size_t len,
    struct evbuffer *out, size_t max)
{
	struct evbuffer_iovec vec;
	z_stream *z = c->inflate;
	size_t total = 0, got;
	int pass, r;

	if (z == NULL) {
		if ((z = calloc(1, sizeof(*z))) == NULL)
			fatal("rislive inflate");
		if (inflateInit2(z, -15) != Z_OK) {
			free(z);
			return -1;
		}
		c->inflate = z;
	}
	/* The message, then the tail the sender stripped. */
	for (pass = 0; pass < 2; pass++) {
		z->next_in = pass == 0 ? (Bytef *)(uintptr_t)p :
		    (Bytef *)(uintptr_t)RL_Z_TAIL;
		z->avail_in = pass == 0 ? (uInt)len : 4;
		do {
			if (evbuffer_reserve_space(out, 16384, &vec, 1) < 1)
				return -1;
			z->next_out = vec.iov_base;
			z->avail_out = (uInt)vec.iov_len;
			r = inflate(z, Z_SYNC_FLUSH);
			got = vec.iov_len - z->avail_out;
			vec.iov_len = got;
			evbuffer_commit_space(out, &vec, 1);
			total += got;
			if (total > max)
				return 1;
			if (r == Z_BUF_ERROR && z->avail_in == 0)
				break;
			if (r == Z_STREAM_END) {	/* a final block */
				inflateReset(z);
				return 0;
			}
			if (r != Z_OK)
				return -1;
		} while (z->avail_in > 0 || z->avail_out == 0);
	}
	return 0;
}

void
rl_inflate_free(struct rl_client *c)
{
	if (c->inflate == NULL)
		return;
	inflateEnd(c->inflate);
	free(c->inflate);
	c->inflate = NULL;
}
