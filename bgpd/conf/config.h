/*
 * Configuration of bgpwatchd: the structures the parser (bgpd/conf/parse.c)
 * fills in, their defaults and the helpers a reload needs to compare an
 * old and a new configuration.  The grammar is documented in
 * docs/bgpwatchd.conf.md.
 *
 * A struct config is immutable once parsed: a reload parses a new one,
 * compares it with the running one (config_neighbor_equal() and friends)
 * and swaps.  Every string and array belongs to the config and is freed
 * by config_free().
 */
#ifndef BGPWATCH_CONFIG_H
#define BGPWATCH_CONFIG_H

#include <sys/queue.h>
#include <sys/types.h>

#include <stdint.h>
#include <stdio.h>

#include "bgpwatch.h"

/* Limits: the configuration file is untrusted input. */
#define CONF_MAX_ERRORS		20	/* errors reported before giving up */
#define CONF_MAX_INCLUDE_DEPTH	8	/* nested include files */
#define CONF_MAX_LINE		4096	/* bytes per line */
#define CONF_MAX_TOKEN		1024	/* bytes per word or quoted string */
#define CONF_MAX_FILE		(8 * 1024 * 1024)	/* bytes per file */
#define CONF_MAX_TOTAL		(32 * 1024 * 1024) /* bytes incl. includes */
#define CONF_MAX_DESCR		256	/* description length */
#define CONF_MAX_NAME		64	/* region name length */
#define CONF_MAX_MD5KEY		80	/* TCP_MD5SIG_MAXKEYLEN */
#define CONF_ERRMSG_MAX		512	/* one formatted error, NUL included */

/* Defaults (documented in docs/bgpwatchd.conf.md). */
#define CONF_DEFAULT_FILE	"/etc/bgpwatch/bgpwatchd.conf"
#define CONF_DEFAULT_CONTROL	"/run/bgpwatch/bgpwatchd.sock"
#define CONF_DEFAULT_BGP_PORT	179
#define CONF_DEFAULT_HOLDTIME	90
#define CONF_DEFAULT_CONNECT_RETRY 30
#define CONF_DEFAULT_ELIGIBLE_AFTER 300
#define CONF_DEFAULT_FULL_FEED	0
#define CONF_DEFAULT_LOG_RATE	10
#define CONF_DEFAULT_MAXPFX_RESTART 300
#define CONF_DEFAULT_GR_TIME	120
#define CONF_DEFAULT_DEGRADED	90
#define CONF_DEFAULT_DOWN	50
#define CONF_DEFAULT_HOLD_DOWN	30
#define CONF_DEFAULT_SUB_MODE	0660
#define CONF_DEFAULT_TLS_PORT	7179
#define CONF_DEFAULT_METRICS_PORT 9179
#define CONF_DEFAULT_LOG_KEEP	5
#define CONF_DEFAULT_QUEUE_LIMIT (16ULL * 1024 * 1024)

/* A `listen on ADDR port N` line. */
struct config_listen {
	struct bw_addr		 addr;
	uint16_t		 port;
};

/* Neighbor flags. */
#define CONF_NB_PASSIVE		0x01	/* never connect out */
#define CONF_NB_TTL_SECURITY	0x02	/* GTSM, RFC 5082 */
#define CONF_NB_ADDPATH_RX	0x04	/* advertise ADD-PATH receive */
#define CONF_NB_GR		0x08	/* graceful restart helper */
#define CONF_NB_SHUTDOWN	0x10	/* configured but not started */
#define CONF_NB_HOLD_SET	0x20	/* hold-time given, not inherited */

struct config_neighbor {
	TAILQ_ENTRY(config_neighbor) entry;
	struct bw_addr		 addr;
	struct bw_addr		 local_addr;	/* AID_UNSPEC: any */
	uint32_t		 remote_as;
	char			*descr;		/* NULL: none */
	char			*md5key;	/* NULL: none */
	uint32_t		 max_prefix;	/* 0: no limit */
	uint32_t		 max_prefix_restart; /* seconds, 0: never */
	uint16_t		 port;		/* remote port */
	uint16_t		 hold_time;	/* resolved: never "inherit" */
	uint16_t		 gr_restart_time;
	uint8_t			 flags;		/* CONF_NB_* */
	int			 line;		/* where it was defined */
};
TAILQ_HEAD(config_neighbors, config_neighbor);

/* How the quorum of a region is given. */
enum config_minpeers {
	CONF_MINPEERS_HALF = 0,		/* at least half of eligible peers */
	CONF_MINPEERS_COUNT,		/* at least N peers */
	CONF_MINPEERS_PERCENT		/* at least N% of eligible peers */
};

