# modutils-rs: build and install the way a packager expects.
#
#   make                      release build of every tool
#   make install              install under $(DESTDIR)$(PREFIX) (see the variables below)
#   make install MULTICALL=1  only the kmod binary, the tools as symlinks to it (kmod's layout)
#   make static               statically linked binaries (glibc, crt-static) for an initramfs,
#                             in target/$(TARGET)/release; `make install STATIC=1` installs them
#   make uninstall            removes what `make install` (with the same variables) installed
#   make libkmod              libkmod.so.2 alone (target/release/libkmod_rs.so, soname libkmod.so.2)
#   make deb                  Debian packages modutils-rs and libkmod2-rs, in place of kmod and
#                             libkmod2, in $(DEB_DIR) (debian/, docs/debian-package.md)
#
# Variables (all may be given on the command line):
#   PREFIX=/usr/local  DESTDIR=  BINDIR=$(PREFIX)/bin  SBINDIR=$(PREFIX)/sbin
#   MANDIR=$(PREFIX)/share/man  BASHCOMPDIR, BASHCOMPATDIR, ZSHCOMPDIR, FISHCOMPDIR (see below)
#   LIBDIR=$(PREFIX)/lib  INCLUDEDIR=$(PREFIX)/include  PKGCONFIGDIR=$(LIBDIR)/pkgconfig
#   LIBKMOD=1: install libkmod.so.2 (with libkmod.h and libkmod.pc); 0 (the default with
#     STATIC=1, whose binaries don't use it) leaves it out
#   CARGO=cargo  TARGET=<host triple> (for the static build)
# Debian's own layout, for instance:
#   make install PREFIX=/usr SBINDIR=/sbin BINDIR=/bin MULTICALL=1 DESTDIR=debian/tmp \
#       LIBDIR=/usr/lib/x86_64-linux-gnu
# The library goes where kmod's is: LIBDIR/libkmod.so.2.5.1 (kmod 34.2's file name, so it takes
# the place of kmod's), the links libkmod.so.2 (the soname) and libkmod.so (for -lkmod), and
# libkmod.h and libkmod.pc for programs built against it.

PREFIX ?= /usr/local
DESTDIR ?=
BINDIR ?= $(PREFIX)/bin
SBINDIR ?= $(PREFIX)/sbin
DATADIR ?= $(PREFIX)/share
MANDIR ?= $(DATADIR)/man
# Completions (completions/<shell>/, written by hand). Where they go, so that ours are the ones
# used for our seven commands without replacing another package's file: on Debian,
# bash-completion owns /usr/share/bash-completion/completions/{insmod,modinfo,modprobe,rmmod,
# insmod.static}, zsh-common /usr/share/zsh/functions/Completion/Linux/_modutils (insmod, lsmod,
# modinfo, modprobe, rmmod), fish-common /usr/share/fish/completions/{modinfo,modprobe,rmmod}.fish;
# kmod's package owns .../bash-completion/completions/kmod (Debian 13: also insmod, lsmod, rmmod),
# ours to own in a package that replaces kmod. Checked on Debian 12 by tests/completions.sh.
#  - bash: the seven files go to BASHCOMPDIR, a directory of ours that bash-completion does not
#    search, and a loader, completions/bash/modutils-rs.in, to BASHCOMPATDIR/modutils-rs.
#    bash-completion sources /etc/bash_completion.d/* at start-up, and loads a completion on
#    demand only for a command that has none: the loader registers our seven commands (and reads
#    a command's file from BASHCOMPDIR on its first TAB), so bash-completion never loads its own
#    or kmod's file for them, whatever its version (2.12 and later search their own directory
#    before /usr/local/share) and XDG_DATA_DIRS. This is also how a distribution package gets our
#    modprobe and modinfo completions: it ships the same two paths (the loader as a conffile),
#    no dpkg-divert needed. BASHCOMPATDIR= (empty) installs no loader: then point BASHCOMPDIR at
#    a directory bash-completion searches (e.g. ~/.local/share/bash-completion/completions).
#  - zsh: site-functions, or with PREFIX=/usr Debian's vendor-completions (Debian's zsh has no
#    /usr/share/zsh/site-functions in its fpath). Both come before .../Completion/Linux in fpath,
#    and compinit keeps the first #compdef it finds for a command.
#  - fish: fish loads the first file for a command along fish_complete_path. With PREFIX=/usr,
#    vendor_completions.d, searched before fish's own completions. Debian's fish searches
#    /usr/local/share/fish/vendor_completions.d only when XDG_DATA_DIRS names /usr/local/share,
#    so with PREFIX=/usr/local they go to /etc/fish/completions (the administrator's, searched
#    before both).
BASHCOMPDIR ?= $(DATADIR)/modutils-rs/bash-completion
BASHCOMPATDIR ?= /etc/bash_completion.d
ZSHCOMPDIR ?= $(if $(filter /usr,$(PREFIX)),$(DATADIR)/zsh/vendor-completions,$(DATADIR)/zsh/site-functions)
FISHCOMPDIR ?= $(if $(filter /usr/local,$(PREFIX)),/etc/fish/completions,$(DATADIR)/fish/vendor_completions.d)
CARGO ?= cargo
INSTALL ?= install
MULTICALL ?= 0
STATIC ?= 0
TARGET ?= $(shell rustc -vV 2>/dev/null | sed -n 's/^host: //p')
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
ifeq ($(STATIC),1)
LIBKMOD ?= 0
else
LIBKMOD ?= 1
endif
# kmod 34.2's file name for the library; the soname is libkmod.so.2.
LIBKMOD_FILE := libkmod.so.2.5.1

