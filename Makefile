# vmint — build, test, install.
#   make            build bin/vmint
#   make check      build and run every test (unit tests with cmocka, end-to-end with prove)
#   make install PREFIX=/usr/local
PREFIX  ?= /usr/local
CC      ?= gcc
PKGS    := babeltrace2 gsl jansson
SVM_CFLAGS ?=
SVM_LIBS   ?= -lsvm
CFLAGS  ?= -O2 -g
CFLAGS  += -std=c11 -D_POSIX_C_SOURCE=200809L -D_XOPEN_SOURCE=700 -D_DEFAULT_SOURCE -Wall -Wextra -Werror \
           -I. $(shell pkg-config --cflags $(PKGS)) $(SVM_CFLAGS)
LDLIBS  += $(shell pkg-config --libs $(PKGS)) $(SVM_LIBS) -lm

BUILD   ?= build
SRCDIRS := common extract model detect datasets
LIB_SRC := $(foreach d,$(SRCDIRS),$(wildcard $(d)/*.c))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
LIB     := $(BUILD)/libvmint.a
BIN     := bin/vmint

UNIT_SRC := $(wildcard tests/unit/test-*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all check unit e2e install clean setup
all: $(BIN)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(LIB): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BIN): $(BUILD)/vmint.o $(LIB)
	@mkdir -p bin
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -o $@ $< $(LIB) $(LDLIBS) $(shell pkg-config --libs cmocka)

setup:
	@scripts/setup.sh

check: setup
	$(MAKE) $(BIN) $(UNIT_BIN)
	$(MAKE) unit e2e

unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "# $$t"; $$t; done

e2e: $(BIN)
	prove -v tests/e2e/

install: $(BIN)
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/vmint

clean:
	rm -rf $(BUILD) bin

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
