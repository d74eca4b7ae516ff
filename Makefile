# bgpwatch -- see README.md.  `make`, `make check`, `make check SAN=1`,
# `make tsan` (SAN=thread: ThreadSanitizer, in build-tsan).
#
# proto/ (pure codec) -> $(BUILD)/libproto.a
# lib/, bgpd/*/ (daemon folders) -> one archive each in $(BUILD)/ar/;
# bgpctl/ the CLI, bgpfeed/ the test feeder; the three programs.
# tests/test_*.c are cmocka suites, tests/tools/*.c test helpers,
# tests/fuzz/fuzz_*.c libFuzzer targets (clang).

PREFIX	?= /usr/local
BINDIR	?= $(PREFIX)/bin
SBINDIR	?= $(PREFIX)/sbin
SYSCONFDIR ?= /etc
MANDIR	?= $(PREFIX)/share/man
UNITDIR	?= $(PREFIX)/lib/systemd/system
STATEDIR ?= /var/lib/bgpwatch
RUNDIR	?= /run/bgpwatch
BGPWATCH_USER ?= bgpwatch
DESTDIR	?=

SAN	?= 0
ifeq ($(SAN),1)
BUILD	?= build-san
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
else ifeq ($(SAN),thread)
# ThreadSanitizer (make tsan): the helper threads against the loop.
# Every program also links C11 threads over pthreads (librdkafka's
# threads are otherwise unknown to TSan: tests/tsan/c11threads.c).
BUILD	?= build-tsan
SANFLAGS := -fsanitize=thread -fno-omit-frame-pointer
SANOBJS	= $(OBJ)/tests/tsan/c11threads.o
else
BUILD	?= build
SANFLAGS :=
endif

PKGS	:= libevent libevent_openssl openssl msgpack zlib libdeflate libisal libcap jansson rdkafka
WARN	:= -Wall -Wextra -Wshadow -Wmissing-prototypes -Wstrict-prototypes \
	-Wpointer-arith -Wcast-qual -Wsign-compare
# CPPFLAGS, CFLAGS and LDFLAGS come from the environment as
# dpkg-buildflags sets them; -Werror only when asked (WERROR=1, CI).
WERROR	?= 0
ifeq ($(WERROR),1)
WARN	+= -Werror
endif
CFLAGS	?= -O2 -g
CPPFLAGS_ALL = -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L \
	$(shell pkg-config --cflags $(PKGS) 2>/dev/null) $(CPPFLAGS)
CFLAGS_ALL = -std=c11 $(WARN) $(CFLAGS) $(SANFLAGS) -MMD -MP
LIBS	= $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lbz2 -lwslay -pthread
TESTLIBS = $(shell pkg-config --libs cmocka 2>/dev/null)

# The layering is a build rule twice over.  Each folder compiles with
# -I for only the folders below it (an #include from above fails to
# compile), and each folder is one archive that every program and test
# links in a fixed order with only the archives it may use (a call
# upwards fails to link).  docs/architecture.md has the picture.
#   folder         may use (besides itself)
#   lib            include
#   bgpd/conf      lib
#   bgpd/rib       conf lib
#   bgpd/detect    rib conf lib
#   bgpd/event     detect (its public types) rib conf lib
#   bgpd/bgp       rib conf lib
#   bgpd/mrt       rib conf lib
#   bgpd/bmp       rib conf lib (a BMP station: another input)
#   bgpd/rislive   rib conf lib (the RIS Live stream: a tap output)
#   bgpd (core)    all of the above
#   bgpd/ctl       core and all below
DIRS	:= lib conf rib detect event bgp mrt bmp rislive core ctl
LINK_ORDER := ctl core rislive bmp mrt bgp event detect rib conf lib
dir_lib	:= lib
dir_core := bgpd
$(foreach d,conf rib detect event bgp mrt bmp rislive ctl,$(eval dir_$(d) := bgpd/$(d)))
uses_lib := lib
uses_conf := conf $(uses_lib)
uses_rib := rib $(uses_conf)
uses_detect := detect $(uses_rib)
uses_event := event $(uses_detect)
uses_bgp := bgp $(uses_rib)
uses_mrt := mrt $(uses_rib)
uses_bmp := bmp $(uses_rib)
uses_rislive := rislive $(uses_rib)
uses_core := core event detect bgp mrt bmp rislive rib conf lib
uses_ctl := ctl $(uses_core)
ALL_INC	:= -Iinclude $(foreach d,$(DIRS),-I$(dir_$(d)))

