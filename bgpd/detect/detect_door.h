/*
 * The region detector as the RIB door's observer: what the door tells of
 * its sources (routes, lifecycle) becomes the detector's hooks, and the
 * door's runs become detect_run().  Pass detect_door_observer with the
 * struct detect as its argument to adjrib_init().
 */
#ifndef BGPWATCH_DETECT_DOOR_H
#define BGPWATCH_DETECT_DOOR_H

#include "adjrib.h"

extern const struct adjrib_observer detect_door_observer;

#endif /* BGPWATCH_DETECT_DOOR_H */
