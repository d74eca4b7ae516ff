# bgpwatch -- see README.md.  `make`, `make check`, `make check SAN=1`.
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

PKGS	:= libevent libevent_openssl openssl msgpack zlib libcap jansson rdkafka
WARN	:= -Wall -Wextra -Wshadow -Wmissing-prototypes -Wstrict-prototypes \
	-Wpointer-arith -Wcast-qual -Wsign-compare -Werror
CFLAGS	?= -O2 -g
CPPFLAGS_ALL = -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L \
	$(shell pkg-config --cflags $(PKGS) 2>/dev/null)
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

.PHONY: all deps check unit fuzz fuzz-build bench run demo install clean
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

$(BUILD)/libproto.a: $(PROTO_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

LINK = $(CC) $(CFLAGS_ALL) -o $@ $^ $(LIBS)

$(BUILD)/bgpwatchd: $(OBJ)/bgpd/bgpwatchd.o $(call archives,$(uses_ctl))
	$(LINK)

# The CLI links the configuration, the event reader and JSON printer and
# nothing else of the daemon (tests/check/layers.sh checks with nm).
$(BUILD)/bgpwatchctl: $(OBJ)/bgpctl/bgpwatchctl.o $(call archives,event conf lib)
	$(LINK)

FEED_SRCS := $(wildcard bgpfeed/*.c)
$(BUILD)/bgpfeed: $(FEED_SRCS:%.c=$(OBJ)/%.o) $(call archives,lib)
	$(LINK) -lm

# Each test and tool links only the archives of the layer it tests:
# t_NAME lists them (default: the codec alone).
t_test_config := conf lib
t_test_json := lib
t_test_sock := lib
t_test_mrt := lib
t_test_trie := $(uses_rib)
t_test_rib := $(uses_rib)
t_test_intern := $(uses_rib)
t_test_msgtap := $(uses_rib)
t_test_detect := $(uses_detect)
t_test_rirstats := $(uses_detect)
t_test_evt := $(uses_event)
t_test_evt_fanout := $(uses_event)
t_test_evt_stream := $(uses_event)
t_test_control := $(uses_ctl)
t_detectbench := $(uses_detect)
t_ribbench := $(uses_rib)
t_evtgen := $(uses_event)
t_mkseeds := lib
t_mrtdump := lib

.SECONDEXPANSION:
$(BUILD)/tools/%: $(OBJ)/tests/tools/%.o $$(call archives,$$(t_%))
	@mkdir -p $(dir $@)
	$(LINK)

$(BUILD)/tests/%: $(OBJ)/tests/%.o $$(call archives,$$(t_%))
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(LIBS) $(TESTLIBS)

# libFuzzer targets: clang, the codec compiled in with ASan and UBSan.
FUZZ_CC	?= clang
FUZZ_FLAGS := -std=c11 -g -O1 -Iinclude -Iproto -D_DEFAULT_SOURCE \
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
