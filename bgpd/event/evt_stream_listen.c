/*
 * The stream output's listening sockets: one per `subscribe` line, unix
 * (a socket file with the configured mode) or TLS (TLS 1.2 or later;
 * with a ca, client certificates are required and verified).  A reload
 * keeps a listener whose socket stays (adopting a new mode or new TLS
 * files: connected subscribers keep the old context), so subscribers
 * are never dropped by a reload; everything new is built before anything
 * changes, so a failing line leaves the old listeners as they were.
 * Accepted connections go to evt_stream.c.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/bufferevent_ssl.h>
#include <event2/listener.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "evt_stream.h"
#include "log.h"
#include "sock.h"

#define EVT_BACKLOG		16

static void
stream_accept_cb(struct evconnlistener *lev, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	(void)lev;
	(void)salen;
	evt_stream_accept(arg, fd, sa);
}

/* Appends the queued OpenSSL errors to err. */
static void
stream_ssl_err(char *err, size_t errlen, const char *what, const char *file)
{
	unsigned long	e = ERR_get_error();

	snprintf(err, errlen, "subscribe tls: %s %s: %s", what, file,
	    e != 0 ? ERR_reason_error_string(e) : "failed");
	ERR_clear_error();
}

/*
 * The TLS server context of a subscriber line: TLS 1.2 or later, and
 * with ca, client certificates required and verified against it.
 * Returns NULL with err set.
 */
static SSL_CTX *
stream_tls_ctx(const struct config_subscriber *cs, char *err, size_t errlen)
{
	STACK_OF(X509_NAME)	*names;
	SSL_CTX			*ctx;

	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL) {
		stream_ssl_err(err, errlen, "context", "");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION |
	    SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
#ifdef SSL_OP_IGNORE_UNEXPECTED_EOF
	/* A subscriber closing without close_notify is just gone. */
	SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
#endif
	if (SSL_CTX_use_certificate_chain_file(ctx, cs->cert) != 1) {
		stream_ssl_err(err, errlen, "cert", cs->cert);
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, cs->key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		stream_ssl_err(err, errlen, "key", cs->key);
		goto fail;
	}
	if (cs->ca != NULL) {
		if (SSL_CTX_load_verify_locations(ctx, cs->ca, NULL) != 1 ||
		    (names = SSL_load_client_CA_file(cs->ca)) == NULL) {
			stream_ssl_err(err, errlen, "ca", cs->ca);
			goto fail;
		}
		SSL_CTX_set_client_CA_list(ctx, names);
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER |
		    SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	}
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

static void
stream_listener_free(struct evt_stream_listener *l)
{
	if (l == NULL)
		return;
	sock_pause_free(l->pause);	/* before its listener */
	if (l->lev != NULL)
		evconnlistener_free(l->lev);
	if (l->conf.type == CONF_SUB_UNIX && l->lev != NULL)
		unlink(l->conf.path);
	SSL_CTX_free(l->ctx);
	free(l->conf.path);
	free(l->conf.cert);
	free(l->conf.key);
	free(l->conf.ca);
	free(l);
}

static char *
stream_strdup(const char *s)
{
	char	*d;

	if (s == NULL)
		return NULL;
	if ((d = strdup(s)) == NULL)
		fatal("strdup");
	return d;
}

/* Opens the listening socket of l.  Returns 0, or -1 with err set. */
static int
stream_listener_bind(struct evt_stream_listener *l, char *err, size_t errlen)
{
	struct sockaddr_storage	ss;
	socklen_t		sslen;
	int			fd;

	if (l->conf.type == CONF_SUB_UNIX) {
		if ((fd = sock_listen_unix(l->conf.path, l->conf.mode,
		    EVT_BACKLOG, "event socket", err, errlen)) == -1)
			return -1;
		l->lev = evconnlistener_new(l->stream->base,
		    stream_accept_cb, l,
		    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 0, fd);
		if (l->lev == NULL) {
			unlink(l->conf.path);
			close(fd);
		}
	} else {
		sslen = sock_to_sockaddr(&l->conf.addr, l->conf.port, 0, &ss);
		l->lev = evconnlistener_new_bind(l->stream->base,
		    stream_accept_cb, l, LEV_OPT_CLOSE_ON_FREE |
		    LEV_OPT_CLOSE_ON_EXEC | LEV_OPT_REUSEABLE, EVT_BACKLOG,
		    (struct sockaddr *)&ss, (int)sslen);
	}
	if (l->lev == NULL) {
		snprintf(err, errlen, "event listener %s: %s", l->name,
		    strerror(errno));
		return -1;
	}
	if ((l->pause = sock_pause_attach(l->stream->base, l->lev,
	    l->name)) == NULL) {
		snprintf(err, errlen, "event listener %s: out of memory",
		    l->name);
		return -1;
	}
	return 0;
}

/* A listener for one subscribe line.  Returns NULL with err set. */
static struct evt_stream_listener *
stream_listener_new(struct evt_stream *s, const struct config_subscriber *cs,
    char *err, size_t errlen)
{
	struct evt_stream_listener	*l;
	char			 a[BW_ADDR_STRLEN];

	if ((l = calloc(1, sizeof(*l))) == NULL)
		fatal("event listener");
	l->stream = s;
	l->conf = *cs;
	l->conf.path = stream_strdup(cs->path);
	l->conf.cert = stream_strdup(cs->cert);
	l->conf.key = stream_strdup(cs->key);
	l->conf.ca = stream_strdup(cs->ca);
	if (cs->type == CONF_SUB_UNIX)
		snprintf(l->name, sizeof(l->name), "unix %s", cs->path);
	else
		snprintf(l->name, sizeof(l->name), "tls %s port %u",
		    addr_fmt(&cs->addr, a, sizeof(a)), cs->port);
	if ((cs->type == CONF_SUB_TLS &&
	    (l->ctx = stream_tls_ctx(cs, err, errlen)) == NULL) ||
	    stream_listener_bind(l, err, errlen) == -1) {
		stream_listener_free(l);
		return NULL;
	}
	log_info("event listener %s: listening", l->name);
	return l;
}

/* Same socket: unix path, or tls address and port. */
static int
stream_same_socket(const struct config_subscriber *a,
    const struct config_subscriber *b)
{
	if (a->type != b->type)
		return 0;
	if (a->type == CONF_SUB_UNIX)
		return strcmp(a->path, b->path) == 0;
	return a->port == b->port && memcmp(&a->addr, &b->addr,
	    sizeof(a->addr)) == 0;
}

static int
stream_streq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}


