# bgpwatch -- see README.md.  `make`, `make check`, `make check SAN=1`.
#
# proto/ (pure codec) -> $(BUILD)/libproto.a
# bgpd/  (daemon modules) -> $(BUILD)/libbgpd.a, plus the three programs.
# tests/test_*.c are cmocka suites, tests/tools/*.c test helpers,
# tests/fuzz/fuzz_*.c libFuzzer targets (clang).

PREFIX	?= /usr/local
BINDIR	?= $(PREFIX)/bin
SBINDIR	?= $(PREFIX)/sbin
SYSCONFDIR ?= /etc
DESTDIR	?=

SAN	?= 0
ifeq ($(SAN),1)
BUILD	?= build-san
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
else
BUILD	?= build
SANFLAGS :=
endif

PKGS	:= libevent libevent_openssl openssl msgpack zlib
WARN	:= -Wall -Wextra -Wshadow -Wmissing-prototypes -Wstrict-prototypes \
	-Wpointer-arith -Wcast-qual -Wsign-compare -Werror
CFLAGS	?= -O2 -g
CPPFLAGS_ALL = -Iinclude -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L \
	$(shell pkg-config --cflags $(PKGS) 2>/dev/null)
CFLAGS_ALL = -std=c11 $(WARN) $(CFLAGS) $(SANFLAGS) -MMD -MP
LIBS	= $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lbz2
TESTLIBS = $(shell pkg-config --libs cmocka 2>/dev/null)

PROTO_SRCS := $(wildcard proto/*.c)
MAINS	:= bgpd/bgpwatchd.c bgpd/bgpwatchctl.c
BGPD_SRCS := $(filter-out $(MAINS),$(wildcard bgpd/*.c))
TEST_SRCS := $(wildcard tests/test_*.c)
TOOL_SRCS := $(wildcard tests/tools/*.c)
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)

OBJ	:= $(BUILD)/obj
PROTO_OBJS := $(PROTO_SRCS:%.c=$(OBJ)/%.o)
BGPD_OBJS := $(BGPD_SRCS:%.c=$(OBJ)/%.o)
TESTS	:= $(TEST_SRCS:tests/%.c=$(BUILD)/tests/%)
TOOLS	:= $(TOOL_SRCS:tests/tools/%.c=$(BUILD)/tools/%)
FUZZERS	:= $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD)/fuzz/%)
PROGS	:= $(BUILD)/bgpwatchd $(BUILD)/bgpwatchctl $(BUILD)/bgpfeed

.PHONY: all deps check unit fuzz fuzz-build bench run demo install clean
.DEFAULT_GOAL := all

all: $(PROGS) $(TOOLS)

deps:
	@sh tools/deps.sh

$(OBJ)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) -c -o $@ $<

$(BUILD)/libproto.a: $(PROTO_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/libbgpd.a: $(BGPD_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

LINK = $(CC) $(CFLAGS_ALL) -o $@ $^ $(LIBS)

$(BUILD)/bgpwatchd: $(OBJ)/bgpd/bgpwatchd.o $(BUILD)/libbgpd.a $(BUILD)/libproto.a
	$(LINK)

$(BUILD)/bgpwatchctl: $(OBJ)/bgpd/bgpwatchctl.o $(BUILD)/libbgpd.a $(BUILD)/libproto.a
	$(LINK)

FEED_SRCS := $(wildcard bgpfeed/*.c)
$(BUILD)/bgpfeed: $(FEED_SRCS:%.c=$(OBJ)/%.o) $(BUILD)/libbgpd.a $(BUILD)/libproto.a
	$(LINK) -lm

$(BUILD)/tools/%: $(OBJ)/tests/tools/%.o $(BUILD)/libbgpd.a $(BUILD)/libproto.a
	@mkdir -p $(dir $@)
	$(LINK)

$(BUILD)/tests/%: $(OBJ)/tests/%.o $(BUILD)/libbgpd.a $(BUILD)/libproto.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(LIBS) $(TESTLIBS)

# libFuzzer targets: clang, the codec compiled in with ASan and UBSan.
FUZZ_CC	?= clang
FUZZ_FLAGS := -std=c11 -g -O1 -Iinclude -D_DEFAULT_SOURCE \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
$(BUILD)/fuzz/%: tests/fuzz/%.c $(PROTO_SRCS) $(wildcard include/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $< $(PROTO_SRCS)

fuzz-build: $(FUZZERS)

# Long fuzzing runs: FUZZ_SECONDS each (default 300).
fuzz: fuzz-build
	@sh tests/fuzz/run.sh $(BUILD) $${FUZZ_SECONDS:-300}

unit: $(TESTS) $(TOOLS) $(PROGS)
	@sh tests/run.sh $(BUILD) unit

check: deps
	@$(MAKE) --no-print-directory all $(TESTS) fuzz-build
	@sh tests/run.sh $(BUILD) all

bench: deps
	@$(MAKE) --no-print-directory all
	@sh tests/bench/run.sh $(BUILD)

# The example config wants its directories and a RIR stats file; as root
# `make run` creates them, installing the bundled APNIC excerpt (the real
# KP lines) when the real file is not there yet (docs/regions.md says
# where to get it).
STATS	:= /var/lib/bgpwatch/delegated-apnic-extended-latest
run: deps
	@$(MAKE) --no-print-directory all
	@if [ "$$(id -u)" = 0 ]; then \
		mkdir -p /run/bgpwatch /var/lib/bgpwatch; \
		if [ ! -f $(STATS) ]; then \
			echo "run: no $(STATS); installing the bundled excerpt"; \
			cp tests/data/rirstats/delegated-apnic-extended-latest $(STATS); \
		fi; \
	else \
		echo "run: as non-root, create /run/bgpwatch and $(STATS) first"; \
	fi
	$(BUILD)/bgpwatchd -d -f conf/bgpwatchd.conf

demo: deps
	@$(MAKE) --no-print-directory all
	@sh tests/demo.sh $(BUILD)

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR)
	install -m 755 $(BUILD)/bgpwatchd $(DESTDIR)$(SBINDIR)/bgpwatchd
	install -m 755 $(BUILD)/bgpwatchctl $(DESTDIR)$(BINDIR)/bgpwatchctl
	install -m 755 $(BUILD)/bgpfeed $(DESTDIR)$(BINDIR)/bgpfeed
	install -d $(DESTDIR)$(SYSCONFDIR)/bgpwatch
	install -m 644 conf/bgpwatchd.conf $(DESTDIR)$(SYSCONFDIR)/bgpwatch/bgpwatchd.conf.example
	install -d $(DESTDIR)$(PREFIX)/lib/systemd/system
	sed 's|/usr/local|$(PREFIX)|g' conf/bgpwatchd.service \
	    >$(DESTDIR)$(PREFIX)/lib/systemd/system/bgpwatchd.service
	install -d $(DESTDIR)$(PREFIX)/share/doc/bgpwatch
	install -m 644 README.md docs/*.md $(DESTDIR)$(PREFIX)/share/doc/bgpwatch/

clean:
	rm -rf build build-san

-include $(shell find $(OBJ) -name '*.d' 2>/dev/null)