struct config_region {
	TAILQ_ENTRY(config_region) entry;
	char			*name;
	char			*descr;		/* NULL: none */
	struct bw_prefix	*prefixes;	/* in file order, unique */
	size_t			 nprefixes;
	uint32_t		*origins;	/* origin ASes, unique */
	size_t			 norigins;
	char			(*countries)[3]; /* "KP", unique, uppercase */
	size_t			 ncountries;
	uint8_t			 degraded_below; /* percent */
	uint8_t			 down_below;	/* percent */
	uint32_t		 hold_down;	/* seconds */
	enum config_minpeers	 min_peers_mode;
	uint32_t		 min_peers;	/* count or percent */
	uint32_t		 via_as;	/* 0: any path; else only paths
						 * through this AS count */
	uint32_t		 unstable_changes; /* 0: no region_unstable */
	uint32_t		 unstable_window; /* seconds */
	int			 line;
};
TAILQ_HEAD(config_regions, config_region);

enum config_sub_type {
	CONF_SUB_UNIX = 1,
	CONF_SUB_TLS
};

struct config_subscriber {
	enum config_sub_type	 type;
	char			*path;		/* unix */
	mode_t			 mode;		/* unix */
	struct bw_addr		 addr;		/* tls */
	uint16_t		 port;		/* tls */
	char			*cert;		/* tls */
	char			*key;		/* tls */
	char			*ca;		/* tls, NULL: no client auth */
};

/* events { kafka { ... } } (parse_kafka.c, docs/kafka.md) */
enum config_kafka_format {
	CONF_KAFKA_MSGPACK = 0,
	CONF_KAFKA_JSON
};

#define CONF_KAFKA_MAX_OPTIONS	32
#define CONF_DEFAULT_KAFKA_QUEUE 100000	/* records in flight */

struct config_kafka {
	char			*brokers;	/* "host:port,..." */
	char			*topic;
	enum config_kafka_format format;
	char			*state;		/* NULL: LOG.kafka */
	uint32_t		 queue;		/* records in flight, at most */
	char			*tls_ca;	/* tls: NULL and no tls */
	char			*tls_cert;
	char			*tls_key;
	int			 tls;
	char			*sasl_mech;	/* NULL: no SASL */
	char			*sasl_user;
	char			*sasl_pass;
	/* option "NAME" "VALUE": librdkafka properties, in order */
	char			*opt_name[CONF_KAFKA_MAX_OPTIONS];
	char			*opt_value[CONF_KAFKA_MAX_OPTIONS];
	size_t			 nopts;
	int			 line;
};

struct config_events {
	struct config_kafka	*kafka;		/* NULL: no Kafka output */
	char			*log_path;	/* NULL: no event log */
	uint64_t		 log_max_size;	/* bytes, 0: never rotate */
	uint32_t		 log_keep;	/* rotated files kept */
	uint64_t		 queue_limit; /* bytes queued per subscriber */
	struct config_subscriber *subs;
	size_t			 nsubs;
};

struct config_metrics {
	int			 enabled;
	struct bw_addr		 addr;
	uint16_t		 port;
};

/* BMP station (RFC 7854): the routers allowed to export to us. */
#define CONF_DEFAULT_BMP_PORT	11019
#define CONF_DEFAULT_BMP_MAX_PEERS 256
#define CONF_DEFAULT_BMP_MAX_MSG (1024 * 1024)
#define CONF_DEFAULT_BMP_BUFFER	(16 * 1024 * 1024)
/* Views (bit 1 << enum bmp_view of include/bmp.h). */
#define CONF_BMP_PRE		0x01	/* Adj-RIB-In pre-policy */
#define CONF_BMP_POST		0x02	/* Adj-RIB-In post-policy */
#define CONF_BMP_OUT_PRE	0x04	/* Adj-RIB-Out (RFC 8671) */
#define CONF_BMP_OUT_POST	0x08
#define CONF_BMP_LOC_RIB	0x10	/* Loc-RIB (RFC 9069) */
#define CONF_BMP_DEFAULT_VIEWS	CONF_BMP_PRE

struct config_bmp_router {
	struct bw_addr		 addr;
	char			*descr;		/* NULL: none */
	uint32_t		 max_routes;	/* all its peers, 0: no limit */
	uint32_t		 max_peers;	/* monitored (peer, view)s */
	uint8_t			 views;		/* CONF_BMP_* kept */
	uint16_t		 connect_port;	/* !0: we connect to it */
	int			 line;
};