struct bufferevent *
evt_stream_bev(struct evt_stream_listener *l, evutil_socket_t fd)
{
	struct bufferevent	*bev;
	SSL			*ssl;

	if (l->ctx == NULL)
		return bufferevent_socket_new(l->stream->base, fd,
		    BEV_OPT_CLOSE_ON_FREE);
	if ((ssl = SSL_new(l->ctx)) == NULL)
		return NULL;
	bev = bufferevent_openssl_socket_new(l->stream->base, fd, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	/* A subscriber that just closes is gone, not a TLS error. */
	if (bev != NULL)
		bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	return bev;
}

void
evt_stream_conn_name(struct evt_stream_listener *l,
    const struct sockaddr *sa, char *out, size_t len)
{
	char	host[INET6_ADDRSTRLEN] = "?";
	int	port = 0;

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)sa;

		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
		port = ntohs(sin->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const void *)sa;

		inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
		port = ntohs(sin6->sin6_port);
	}
	if (l->ctx == NULL)
		snprintf(out, len, "%s#%" PRIu64, l->name, l->stream->nconn);
	else
		snprintf(out, len, "tls %s port %d", host, port);
}


static void
stream_discard(struct evt_stream_listeners *fresh, SSL_CTX **ctxs, size_t n)
{
	struct evt_stream_listener	*l;
	size_t			 i;

	while ((l = TAILQ_FIRST(fresh)) != NULL) {
		TAILQ_REMOVE(fresh, l, entry);
		stream_listener_free(l);
	}
	for (i = 0; i < n; i++) {
		SSL_CTX_free(ctxs[i]);
		ctxs[i] = NULL;
	}
}

/*
 * Builds the listeners of conf into fresh, reusing those of s that serve
 * the same socket (updated: mode, TLS files).  Returns 0, or -1 with err
 * set and fresh emptied (s untouched).
 */
