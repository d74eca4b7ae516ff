/*
 * Glue between the RIB door and the region detector.  The door knows no
 * detector and the detector no door: this file, above both, translates
 * a struct rib_src into the detector's struct detect_peer and forwards
 * each call.
 */
#include "detect.h"
#include "detect_door.h"

/* The detector's view of a source. */
static void
dd_peer(const struct rib_src *src, struct detect_peer *dp)
{
	dp->slot = src->slot;
	dp->addr = src->addr;
	dp->asn = src->asn;
	dp->router = src->router;
	dp->router_name = src->router_name;
	dp->view = src->view;
	dp->notif = src->down_notif;
	dp->code = src->down_code;
	dp->subcode = src->down_subcode;
}

static int
dd_interested(void *arg, const struct bw_prefix *pfx)
{
	return detect_interested(arg, pfx);
}

static int
dd_watching(void *arg)
{
	return detect_watching(arg);
}

static int
dd_wants(void *arg, const struct bw_prefix *pfx, const struct rattr *a)
{
	return detect_wants(arg, pfx, a);
}

static void
dd_announce(void *arg, const struct rib_src *src, const struct bw_prefix *pfx,
    const struct rattr *a, int newprefix, const struct rib_route *routes,
    size_t nroutes, double now)
{
	struct detect_peer dp;

	dd_peer(src, &dp);
	detect_announce(arg, &dp, pfx, a, newprefix, routes, nroutes, now);
}

static void
dd_withdraw(void *arg, const struct rib_src *src, const struct bw_prefix *pfx,
    const struct rattr *last, int lastpath, double now)
{
	struct detect_peer dp;

	dd_peer(src, &dp);
	detect_withdraw(arg, &dp, pfx, last, lastpath, now);
}

static void
dd_step(void *arg, const struct rib_src *src, enum adjrib_step step,
    const char *reason, int gr, double now)
{
	struct detect_peer dp;

	dd_peer(src, &dp);
	switch (step) {
	case ADJRIB_UP:
		detect_peer_up(arg, &dp, now);
		break;
	case ADJRIB_ELIGIBLE:
		detect_peer_eligible(arg, &dp, now);
		break;
	case ADJRIB_DOWN:
		detect_peer_down(arg, &dp, reason, gr, now);
		break;
	case ADJRIB_GONE:
		detect_peer_gone(arg, &dp, now);
		break;
	}
}

static double
dd_run(void *arg, double now)
{
	return detect_run(arg, now);
}

const struct adjrib_observer detect_door_observer = {
	.interested = dd_interested,
	.watching = dd_watching,
	.wants = dd_wants,
	.announce = dd_announce,
	.withdraw = dd_withdraw,
	.step = dd_step,
	.run = dd_run,
};
