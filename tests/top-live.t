#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# refslabctl top's live screen, driven through tmux: start it in a
# detached session, create a heap meanwhile, and read the pane until the
# heap's row appears with its object count; then the p key (sort by pages)
# and q (quit, exit status 0).  Needs root, debugfs, /dev/refslab and
# tmux (the VM suite: its /tmp is a tmpfs, where the tmux socket goes).
# REFSLABCTL overrides the binary (default: build/refslabctl next to tests/).
here=$(cd "$(dirname "$0")" && pwd)
ctl=${REFSLABCTL:-$here/../build/refslabctl}
ctl=$(cd "$(dirname "$ctl")" && pwd)/$(basename "$ctl")
TMUX_TMPDIR=$(mktemp -d)
export TMUX_TMPDIR
# The pane's terminal is tmux's own; the client side only needs a known one.
export TERM=xterm
tmx() { tmux -L refslab-top "$@"; }
trap 'tmx kill-server 2>/dev/null; rm -rf "$TMUX_TMPDIR"' EXIT

n=0
ok() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		tmx capture-pane -p -t top 2>/dev/null | grep -v '^$' | sed 's/^/# pane: /'
	fi
}

# wait_pane SECONDS AWK-PROGRAM: until the pane shows a line the program
# accepts (it exits 0 when one did).
wait_pane() {
	local i
	for ((i = 0; i < $1 * 4; i++)); do
		tmx capture-pane -p -t top 2>/dev/null >"$TMUX_TMPDIR/pane" &&
			awk -v pid=$$ "$2" "$TMUX_TMPDIR/pane" && return 0
		sleep 0.25
	done
	return 1
}

echo "1..5"
command -v tmux >/dev/null || { echo "Bail out! tmux is not installed"; exit 1; }

tmx new-session -d -s top -x 132 -y 60 \
	"'$ctl' top --interval 1; echo \$? >'$TMUX_TMPDIR/status'; sleep 60"
ok $? "tmux session with refslabctl top started"

wait_pane 20 '/^refslabctl top - every 1s, caches by active objects/ { f = 1 } END { exit !f }'
ok $? "the live screen is drawn"

# A heap of this shell, created while top runs.
exec 3<>/dev/refslab || { echo "Bail out! cannot open /dev/refslab"; exit 1; }
for _ in 1 2 3 4; do
	"$ctl" --fd 3 create --slots 2 >/dev/null || { echo "Bail out! create failed"; exit 1; }
done
# shellcheck disable=SC2016 # an awk program
wait_pane 20 '$1 == pid && $2 == 4 && $4 == 4 { f = 1 } END { exit !f }'
ok $? "heap $$ created meanwhile appears with 4 objects and 4 handles"

tmx send-keys -t top p
wait_pane 10 '/^refslabctl top - every 1s, caches by pages/ { f = 1 } END { exit !f }'
ok $? "key p sorts the caches by pages"

tmx send-keys -t top q
# top's exit status, written by the pane's shell after it (tmux's own
# pane_dead_status is not reliable in the VM).
st=
for ((i = 0; i < 40; i++)); do
	[ -s "$TMUX_TMPDIR/status" ] && st=$(cat "$TMUX_TMPDIR/status") && break
	sleep 0.25
done
[ "$st" = 0 ]
ok $? "key q quits with status 0 (status ${st:-not written})"
exec 3>&-
