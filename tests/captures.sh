#!/bin/bash
# Golden and crafted-input tests on the captures in captures/.
# Scratch files go to a tmpfs when there is one: every export is
# fsync()ed before its rename (atomic_file.c), and on a disk that wait,
# not the analysis, was most of the time of the thousands of short runs
# in truncate.sh. What is tested does not depend on the file system.
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then
	export TMPDIR=/dev/shm
fi
# Two scripts (one per CPU) at a time: the capture tests share nothing
# (each has its own scratch folder, tmux socket, and port 0 listeners),
# and several spend most of their time waiting (tmux, Chromium, kills at
# random moments), which the other CPU fills. The longest start first so
# that the short ones fill the gaps at the end.
export RUN_JOBS=${RUN_JOBS:-$(nproc 2>/dev/null || echo 1)}
export RUN_FIRST=${RUN_FIRST:-"truncate valgrind html-report view-tmux crafted-tcp signals tunnels"}
exec "$(dirname "$0")/run-scripts.sh" "$(dirname "$0")/cap" "$1"
