# modutils-rs: build and install the way a packager expects.
#
#   make                      release build of every tool
#   make install              install under $(DESTDIR)$(PREFIX) (see the variables below)
#   make install MULTICALL=1  only the kmod binary, the tools as symlinks to it (kmod's layout)
#   make static               statically linked binaries (glibc, crt-static) for an initramfs,
#                             in target/$(TARGET)/release; `make install STATIC=1` installs them
#   make uninstall            removes what `make install` (with the same variables) installed
#
# Variables (all may be given on the command line):
#   PREFIX=/usr/local  DESTDIR=  BINDIR=$(PREFIX)/bin  SBINDIR=$(PREFIX)/sbin
#   MANDIR=$(PREFIX)/share/man  BASHCOMPDIR, ZSHCOMPDIR, FISHCOMPDIR (under $(PREFIX)/share)
#   CARGO=cargo  TARGET=<host triple> (for the static build)
# Debian's own layout, for instance:
#   make install PREFIX=/usr SBINDIR=/sbin BINDIR=/bin MULTICALL=1 DESTDIR=debian/tmp

PREFIX ?= /usr/local
DESTDIR ?=
BINDIR ?= $(PREFIX)/bin
SBINDIR ?= $(PREFIX)/sbin
DATADIR ?= $(PREFIX)/share
MANDIR ?= $(DATADIR)/man
BASHCOMPDIR ?= $(DATADIR)/bash-completion/completions
ZSHCOMPDIR ?= $(DATADIR)/zsh/site-functions
FISHCOMPDIR ?= $(DATADIR)/fish/vendor_completions.d
CARGO ?= cargo
INSTALL ?= install
MULTICALL ?= 0
STATIC ?= 0
TARGET ?= $(shell rustc -vV 2>/dev/null | sed -n 's/^host: //p')

TOOLS := insmod rmmod lsmod modprobe depmod modinfo
PROGRAMS := kmod $(TOOLS)
# Man pages (man/, written by hand; kmod/tests/docs.rs keeps them in step with the options)
# and completions (completions/<shell>/).
MAN8 := $(PROGRAMS)
MAN5 := modprobe.d depmod.d modules.dep modules.dep.bin
PACKAGES := $(addprefix -p ,$(PROGRAMS))

# The static recipe of the QEMU harness (tests/vm/harness.sh): crt-static with an explicit
# --target, so RUSTFLAGS reach the tools but not build scripts or proc macros.
STATIC_FLAGS := -C target-feature=+crt-static
ifeq ($(STATIC),1)
BUILT := target/$(TARGET)/release
else
BUILT := target/release
endif

.PHONY: all build static install uninstall clean

all: build

build:
ifeq ($(STATIC),1)
	$(MAKE) static
else
	$(CARGO) build --release $(PACKAGES)
endif

static:
	RUSTFLAGS='$(STATIC_FLAGS)' $(CARGO) build --release --target $(TARGET) $(PACKAGES)
	@for p in $(PROGRAMS); do \
	    if readelf -l target/$(TARGET)/release/$$p | grep -q 'Requesting program interpreter'; then \
	        echo "target/$(TARGET)/release/$$p is not statically linked" >&2; exit 1; \
	    fi; \
	done
	@echo "static binaries in target/$(TARGET)/release"

install: build
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man5 \
	    $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(FISHCOMPDIR)
	$(INSTALL) -m 755 $(BUILT)/kmod $(DESTDIR)$(BINDIR)/kmod
ifeq ($(MULTICALL),1)
	for t in $(TOOLS); do ln -sf $(BINDIR)/kmod $(DESTDIR)$(SBINDIR)/$$t; done
else
	for t in $(TOOLS); do $(INSTALL) -m 755 $(BUILT)/$$t $(DESTDIR)$(SBINDIR)/$$t; done
endif
	for m in $(MAN8); do $(INSTALL) -m 644 man/$$m.8 $(DESTDIR)$(MANDIR)/man8/ || exit 1; done
	for m in $(MAN5); do $(INSTALL) -m 644 man/$$m.5 $(DESTDIR)$(MANDIR)/man5/ || exit 1; done
	for p in $(PROGRAMS); do \
	    $(INSTALL) -m 644 completions/bash/$$p $(DESTDIR)$(BASHCOMPDIR)/$$p && \
	    $(INSTALL) -m 644 completions/zsh/_$$p $(DESTDIR)$(ZSHCOMPDIR)/_$$p && \
	    $(INSTALL) -m 644 completions/fish/$$p.fish $(DESTDIR)$(FISHCOMPDIR)/$$p.fish \
	    || exit 1; \
	done

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/kmod
	for t in $(TOOLS); do rm -f $(DESTDIR)$(SBINDIR)/$$t; done
	for m in $(MAN8); do rm -f $(DESTDIR)$(MANDIR)/man8/$$m.8; done
	for m in $(MAN5); do rm -f $(DESTDIR)$(MANDIR)/man5/$$m.5; done
	for p in $(PROGRAMS); do \
	    rm -f $(DESTDIR)$(BASHCOMPDIR)/$$p \
	        $(DESTDIR)$(ZSHCOMPDIR)/_$$p $(DESTDIR)$(FISHCOMPDIR)/$$p.fish; \
	done

clean:
	$(CARGO) clean