struct config_bmp {
	struct config_listen	*listens;	/* `listen on` in bmp { } */
	size_t			 nlistens;
	uint32_t		 max_message;	/* bytes per BMP message */
	uint64_t		 buffer;	/* bytes buffered per router */
	struct config_bmp_router *routers;
	size_t			 nrouters;
};

/* A file holding a secret (md5 key, TLS key): must be private. */
struct config_secret {
	char			*file;
	int			 line;		/* where the first one is */
	char			 what[16];	/* "md5", "tls key" */
};

/* mrt { } (parse_mrt.c, docs/archive.md): the MRT archive. */
enum config_mrt_compress {
	CONF_MRT_NONE = 0,
	CONF_MRT_GZIP,
	CONF_MRT_BZIP2
};

#define CONF_DEFAULT_MRT_ROTATE	300		/* 5m, as RIS */
#define CONF_DEFAULT_MRT_EVERY	(8 * 3600)	/* 8h, as RIS bviews */
#define CONF_DEFAULT_MRT_QUEUE	(64ULL * 1024 * 1024)
#define CONF_DEFAULT_MRT_EXIT_WAIT	30	/* seconds; systemd kills at 90 */

struct config_mrt {
	int			 enabled;	/* the block is present */
	char			*updates;	/* strftime path, NULL: none */
	uint32_t		 rotate;	/* seconds */
	uint8_t			 all_messages;	/* not only UPDATEs */
	char			*table;		/* strftime path, NULL: none */
	uint32_t		 every;		/* seconds */
	enum config_mrt_compress compress;
	uint8_t			 level;		/* 1..9; 0: the default */
	uint64_t		 queue_limit;	/* bytes waiting for the disk */
	uint32_t		 exit_wait;	/* seconds the exit waits for
						 * the writer */
	int			 line;
};

/* `websocket on ADDR port N ... { ... }`: the RIS Live stream. */
#define CONF_DEFAULT_WS_PORT		8179
#define CONF_DEFAULT_WS_CLIENTS		100
#define CONF_DEFAULT_WS_SUBS		100
#define CONF_DEFAULT_WS_MESSAGE		(64 * 1024)
#define CONF_DEFAULT_WS_QUEUE		(4ULL * 1024 * 1024)
#define CONF_DEFAULT_WS_IDLE		300
#define CONF_DEFAULT_WS_SUBRATE		10
#define CONF_DEFAULT_WS_NICE		10
struct config_websocket {
	int			 enabled;
	struct bw_addr		 addr;
	uint16_t		 port;
	char			*cert;		/* NULL: ws://, else wss:// */
	char			*key;
	char			*ca;		/* NULL: no client certificates */
	struct bw_prefix	*allow;		/* client addresses; none: all */
	size_t			 nallow;
	uint32_t		 max_clients;
	uint32_t		 max_subs;	/* subscriptions per client */
	uint32_t		 max_message;	/* bytes of a client message */
	uint64_t		 queue_limit;	/* bytes queued per client */
	uint32_t		 idle_timeout;	/* seconds without a message */
	uint32_t		 subscribe_rate; /* subscribes per second */
	uint32_t		 thread_nice;	/* added to the stream thread's
						 * nice (0-19) */
};
struct config {
	uint64_t		 generation;	/* increases with every parse */
	uint32_t		 local_as;
	struct bw_addr		 router_id;	/* IPv4 */
	uint16_t		 hold_time;
	uint32_t		 connect_retry;	/* seconds */
	uint32_t		 eligible_after; /* seconds */
	uint8_t			 full_feed;	/* percent, 0: all eligible */
	uint32_t		 log_rate; /* per peer per minute, 0: no cap */
	char			*control_path;
	char			*user;		/* NULL: keep privileges */
	char			*collector_id;	/* NULL: the host name */
	struct config_listen	*listens;
	size_t			 nlistens;
	char			**rir_stats;
	size_t			 nrir_stats;
	struct config_neighbors	 neighbors;
	struct config_regions	 regions;
	struct config_events	 events;
	struct config_metrics	 metrics;
	struct config_bmp	 bmp;
	struct config_secret	*secrets;	/* files holding secrets */
	size_t			 nsecrets;
	struct config_mrt	 mrt;
	struct config_websocket	 websocket;
};

/*
 * Errors of one parse, each formatted "FILE:LINE: message".  At most
 * CONF_MAX_ERRORS are kept; a last line says when more were dropped.
 */
struct config_errors {
	size_t			 n;
	char			 msg[CONF_MAX_ERRORS + 1][CONF_ERRMSG_MAX];
};

/* config.c */

