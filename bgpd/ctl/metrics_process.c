/*
 * bgpwatch_build_info and the standard process_* families of Prometheus
 * client libraries (so existing dashboards work): resident and virtual
 * memory from /proc/self/statm, CPU from getrusage(), open and maximum
 * file descriptors, start time.  On a system without /proc the memory
 * and fd series are left out rather than reported as 0.
 */
#include <sys/resource.h>
#include <sys/time.h>

#include <dirent.h>
#include <stdio.h>
#include <unistd.h>

#include "core.h"
#include "metrics_priv.h"
#include "version.h"
#include "view.h"

/* Entries in /proc/self/fd (less the one opendir uses), or -1. */
static long
metrics_open_fds(void)
{
	DIR		*d;
	struct dirent	*e;
	long		 n = 0;

	if ((d = opendir("/proc/self/fd")) == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n > 0 ? n - 1 : 0;
}

static void
metrics_memory(struct evbuffer *b)
{
	FILE			*f;
	unsigned long long	 size, resident;
	long			 page = sysconf(_SC_PAGESIZE);

	if ((f = fopen("/proc/self/statm", "r")) == NULL)
		return;
	if (fscanf(f, "%llu %llu", &size, &resident) == 2 && page > 0) {
		metrics_head(b, "process_resident_memory_bytes", "gauge",
		    "resident memory size in bytes");
		evbuffer_add_printf(b, "process_resident_memory_bytes %llu\n",
		    resident * (unsigned long long)page);
		metrics_head(b, "process_virtual_memory_bytes", "gauge",
		    "virtual memory size in bytes");
		evbuffer_add_printf(b, "process_virtual_memory_bytes %llu\n",
		    size * (unsigned long long)page);
	}
	fclose(f);
}

void
metrics_process(struct evbuffer *b, struct bgpd *bgpd)
{
	struct rusage		ru;
	struct rlimit		rl;
	long			fds;

	metrics_head(b, "bgpwatch_build_info", "gauge", "always 1; the "
	    "version in a label");
	evbuffer_add_printf(b, "bgpwatch_build_info{version=\"%s\"} 1\n",
	    bgpwatch_version());
	if (getrusage(RUSAGE_SELF, &ru) == 0) {
		metrics_head(b, "process_cpu_seconds_total", "counter",
		    "user and system CPU time spent in seconds");
		evbuffer_add_printf(b, "process_cpu_seconds_total %.6f\n",
		    (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
		    (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
	}
	metrics_memory(b);
	if ((fds = metrics_open_fds()) >= 0) {
		metrics_head(b, "process_open_fds", "gauge", "open file "
		    "descriptors");
		evbuffer_add_printf(b, "process_open_fds %ld\n", fds);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
		metrics_head(b, "process_max_fds", "gauge", "maximum number of "
		    "open file descriptors");
		evbuffer_add_printf(b, "process_max_fds %llu\n",
		    (unsigned long long)rl.rlim_cur);
	}
	metrics_head(b, "process_start_time_seconds", "gauge", "start time "
	    "of the process since the epoch in seconds");
	evbuffer_add_printf(b, "process_start_time_seconds %lld\n",
	    (long long)bgpd->started);
}
