/*
 * The core composing the RIS Live stream (core_rislive.c).
 */
#ifndef BGPWATCH_CORE_RISLIVE_H
#define BGPWATCH_CORE_RISLIVE_H

struct bgpd;
struct config;

/* Opens the stream when configured and live.  Returns 0, or -1 (logged). */
int	core_rislive_open(struct bgpd *, int live);
/* Applies nconf's websocket line (opens, reconfigures or closes).
 * Returns 0, or -1 with err set and the stream as it was. */
int	core_rislive_reload(struct bgpd *, const struct config *nconf,
	    char *err, size_t errlen);
void	core_rislive_close(struct bgpd *);

#endif /* BGPWATCH_CORE_RISLIVE_H */