static int
stream_build_listeners(struct evt_stream *s, const struct config_events *conf,
    struct evt_stream_listeners *fresh, SSL_CTX **ctxs, char *err,
    size_t errlen)
{
	struct evt_stream_listener	*l;
	const struct config_subscriber *cs;
	size_t			 i;

	for (i = 0; s->base != NULL && i < conf->nsubs; i++) {
		cs = &conf->subs[i];
		TAILQ_FOREACH(l, &s->listeners, entry)
			if (stream_same_socket(&l->conf, cs))
				break;
		if (l != NULL) {
			if (cs->type == CONF_SUB_TLS &&
			    (!stream_streq(l->conf.cert, cs->cert) ||
			    !stream_streq(l->conf.key, cs->key) ||
			    !stream_streq(l->conf.ca, cs->ca)) &&
			    (ctxs[i] = stream_tls_ctx(cs, err, errlen)) == NULL)
				goto fail;
			continue;
		}
		if ((l = stream_listener_new(s, cs, err, errlen)) == NULL)
			goto fail;
		TAILQ_INSERT_TAIL(fresh, l, entry);
	}
	return 0;
fail:
	stream_discard(fresh, ctxs, conf->nsubs);
	return -1;
}

/* Adopts the settings of cs into a kept listener l. */
static void
stream_update_listener(struct evt_stream_listener *l,
    const struct config_subscriber *cs, SSL_CTX *ctx)
{
	if (cs->type == CONF_SUB_UNIX && cs->mode != l->conf.mode) {
		if (chmod(l->conf.path, cs->mode) == -1)
			log_warn("event socket %s: chmod", l->conf.path);
		l->conf.mode = cs->mode;
	}
	if (ctx == NULL)
		return;
	/* Connected subscribers keep a reference to the old one. */
	SSL_CTX_free(l->ctx);
	l->ctx = ctx;
	free(l->conf.cert);
	free(l->conf.key);
	free(l->conf.ca);
	l->conf.cert = stream_strdup(cs->cert);
	l->conf.key = stream_strdup(cs->key);
	l->conf.ca = stream_strdup(cs->ca);
}

/* Keeps the listeners conf still has, frees the others, adds fresh. */
static void
stream_commit_listeners(struct evt_stream *s, const struct config_events *conf,
    struct evt_stream_listeners *fresh, SSL_CTX **ctxs)
{
	struct evt_stream_listener	*l, *next;
	size_t			 i;

	for (l = TAILQ_FIRST(&s->listeners); l != NULL; l = next) {
		next = TAILQ_NEXT(l, entry);
		for (i = 0; i < conf->nsubs; i++)
			if (stream_same_socket(&l->conf, &conf->subs[i]))
				break;
		if (s->base != NULL && i < conf->nsubs) {
			stream_update_listener(l, &conf->subs[i], ctxs[i]);
			continue;
		}
		log_info("event listener %s: closed", l->name);
		TAILQ_REMOVE(&s->listeners, l, entry);
		stream_listener_free(l);
	}
	while ((l = TAILQ_FIRST(fresh)) != NULL) {
		TAILQ_REMOVE(fresh, l, entry);
		TAILQ_INSERT_TAIL(&s->listeners, l, entry);
	}
}

int
evt_stream_listen_apply(struct evt_stream *s,
    const struct config_events *conf, char *err, size_t errlen)
{
	struct evt_stream_listeners	 fresh;
	SSL_CTX				**ctxs;

	TAILQ_INIT(&fresh);
	if ((ctxs = calloc(conf->nsubs + 1, sizeof(*ctxs))) == NULL)
		fatal("evt_stream_listen_apply");
	if (stream_build_listeners(s, conf, &fresh, ctxs, err, errlen) == -1) {
		free(ctxs);
		return -1;
	}
	stream_commit_listeners(s, conf, &fresh, ctxs);
	free(ctxs);
	return 0;
}

void
evt_stream_listen_close(struct evt_stream *s)
{
	struct evt_stream_listener	*l;

	while ((l = TAILQ_FIRST(&s->listeners)) != NULL) {
		TAILQ_REMOVE(&s->listeners, l, entry);
		stream_listener_free(l);
	}
}