PROTO_SRCS := $(wildcard proto/*.c)
MAINS	:= bgpd/bgpwatchd.c
dir_srcs = $(filter-out $(MAINS),$(wildcard $(dir_$(1))/*.c))
TEST_SRCS := $(wildcard tests/test_*.c)
TOOL_SRCS := $(wildcard tests/tools/*.c)
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)

OBJ	:= $(BUILD)/obj
AR_DIR	:= $(BUILD)/ar
PROTO_OBJS := $(PROTO_SRCS:%.c=$(OBJ)/%.o)
TESTS	:= $(TEST_SRCS:tests/%.c=$(BUILD)/tests/%)
TOOLS	:= $(TOOL_SRCS:tests/tools/%.c=$(BUILD)/tools/%)
FUZZERS	:= $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD)/fuzz/%)
PROGS	:= $(BUILD)/bgpwatchd $(BUILD)/bgpwatchctl $(BUILD)/bgpfeed

# archives NAMES...: the archive files, in link order, then the codec.
archives = $(foreach d,$(LINK_ORDER),$(if $(filter $(d),$(1)),$(AR_DIR)/$(d).a)) \
	$(BUILD)/libproto.a

.PHONY: all deps check unit fuzz fuzz-build soak memcheck tsan tsan-build bench run demo install clean
.PHONY: lab lab-test lab-down
.DEFAULT_GOAL := all

all: $(PROGS) $(TOOLS)

deps:
	@sh tools/deps.sh

# Objects of folder D see only the headers of the folders D may use.
define folder
$(OBJ)/$(dir_$(1))/%.o: INC := -Iinclude $(foreach u,$(uses_$(1)),-I$(dir_$(u)))
$(AR_DIR)/$(1).a: $(patsubst %.c,$(OBJ)/%.o,$(call dir_srcs,$(1)))
	@mkdir -p $$(dir $$@)
	@rm -f $$@
	$$(AR) rcs $$@ $$^
endef
$(foreach d,$(DIRS),$(eval $(call folder,$(d))))
$(OBJ)/proto/%.o: INC := -Iinclude -Iproto
$(OBJ)/bgpd/bgpwatchd.o: INC := $(ALL_INC)
$(OBJ)/bgpctl/%.o: INC := -Iinclude -Ilib -Ibgpd/conf -Ibgpd/event -Ibgpd/ctl
$(OBJ)/bgpfeed/%.o: INC := -Iinclude -Ilib -Ibgpfeed
$(OBJ)/tests/%.o: INC := $(ALL_INC) -Itests

$(OBJ)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(INC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) -c -o $@ $<

# The status page is linked in as bytes (.incbin).
$(OBJ)/bgpd/rislive/rislive_page.o: bgpd/rislive/status.html

$(BUILD)/libproto.a: $(PROTO_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

LINK = $(CC) $(CFLAGS_ALL) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/bgpwatchd: $(OBJ)/bgpd/bgpwatchd.o $(call archives,$(uses_ctl)) $(SANOBJS)
	$(LINK)

# The CLI links the configuration, the event reader and JSON printer and
# nothing else of the daemon (tests/check/layers.sh checks with nm).
$(BUILD)/bgpwatchctl: $(OBJ)/bgpctl/bgpwatchctl.o $(call archives,event conf lib) \
    $(SANOBJS)
	$(LINK)

FEED_SRCS := $(wildcard bgpfeed/*.c)
$(BUILD)/bgpfeed: $(FEED_SRCS:%.c=$(OBJ)/%.o) $(call archives,lib) $(SANOBJS)
	$(LINK) -lm

# Each test and tool links only the archives of the layer it tests:
# t_NAME lists them (default: the codec alone).
t_test_config := conf lib
t_test_kafka_conf := conf lib
t_test_json := lib
t_test_session := $(uses_bgp)
t_test_sock := lib
t_test_keysort := lib
t_test_mrt := lib
t_test_mrtahead := lib
t_test_mrt_enc := lib
t_test_mrt_io := $(uses_mrt)
t_test_replay := $(uses_mrt)
t_test_trie := $(uses_rib)
t_test_rib := $(uses_rib)
t_test_adjrib := $(uses_rib)
t_test_intern := $(uses_rib)
t_test_msgtap := $(uses_rib)
t_test_rislive := $(uses_rislive)
t_test_bmp_station := $(uses_bmp)
t_test_detect := $(uses_detect)
t_test_detect_model := $(uses_detect)
t_test_detpfx := $(uses_detect)
t_test_rirstats := $(uses_detect)
t_test_evt := $(uses_event)
t_test_evt_fanout := $(uses_event)
t_test_evt_stream := $(uses_event)
t_test_evt_lock := $(uses_event)
t_test_evt_backlog := $(uses_event)
t_test_control := $(uses_ctl)
t_detectbench := $(uses_detect)
t_ribbench := $(uses_rib)
t_evtgen := $(uses_event)
t_mkseeds := lib
t_mrtdump := lib
t_kafkamock := lib
t_kafkabench := $(uses_event)

.SECONDEXPANSION:
$(BUILD)/tools/%: $(OBJ)/tests/tools/%.o $$(call archives,$$(t_%)) $(SANOBJS)
	@mkdir -p $(dir $@)
	$(LINK)

$(BUILD)/tests/%: $(OBJ)/tests/%.o $$(call archives,$$(t_%)) $(SANOBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(LDFLAGS) -o $@ $^ $(LIBS) $(TESTLIBS)

# Kept, not removed as intermediates: else every make (the SAN run, make
# memcheck after make check) compiles and links every test again.
.SECONDARY: $(TEST_SRCS:%.c=$(OBJ)/%.o) $(TOOL_SRCS:%.c=$(OBJ)/%.o)

# libFuzzer targets: clang, ASan and UBSan.  Everything a target links is
# compiled again by clang with -fsanitize=fuzzer-no-link (coverage for the
# fuzzer) into $(BUILD)/fuzzobj: the codec always, and the daemon archives
# its f_NAME lists (same layering as the tests' t_NAME).
FUZZ_CC	?= clang
FZ	:= $(BUILD)/fuzzobj
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
FUZZ_CFLAGS := -std=c11 -g -O1 -Wall -Wno-unused-command-line-argument \
	$(FUZZ_SAN) -fsanitize=fuzzer-no-link
FUZZ_LINK := $(FUZZ_CC) -g $(FUZZ_SAN) -fsanitize=fuzzer
define fuzzfolder
$(FZ)/$(dir_$(1))/%.o: INC := -Iinclude $(foreach u,$(uses_$(1)),-I$(dir_$(u)))
$(FZ)/ar/$(1).a: $(patsubst %.c,$(FZ)/%.o,$(call dir_srcs,$(1)))
	@mkdir -p $$(dir $$@)
	@rm -f $$@
	$$(AR) rcs $$@ $$^
endef
$(foreach d,$(DIRS),$(eval $(call fuzzfolder,$(d))))
$(FZ)/proto/%.o: INC := -Iinclude -Iproto
$(FZ)/tests/%.o: INC := $(ALL_INC) -Itests -Itests/fuzz
$(FZ)/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(INC) $(CPPFLAGS_ALL) $(FUZZ_CFLAGS) -MMD -MP -c -o $@ $<
# The MRT file reader's raw buffers small (16 KiB reads, 64 KiB for a
# gzip member through libdeflate): inputs of tens of KB then cross their
# edges, top-ups and the fall back to inflate, as 4 MB files do.
$(FZ)/lib/mrtfile.o: CPPFLAGS_ALL += -DMRTF_INBUF=16384 -DMRTF_LD_IN=65536
# The event log reader bisects by seq down to 256 bytes, not 256 KiB, so
# that fuzz_evtlog's inputs (a few KB) go through the bisection; its skims
# go to the memo after 64 items in a buffer, not 256 Ki, and each answer
# of the memo is checked against the plain walk (EVT_MEMO_CHECK).
$(FZ)/bgpd/event/evt_reader.o: CPPFLAGS_ALL += -DEVT_SEEK_WINDOW=256 \
    -DEVT_RD_PLAIN=64 -DEVT_MEMO_CHECK
$(FZ)/libproto.a: $(PROTO_SRCS:%.c=$(FZ)/%.o)
	@rm -f $@
	$(AR) rcs $@ $^
fuzz_archives = $(foreach d,$(LINK_ORDER),$(if $(filter $(d),$(1)),$(FZ)/ar/$(d).a)) \
	$(FZ)/libproto.a
# f_NAME: the daemon layers a target links (default: the codec alone).
f_fuzz_config := conf lib
f_fuzz_rirstats := $(uses_detect)
f_fuzz_evtlog := $(uses_event)
f_fuzz_subreq := $(uses_event)
f_fuzz_control := $(uses_ctl)
f_fuzz_rislive := $(uses_rislive)
f_fuzz_mrtfile := lib
# These two include the daemon file they drive (static reader/dispatch).
f_fuzz_bmp_station := $(uses_bmp)
f_fuzz_rislive_http := $(uses_rislive)
$(BUILD)/fuzz/%: $(FZ)/tests/fuzz/%.o $$(call fuzz_archives,$$(f_%))
	@mkdir -p $(dir $@)
	$(FUZZ_LINK) -o $@ $^ $(LIBS)
.SECONDARY: $(FUZZ_SRCS:%.c=$(FZ)/%.o)

fuzz-build: $(FUZZERS)

# Long fuzzing runs: FUZZ_SECONDS each (default 300).
fuzz: fuzz-build
	@sh tests/fuzz/run.sh $(BUILD) $${FUZZ_SECONDS:-300}

unit: $(TESTS) $(TOOLS) $(PROGS)
	@sh tests/run.sh $(BUILD) unit

# Under SAN=1 the fuzz targets are not built again: they are always
# ASan+UBSan builds, and the plain `make check` has run their smoke.
# The build step uses every core unless JOBS says otherwise (or make was
# given -j itself); the suites run one at a time.
JOBS ?= $(shell nproc 2>/dev/null || echo 1)
CHECK_J = $(if $(findstring j,$(filter-out --%,$(MAKEFLAGS))),,-j$(JOBS))
check: deps
ifeq ($(SAN),1)
	@$(MAKE) $(CHECK_J) --no-print-directory all $(TESTS)
	@FUZZ_SMOKE=0 sh tests/run.sh $(BUILD) all
else
	@$(MAKE) $(CHECK_J) --no-print-directory all $(TESTS) fuzz-build
	@sh tests/run.sh $(BUILD) all
endif

# Soak: load held for DURATION seconds (default 600), RSS/fds/events
# printed as it goes, growth checked at the end (tests/soak/soak.py).
soak: deps
	@$(MAKE) --no-print-directory all
	@sh tests/soak/run.sh $(BUILD) $${DURATION:-600}

# valgrind memcheck of every unit test: no leak, no error.
memcheck: $(TESTS)
	@sh tests/memcheck.sh $(BUILD)

# ThreadSanitizer: the suites that run the helper threads (read-ahead,
# MRT writer, sync thread, reload's statistics and index, librdkafka,
# RIS Live), built with SAN=thread in build-tsan (clang, -O1 -g); any
# report fails (tests/tsan/run.sh, ~4 minutes; not part of make check).
TSAN_CC	?= clang
tsan: deps
	@$(MAKE) --no-print-directory SAN=thread CC=$(TSAN_CC) \
	    CFLAGS='-O1 -g' $(CHECK_J) tsan-build
	@sh tests/tsan/run.sh build-tsan

tsan-build: all $(TESTS)

bench: deps
	@$(MAKE) --no-print-directory all
	@sh tests/bench/run.sh $(BUILD)

# make run: the example config with its state under $(BUILD)/run (no
# root, nothing outside the tree), then what to do next (tools/run.sh).
run: deps
	@$(MAKE) --no-print-directory $(PROGS)
	@sh tools/run.sh $(BUILD)

demo: deps
	@$(MAKE) --no-print-directory all
	@sh tests/demo.sh $(BUILD)

# The container lab (docs/lab.md): bgpwatchd, BIRD, GoBGP, FRR and
# Prometheus in podman containers on internal networks.  `make lab` plays
# the North Korea story and prints the events (KEEP=1 keeps the lab up),
# `make lab-test` asserts (tests/check/lab.sh runs it in make check).
lab: deps
	@sh tools/lab.sh run

lab-test: deps
	@sh tools/lab.sh test

lab-down:
	@sh tools/lab.sh down

# Programs, man pages, the unit, a working default config (never over
# an existing one) and the example, the state directory with the RIR
# excerpt region KP needs; as root also the bgpwatch user (packages use
# the sysusers.d file instead).  No test tools.  docs/operating.md.
MANS	:= docs/man/bgpwatchd.8 docs/man/bgpwatchctl.8 \
	docs/man/bgpwatchd.conf.5 docs/man/bgpfeed.1
SUBST	= sed -e 's|/usr/local/sbin|$(SBINDIR)|g' \
	-e 's|/etc/bgpwatch|$(SYSCONFDIR)/bgpwatch|g' \
	-e 's|@RUNDIR@|$(RUNDIR)|g' -e 's|@STATEDIR@|$(STATEDIR)|g' \
	-e 's|"bgpwatch"|"$(BGPWATCH_USER)"|; s|^User=bgpwatch|User=$(BGPWATCH_USER)|' \
	-e 's|^Group=bgpwatch|Group=$(BGPWATCH_USER)|'
install: $(PROGS)
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR)
	install -m 755 $(BUILD)/bgpwatchd $(DESTDIR)$(SBINDIR)/bgpwatchd
	install -m 755 $(BUILD)/bgpwatchctl $(DESTDIR)$(BINDIR)/bgpwatchctl
	install -m 755 $(BUILD)/bgpfeed $(DESTDIR)$(BINDIR)/bgpfeed
	install -d $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
	    $(DESTDIR)$(MANDIR)/man8
	install -m 644 docs/man/bgpfeed.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 644 docs/man/bgpwatchd.conf.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 644 docs/man/bgpwatchd.8 docs/man/bgpwatchctl.8 \
	    $(DESTDIR)$(MANDIR)/man8/
	install -d $(DESTDIR)$(SYSCONFDIR)/bgpwatch
	install -m 644 conf/bgpwatchd.conf \
	    $(DESTDIR)$(SYSCONFDIR)/bgpwatch/bgpwatchd.conf.example
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/bgpwatch/bgpwatchd.conf ]; then \
		echo "install: keeping $(DESTDIR)$(SYSCONFDIR)/bgpwatch/bgpwatchd.conf"; \
	else \
		echo "install: $(DESTDIR)$(SYSCONFDIR)/bgpwatch/bgpwatchd.conf (default)"; \
		$(SUBST) conf/bgpwatchd.conf.in \
		    >$(DESTDIR)$(SYSCONFDIR)/bgpwatch/bgpwatchd.conf && \
		chmod 640 $(DESTDIR)$(SYSCONFDIR)/bgpwatch/bgpwatchd.conf; \
	fi
	install -d -m 750 $(DESTDIR)$(STATEDIR) $(DESTDIR)$(RUNDIR)
	@[ -e $(DESTDIR)$(STATEDIR)/delegated-apnic-extended-latest ] || \
	    install -m 644 tests/data/rirstats/delegated-apnic-extended-latest \
	    $(DESTDIR)$(STATEDIR)/
	install -d $(DESTDIR)$(UNITDIR) $(DESTDIR)$(PREFIX)/lib/sysusers.d
	$(SUBST) conf/bgpwatchd.service >$(DESTDIR)$(UNITDIR)/bgpwatchd.service
	chmod 644 $(DESTDIR)$(UNITDIR)/bgpwatchd.service
	sed 's|/var/lib/bgpwatch|$(STATEDIR)|; s|^u bgpwatch|u $(BGPWATCH_USER)|' \
	    conf/sysusers.conf >$(DESTDIR)$(PREFIX)/lib/sysusers.d/bgpwatch.conf
	install -d $(DESTDIR)$(PREFIX)/share/doc/bgpwatch
	install -m 644 README.md docs/*.md $(DESTDIR)$(PREFIX)/share/doc/bgpwatch/
	@sh tools/mkuser.sh "$(BGPWATCH_USER)" "$(DESTDIR)$(STATEDIR)" \
	    "$(DESTDIR)$(RUNDIR)" "$(DESTDIR)$(SYSCONFDIR)/bgpwatch/bgpwatchd.conf"

clean:
	rm -rf build build-san build-tsan

-include $(shell find $(OBJ) $(FZ) -name '*.d' 2>/dev/null)
