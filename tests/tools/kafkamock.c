/*
 * kafkamock: librdkafka's mock cluster (rdkafka_mock.h) as a process, for
 * the Kafka tests and bench.  It speaks the real Kafka protocol; no
 * Kafka server is needed.
 *
 *	kafkamock [-a ADDR] [-p PORT] [-A PORT] [-b BROKERS] [-t TOPIC]
 *	    [-n PARTITIONS]
 *
 * The mock binds its brokers to 127.0.0.1 with ephemeral ports; the
 * tests may only use their own loopback address and port range, so the
 * bind() below (which the library's call resolves to) moves each broker
 * to ADDR:PORT+i.  With -A, the brokers tell clients (bootstrap list,
 * metadata) that they are at ADDR:APORT+i instead, where a TLS and SASL
 * front (tests/kafka/kafkaproxy.py) listens and forwards to PORT+i: the
 * mock cluster itself speaks neither (docs/kafka.md).  The library takes
 * the port it advertises from getsockname() right after its bind(),
 * which the getsockname() below answers.
 * It prints the bootstrap list on stdout, then reads
 * commands on stdin, one per line:
 *	down N / up N	sets broker N (1..BROKERS) down or up
 *	err N CODE	the next N Produce requests (any broker) fail with
 *			Kafka error CODE (e.g. 29, TOPIC_AUTHORIZATION_FAILED:
 *			permanent, the records are refused)
 *	quit		(or end of input) stops
 */
#include <sys/socket.h>
#include <sys/syscall.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

static struct in_addr	 mock_addr;
static int		 mock_port;
static int		 mock_next;
static int		 mock_adv;		/* -A: advertised base port */
static int		 mock_fds[64];		/* listeners, by broker */

int	getsockname(int, struct sockaddr *, socklen_t *);

int
getsockname(int fd, struct sockaddr *sa, socklen_t *len)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)(void *)sa;
	int			 i, rv;

	rv = syscall(SYS_getsockname, fd, sa, len);
	if (rv == 0 && mock_adv != 0 && sa->sa_family == AF_INET)
		for (i = 0; i < mock_next && i < 64; i++)
			if (mock_fds[i] == fd &&
			    ntohs(sin->sin_port) == mock_port + i) {
				sin->sin_port = htons(mock_adv + i);
				break;
			}
	return rv;
}

/* The library's listeners land on our address and ports. */
int	bind(int, const struct sockaddr *, socklen_t);

int
bind(int fd, const struct sockaddr *sa, socklen_t len)
{
	struct sockaddr_in	 sin;
	int			 on = 1;

	if (mock_port != 0 && sa->sa_family == AF_INET &&
	    len >= sizeof(sin)) {
		memcpy(&sin, sa, sizeof(sin));
		if (sin.sin_port == 0) {
			sin.sin_addr = mock_addr;
			if (mock_next < 64)
				mock_fds[mock_next] = fd;
			sin.sin_port = htons(mock_port + mock_next++);
			/* Tests reuse ports: TIME_WAIT must not stop us. */
			(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on,
			    sizeof(on));
			return syscall(SYS_bind, fd, &sin, sizeof(sin));
		}
	}
	return syscall(SYS_bind, fd, sa, len);
}

static void
usage(void)
{
	fprintf(stderr, "usage: kafkamock [-a ADDR] [-p PORT] [-A PORT] "
	    "[-b BROKERS] [-t TOPIC] [-n PARTITIONS]\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	rd_kafka_mock_cluster_t	*mc;
	rd_kafka_conf_t		*conf;
	rd_kafka_t		*rk;
	const char		*addr = "127.0.3.1", *topic = NULL;
	char			 line[128], errstr[256];
	rd_kafka_resp_err_t	*errs;
	int			 c, nbrokers = 3, nparts = 4, id, n, code, i;

	while ((c = getopt(argc, argv, "A:a:b:n:p:t:")) != -1) {
		switch (c) {
		case 'A':
			mock_adv = atoi(optarg);
			break;
		case 'a':
			addr = optarg;
			break;
		case 'b':
			nbrokers = atoi(optarg);
			break;
		case 'n':
			nparts = atoi(optarg);
			break;
		case 'p':
			mock_port = atoi(optarg);
			break;
		case 't':
			topic = optarg;
			break;
		default:
			usage();
		}
	}
	if (inet_pton(AF_INET, addr, &mock_addr) != 1 || nbrokers < 1 ||
	    nparts < 1)
		usage();
	signal(SIGPIPE, SIG_IGN);
	conf = rd_kafka_conf_new();
	if ((rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr,
	    sizeof(errstr))) == NULL) {
		fprintf(stderr, "kafkamock: %s\n", errstr);
		return 1;
	}
	if ((mc = rd_kafka_mock_cluster_new(rk, nbrokers)) == NULL) {
		fprintf(stderr, "kafkamock: cannot start the mock cluster\n");
		return 1;
	}
	if (topic != NULL && rd_kafka_mock_topic_create(mc, topic, nparts,
	    nbrokers < 3 ? nbrokers : 3) != RD_KAFKA_RESP_ERR_NO_ERROR) {
		fprintf(stderr, "kafkamock: cannot create topic %s\n", topic);
		return 1;
	}
	printf("%s\n", rd_kafka_mock_cluster_bootstraps(mc));
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin) != NULL) {
		if (sscanf(line, "down %d", &id) == 1)
			rd_kafka_mock_broker_set_down(mc, id);
		else if (sscanf(line, "up %d", &id) == 1)
			rd_kafka_mock_broker_set_up(mc, id);
		else if (sscanf(line, "err %d %d", &n, &code) == 2 && n > 0 &&
		    n <= 100000 && (errs = calloc(n, sizeof(*errs))) != NULL) {
			for (i = 0; i < n; i++)
				errs[i] = (rd_kafka_resp_err_t)code;
			rd_kafka_mock_push_request_errors_array(mc,
			    0 /* Produce */, (size_t)n, errs);
			free(errs);
		}
		else if (strncmp(line, "quit", 4) == 0)
			break;
		printf("ok\n");
		fflush(stdout);
	}
	rd_kafka_mock_cluster_destroy(mc);
	rd_kafka_destroy(rk);
	return 0;
}
