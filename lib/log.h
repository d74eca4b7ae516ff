/*
 * Logging: to stderr in the foreground (-d), else to syslog (daemon
 * facility).  Peer helpers prefix the neighbor address; the rate-limited
 * variants cap lines that a misbehaving peer can trigger in a loop.
 */
#ifndef BGPWATCH_LOG_H
#define BGPWATCH_LOG_H

#include <stdint.h>
#include <time.h>

#include "bgpwatch.h"

#define LOG_FMT(a, b)	__attribute__((__format__(__printf__, a, b)))

/*
 * Per-peer budget of log lines: at most `log_rate` (see log_set_rate())
 * lines per minute; the rest are counted and summarised once the minute
 * is over.  Zero-initialise it.
 */
struct log_ratelimit {
	time_t		 window;	/* start of the current minute */
	uint32_t	 count;		/* lines logged in that minute */
	uint32_t	 suppressed;	/* lines dropped in that minute */
};

/* Starts logging: foreground != 0 writes to stderr, else to syslog. */
void	log_init(int foreground, int verbose);
/* "error", "warning", "info", "debug"... of a syslog priority. */
const char *log_severity_name(int pri);
/* Changes the verbosity; log_debug() prints only when verbose > 0. */
void	log_set_verbose(int verbose);
/* Lines per minute each struct log_ratelimit lets through; 0: no cap. */
void	log_set_rate(uint32_t per_minute);

void	log_info(const char *, ...) LOG_FMT(1, 2);
void	log_warnx(const char *, ...) LOG_FMT(1, 2);
/* As log_warnx() with ": strerror(errno)" appended. */
void	log_warn(const char *, ...) LOG_FMT(1, 2);
void	log_debug(const char *, ...) LOG_FMT(1, 2);
/* Out of memory or a broken invariant only: logs and exits 1. */
void	fatal(const char *, ...) LOG_FMT(1, 2)
	    __attribute__((__noreturn__));
void	fatalx(const char *, ...) LOG_FMT(1, 2)
	    __attribute__((__noreturn__));

/* Peer lines: "neighbor ADDR: message". */
void	log_peer_info(const struct bw_addr *, const char *, ...)
	    LOG_FMT(2, 3);
void	log_peer_warnx(const struct bw_addr *, const char *, ...)
	    LOG_FMT(2, 3);
void	log_peer_warn(const struct bw_addr *, const char *, ...)
	    LOG_FMT(2, 3);
/*
 * As log_peer_warnx() within the budget of rl; when a new minute starts
 * after lines were dropped, first logs how many.  Returns 1 if the line
 * was logged, 0 if it was suppressed.
 */
int	log_peer_warnx_rl(struct log_ratelimit *rl, const struct bw_addr *,
	    const char *, ...) LOG_FMT(3, 4);
/*
 * The budget decision alone, at time now: returns 1 if a line may be
 * logged, 0 if not; *summary is set to the lines dropped in the minute
 * that just ended (to be reported), else 0; summary may be NULL.
 */
int	log_ratelimit_allow(struct log_ratelimit *, time_t now,
	    uint32_t *summary);

#endif /* BGPWATCH_LOG_H */
