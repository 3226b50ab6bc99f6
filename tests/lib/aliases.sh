# modules.alias patterns turned into strings they match (part of tests/lib/lib.sh), for queries
# that exercise alias lookup with concrete modaliases.
#
# shellcheck shell=bash

# instantiate [STAR [QMARK [MAX]]]: reads fnmatch patterns (one a line) and prints, for each, a
# string it matches: `*` -> STAR (default 0), `?` -> QMARK (default a), `[class]` -> the class's
# first character; a pattern with a negated class (`[!...]`, `[^...]`) or an unclosed bracket is
# skipped (so is one that comes out empty). At most MAX lines (default: no limit).
instantiate() {
    awk -v star="${1-0}" -v qmark="${2-a}" -v max="${3:-0}" '
        function inst(p,   r, i, c, j, cls) {
            r = ""
            for (i = 1; i <= length(p); i++) {
                c = substr(p, i, 1)
                if (c == "*") r = r star
                else if (c == "?") r = r qmark
                else if (c == "[") {
                    j = index(substr(p, i + 1), "]")
                    if (j < 2) return ""
                    cls = substr(p, i + 1, j - 1)
                    if (cls ~ /^[!^]/) return ""
                    r = r substr(cls, 1, 1)
                    i += j
                } else r = r c
            }
            return r
        }
        max > 0 && n >= max { next }
        { q = inst($0); if (q != "") { print q; n++ } }'
}
