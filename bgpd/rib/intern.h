/*
 * Hash-consed path attributes.  A decoded struct bgp_attrs (views into a
 * message) becomes one shared, reference-counted struct rattr; its AS path
 * and community lists are interned on their own, so that the many
 * attribute sets that share a path share its bytes too.  One intern per
 * UPDATE, shared by all of its prefixes.
 */
#ifndef BGPWATCH_INTERN_H
#define BGPWATCH_INTERN_H

#include <stddef.h>
#include <stdint.h>

#include "bgpwatch.h"
#include "update.h"

/* An interned byte string: AS path, community list, cluster list, ... */
struct iblob {
	uint32_t	refcnt;
	uint32_t	hash;
	uint32_t	len;
	uint8_t		data[];
};

/*
 * An interned attribute set (96 bytes).  Blob pointers are NULL when the
 * attribute is absent or empty.  Fields of absent attributes are 0; the
 * RATTR_ flags tell which of the scalar ones were present.
 */
struct rattr {
	uint32_t	 refcnt;
	uint32_t	 hash;
	struct iblob	*aspath;	/* 4-octet AS_PATH segments */
	struct iblob	*communities;
	struct iblob	*large_communities;
	struct iblob	*ext_communities;
	struct iblob	*other;		/* link-local next hop, cluster list,
					 * unknown attributes: read with
					 * rattr_other_next() */
	struct bw_addr	 nexthop;	/* aid AID_UNSPEC if none */
	uint8_t		 origin;	/* RATTR_ORIGIN_NONE if absent */
	uint8_t		 flags;		/* RATTR_ bits below */
	uint32_t	 med;
	uint32_t	 local_pref;
	uint32_t	 origin_as;	/* cached bgp_aspath_origin() */
	uint32_t	 aggr_as;
	uint32_t	 aggr_id;
	uint32_t	 originator_id;
	uint32_t	 otc;
};

#define RATTR_MED		0x01
#define RATTR_LOCAL_PREF	0x02
#define RATTR_ATOMIC_AGGR	0x04
#define RATTR_AGGREGATOR	0x08
#define RATTR_ORIGINATOR	0x10
#define RATTR_OTC		0x20

#define RATTR_ORIGIN_NONE	0xff
/* "other" record code of the IPv6 link-local next hop (16 bytes). */
#define RATTR_OTHER_NH_LL	0

struct intern;

/* An empty intern; NULL on allocation failure. */
struct intern *intern_new(void);
/* Frees the tables; every reference must have been dropped (asserted). */
void	intern_free(struct intern *);
/* Frees the tables and every set and blob, referenced or not (exit). */
void	intern_release(struct intern *);
/*
 * Returns the shared attribute set equal to a, with a reference taken
 * for the caller; NULL on allocation failure.
 */
struct rattr *intern_attrs(struct intern *, const struct bgp_attrs *a);
/* Takes one more reference on r (inline: every route added takes one). */
static inline void
rattr_ref(struct rattr *r)
{
	r->refcnt++;
}
/* Drops a reference; the set (and its blobs) go when the last one does. */
void	rattr_unref(struct intern *, struct rattr *);
/* A view of an interned blob (empty for NULL), for the AS path formatter. */
struct bgp_view iblob_view(const struct iblob *);
/* Whether the set's AS_PATH (any segment type) holds AS as. */
int	rattr_path_has(const struct rattr *, uint32_t as);
/*
 * Walks r's "other" records (start with *off = 0): returns 1 with the
 * next one's code (ATTR_ code, or RATTR_OTHER_NH_LL), flags and value, 0
 * at the end.  Unknown attributes come in the order received.
 */
int	rattr_other_next(const struct rattr *, size_t *off, uint8_t *code,
	    uint8_t *flags, struct bgp_view *);
/* Finds the first "other" record with this code: 1, or 0 if none. */
int	rattr_other_find(const struct rattr *, uint8_t code, uint8_t *flags,
	    struct bgp_view *);

struct intern_mem {
	size_t	attrs, attr_bytes;	/* live sets, bytes incl. table */
	size_t	blobs, blob_bytes;	/* live blobs, bytes incl. table */
};

/* Live objects and their bytes (without malloc's own overhead). */
void	intern_mem(const struct intern *, struct intern_mem *);

#endif /* BGPWATCH_INTERN_H */
