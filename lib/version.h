/*
 * The one version of bgpwatch (lib/version.c): every binary's -V, the
 * daemon's `show status` and bgpwatch_build_info print it.
 */
#ifndef BGPWATCH_VERSION_H
#define BGPWATCH_VERSION_H

/* The release, e.g. "0.2.0". */
const char	*bgpwatch_version(void);
/* Prints "PROG VERSION" on stdout (the -V answer). */
void		 bgpwatch_print_version(const char *prog);

#endif /* BGPWATCH_VERSION_H */