TOOLS := insmod rmmod lsmod modprobe depmod modinfo
PROGRAMS := kmod $(TOOLS)
# Man pages (man/, written by hand; kmod/tests/docs.rs keeps them in step with the options)
# and completions (completions/<shell>/).
MAN8 := $(PROGRAMS)
MAN5 := modprobe.d depmod.d modules.dep modules.dep.bin
# The binaries to build: MULTICALL=1 installs the kmod binary alone, the others need no build.
BUILT_PROGRAMS := $(if $(filter 1,$(MULTICALL)),kmod,$(PROGRAMS))
PACKAGES := $(addprefix -p ,$(BUILT_PROGRAMS))
COMPLETIONS := target/completions

# The static recipe of the test harness (cargo_static in tests/lib/build.sh): crt-static with an explicit
# --target, so RUSTFLAGS reach the tools but not build scripts or proc macros.
STATIC_FLAGS := -C target-feature=+crt-static
ifeq ($(STATIC),1)
BUILT := target/$(TARGET)/release
else
BUILT := target/release
endif

.PHONY: all build static libkmod install uninstall clean completions install-completions uninstall-completions deb

all: build

build:
ifeq ($(STATIC),1)
	$(MAKE) static
else
	$(CARGO) build --release $(PACKAGES)
endif
ifeq ($(LIBKMOD),1)
	$(MAKE) libkmod
endif

libkmod:
	$(CARGO) build --release -p libkmod

static:
	RUSTFLAGS='$(STATIC_FLAGS)' $(CARGO) build --release --target $(TARGET) $(PACKAGES)
	@for p in $(BUILT_PROGRAMS); do \
	    if readelf -l target/$(TARGET)/release/$$p | grep -q 'Requesting program interpreter'; then \
	        echo "target/$(TARGET)/release/$$p is not statically linked" >&2; exit 1; \
	    fi; \
	done
	@echo "static binaries in target/$(TARGET)/release"

install: build completions
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man5
	$(INSTALL) -m 755 $(BUILT)/kmod $(DESTDIR)$(BINDIR)/kmod
ifeq ($(MULTICALL),1)
	for t in $(TOOLS); do ln -sf $(BINDIR)/kmod $(DESTDIR)$(SBINDIR)/$$t; done
else
	for t in $(TOOLS); do $(INSTALL) -m 755 $(BUILT)/$$t $(DESTDIR)$(SBINDIR)/$$t; done
endif
	for m in $(MAN8); do $(INSTALL) -m 644 man/$$m.8 $(DESTDIR)$(MANDIR)/man8/ || exit 1; done
	for m in $(MAN5); do $(INSTALL) -m 644 man/$$m.5 $(DESTDIR)$(MANDIR)/man5/ || exit 1; done
	$(install-completions)
ifeq ($(LIBKMOD),1)
	$(INSTALL) -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(PKGCONFIGDIR)
	$(INSTALL) -m 644 target/release/libkmod_rs.so $(DESTDIR)$(LIBDIR)/$(LIBKMOD_FILE)
	ln -sfn $(LIBKMOD_FILE) $(DESTDIR)$(LIBDIR)/libkmod.so.2
	ln -sfn libkmod.so.2 $(DESTDIR)$(LIBDIR)/libkmod.so
	$(INSTALL) -m 644 libkmod/include/libkmod.h $(DESTDIR)$(INCLUDEDIR)/libkmod.h
	sed -e 's|@prefix@|$(PREFIX)|' -e 's|@libdir@|$(LIBDIR)|' -e 's|@includedir@|$(INCLUDEDIR)|' \
	    libkmod/libkmod.pc.in >$(DESTDIR)$(PKGCONFIGDIR)/libkmod.pc
	chmod 644 $(DESTDIR)$(PKGCONFIGDIR)/libkmod.pc
