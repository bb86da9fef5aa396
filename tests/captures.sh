#!/bin/bash
# Golden and crafted-input tests on the captures in captures/.
# Scratch files go to a tmpfs when there is one: every export is
# fsync()ed before its rename (atomic_file.c), and on a disk that wait,
# not the analysis, was most of the time of the thousands of short runs
# in truncate.sh. What is tested does not depend on the file system.
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then
	export TMPDIR=/dev/shm
fi
exec "$(dirname "$0")/run-scripts.sh" "$(dirname "$0")/cap" "$1"
