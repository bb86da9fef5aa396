#!/bin/bash
# Golden and crafted-input tests on the captures in captures/.
exec "$(dirname "$0")/run-scripts.sh" "$(dirname "$0")/cap" "$1"