endif

# The completion files as installed: each command's file of completions/<shell>/ with the
# shell's common part (common.bash, common.zsh, common.fish) in place of its `# @common@` line.
completions:
	rm -rf $(COMPLETIONS)
	mkdir -p $(COMPLETIONS)/bash $(COMPLETIONS)/zsh $(COMPLETIONS)/fish
	for p in $(PROGRAMS); do \
	    for f in bash/$$p zsh/_$$p fish/$$p.fish; do \
	        sed -e '/^# @common@$$/{' -e "r completions/$${f%%/*}/common.$${f%%/*}" -e 'd' -e '}' \
	            completions/$$f >$(COMPLETIONS)/$$f || exit 1; \
	    done; \
	done

# The completions alone (no build), as `make install` installs them.
install-completions: completions
	$(install-completions)

define install-completions
$(INSTALL) -d $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(FISHCOMPDIR)
for p in $(PROGRAMS); do \
    $(INSTALL) -m 644 $(COMPLETIONS)/bash/$$p $(DESTDIR)$(BASHCOMPDIR)/$$p && \
    $(INSTALL) -m 644 $(COMPLETIONS)/zsh/_$$p $(DESTDIR)$(ZSHCOMPDIR)/_$$p && \
    $(INSTALL) -m 644 $(COMPLETIONS)/fish/$$p.fish $(DESTDIR)$(FISHCOMPDIR)/$$p.fish \
    || exit 1; \
done
if [ -n "$(BASHCOMPATDIR)" ]; then \
    $(INSTALL) -d $(DESTDIR)$(BASHCOMPATDIR) && \
    sed 's|@BASHCOMPDIR@|$(BASHCOMPDIR)|g' completions/bash/modutils-rs.in \
        >$(DESTDIR)$(BASHCOMPATDIR)/modutils-rs && \
    chmod 644 $(DESTDIR)$(BASHCOMPATDIR)/modutils-rs; \
fi
endef

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/kmod
	for t in $(TOOLS); do rm -f $(DESTDIR)$(SBINDIR)/$$t; done
	for m in $(MAN8); do rm -f $(DESTDIR)$(MANDIR)/man8/$$m.8; done
	for m in $(MAN5); do rm -f $(DESTDIR)$(MANDIR)/man5/$$m.5; done
	$(uninstall-completions)
ifeq ($(LIBKMOD),1)
	rm -f $(DESTDIR)$(LIBDIR)/$(LIBKMOD_FILE) $(DESTDIR)$(LIBDIR)/libkmod.so.2 $(DESTDIR)$(LIBDIR)/libkmod.so
	rm -f $(DESTDIR)$(INCLUDEDIR)/libkmod.h $(DESTDIR)$(PKGCONFIGDIR)/libkmod.pc
endif

uninstall-completions:
	$(uninstall-completions)

define uninstall-completions
for p in $(PROGRAMS); do \
    rm -f $(DESTDIR)$(BASHCOMPDIR)/$$p \
        $(DESTDIR)$(ZSHCOMPDIR)/_$$p $(DESTDIR)$(FISHCOMPDIR)/$$p.fish; \
done
if [ -n "$(BASHCOMPATDIR)" ]; then rm -f $(DESTDIR)$(BASHCOMPATDIR)/modutils-rs; fi
rmdir $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(DATADIR)/modutils-rs 2>/dev/null || true
endef

# Debian packages: the release build and `make install` in Debian's layout (MULTICALL=1, the
# multiarch LIBDIR) through debhelper (debian/rules), on a Debian machine with debhelper
# (apt-get install debhelper). `cargo fetch` is the only step that may use the network; the
# build itself runs with --offline. Files: $(DEB_DIR)/modutils-rs_<version>_<arch>.deb and
# $(DEB_DIR)/libkmod2-rs_<version>_<arch>.deb.
DEB_DIR ?= target/deb
deb:
	dpkg-checkbuilddeps
	$(CARGO) fetch --locked
	mkdir -p $(DEB_DIR)
	rm -f $(DEB_DIR)/modutils-rs_*.deb $(DEB_DIR)/libkmod2-rs_*.deb
	CARGO='$(CARGO) --offline' DEB_RULES_REQUIRES_ROOT=no debian/rules clean binary DEB_DIR=$(abspath $(DEB_DIR))
	@ls -1 $(DEB_DIR)/*.deb

clean:
	$(CARGO) clean