/* Allocates a config holding the defaults; never returns NULL (fatal). */
struct config	*config_new(void);
/* Frees the config and everything it owns; NULL is fine. */
void		 config_free(struct config *);
/* Returns 1 if the two configs are the same in every setting, else 0. */
int		 config_equal(const struct config *, const struct config *);
/* Returns 1 if two neighbor definitions are identical, else 0. */
int		 config_neighbor_equal(const struct config_neighbor *,
		    const struct config_neighbor *);
/*
 * Returns 1 if going from neighbor a to b needs the session restarted
 * (what the OPEN or the socket carries changed), 0 if the running
 * session can adopt b (description, passive, port, max-prefix, shutdown:
 * the caller handles shutdown itself).
 */
int		 config_neighbor_needs_reset(const struct config_neighbor *,
		    const struct config_neighbor *);
/* Returns 1 if two region definitions are identical, else 0. */
int		 config_region_equal(const struct config_region *,
		    const struct config_region *);
/* Returns 1 if the event sinks are configured identically, else 0. */
int		 config_events_equal(const struct config_events *,
		    const struct config_events *);
/* The neighbor with this address, or NULL. */
struct config_neighbor *config_find_neighbor(const struct config *,
		    const struct bw_addr *);
/* The region with this name, or NULL. */
struct config_region *config_find_region(const struct config *,
		    const char *);
/* Frees one neighbor / region (not linked into a config). */
void		 config_neighbor_free(struct config_neighbor *);
void		 config_region_free(struct config_region *);

/* parse.c */

/*
 * Parses the file at path (and its includes).  Returns the new config, or
 * NULL with errs->n > 0 describing every problem found (up to the cap).
 */
struct config	*config_parse(const char *path,
		    struct config_errors *errs);
/*
 * As config_parse() on len bytes at buf; name appears in errors and its
 * directory anchors relative includes.
 */
struct config	*config_parse_buf(const char *name, const char *buf,
		    size_t len, struct config_errors *errs);

/* config_bmp.c */

void		 config_bmp_init(struct config_bmp *);
void		 config_bmp_free(struct config_bmp *);
int		 config_bmp_equal(const struct config_bmp *,
		    const struct config_bmp *);
void		 config_bmp_print(FILE *, const struct config_bmp *);
/* The allowed router with this address, or NULL. */
const struct config_bmp_router *config_bmp_find(const struct config_bmp *,
		    const struct bw_addr *);
/* "pre-policy", ... for one CONF_BMP_* bit (parse_bmp.c), or NULL. */
const char	*config_bmp_view_name(uint8_t bit);
/* secrets.c */

/*
 * Checks that every file holding a secret is accessible by its owner
 * only and owned by root or owner.  Returns 0, or -1 with err set to a
 * "FILE:LINE: ..." message.
 */
int		 config_check_secrets(const struct config *, uid_t owner,
		    char *err, size_t errlen);
/* Frees the list of secret files (config_free() calls it). */
void		 config_secrets_free(struct config *);
/* parse_mrt.c */

void		 config_mrt_free(struct config_mrt *);
/* Returns 1 if the two archives are configured identically, else 0. */
int		 config_mrt_equal(const struct config_mrt *,
		    const struct config_mrt *);
void		 config_mrt_print(FILE *, const struct config_mrt *);
/* "gzip", "bzip2", "none". */
const char	*config_mrt_compress_name(enum config_mrt_compress);
/* parse_kafka.c */

/* Frees a kafka {} block; NULL is fine. */
void		 config_kafka_free(struct config_kafka *);
/* Returns 1 if both are absent or configured identically, else 0. */
int		 config_kafka_equal(const struct config_kafka *,
		    const struct config_kafka *);
/* Writes the block the way the parser reads it (nothing for NULL). */
void		 config_kafka_print(FILE *, const struct config_kafka *);

/* printconf.c */

/* Writes the canonical text of the config; parsing it gives an equal one. */
void		 config_print(FILE *, const struct config *);
/* Writes a duration the way the parser reads it: "90s", "5m", "2h", "1d". */
void		 config_print_duration(FILE *, uint32_t seconds);
/* A quoted string as the lexer reads it back. */
void		 config_print_string(FILE *, const char *);

/*
 * The collector's name in events and streams: collector-id, or the host
 * name (looked up once), or "bgpwatch".
 */
const char *config_collector_id(const struct config *);

/* parse_rislive.c: the websocket settings' defaults, comparison,
 * canonical text and freeing. */
void		 config_websocket_defaults(struct config_websocket *);
int		 config_websocket_equal(const struct config_websocket *,
		    const struct config_websocket *);
void		 config_websocket_print(FILE *, const struct config_websocket *);
void		 config_websocket_free(struct config_websocket *);
#endif /* BGPWATCH_CONFIG_H */
