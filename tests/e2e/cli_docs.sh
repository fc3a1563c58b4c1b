#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# --help and the man page of each binary list the same long options, so neither drifts; and
# --help and --version succeed.
. "$(dirname "$0")/lib.sh"

# Long option names in a text (roff escapes its hyphens as \-).
options() {
	sed 's/\\-/-/g' | grep -oE -- '(^|[^a-z-])--[a-z][a-z-]+' | sed -E 's/.*--//' | sort -u
}

for bin in "$AGENT" "$COLLECTOR" "$CTL" "$RAQIB_BUILD_DIR/notify/raqib-notify"; do
	name=$(basename "$bin")
	man=$RAQIB_SOURCE_DIR/docs/man/$name.1
	[ -r "$man" ] || fail "no man page $man"
	"$bin" --help >"$TMP/help" || fail "$name --help failed"
	"$bin" --version | grep -q "^$name [0-9]" || fail "$name --version"
	options <"$TMP/help" >"$TMP/help.opts"
	options <"$man" >"$TMP/man.opts"
	[ -s "$TMP/help.opts" ] || fail "no options found in $name --help"
	diff -u "$TMP/help.opts" "$TMP/man.opts" >"$TMP/diff" ||
		fail "$name: --help and $man list different options: $(cat "$TMP/diff")"
done
echo "PASS"
