#!/bin/bash
# docs/deploy.md's Prometheus files are real: the example prometheus.yml
# passes `promtool check config`, the alert rules `promtool check rules`,
# and `promtool test rules` shows each alert firing on the series an
# iscsiwatch sensor serves (and the degraded alert quiet on healthy ones).
set -u
cd "$(dirname "$0")/../.." || exit 2
command -v promtool >/dev/null 2>&1 || { echo "promtool not installed (Debian package prometheus)"; exit 77; }
d=docs/prometheus
fail=0
promtool check config "$d/prometheus.yml" || fail=1
promtool check rules "$d/iscsiwatch.rules.yml" || fail=1
(cd "$d" && promtool test rules iscsiwatch.rules.test.yml) || fail=1
[ "$fail" -eq 0 ] && echo "all checks passed"
exit "$fail"
