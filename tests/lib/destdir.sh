# What `make install DESTDIR=...` left (part of tests/lib/lib.sh), for tests/install.sh and
# tests/completions.sh.
#
# shellcheck shell=bash

# files DESTDIR: every file and link under DESTDIR as the installed system's path, sorted.
files() { (cd "$1" && find . ! -type d | sed 's|^\.||' | LC_ALL=C sort); }

# uninstalled DESTDIR: nothing but directories is left (else lists what is).
uninstalled() { [ -z "$(files "$1")" ] || { files "$1"; return 1; }; }
