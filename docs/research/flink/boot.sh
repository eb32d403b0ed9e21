#!/bin/bash
# PROCESS-environment boot command for the TypeScript worker.
# Flink's ProcessEnvironmentFactory runs: boot.sh --id=... --provision_endpoint=... --logging_endpoint=...
#   --artifact_endpoint=... --control_endpoint=...  (recorded in boot-argv.log)
# The TS worker_main.js needs --options (JSON pipeline options); we fetch them from the
# provision service in boot.js and then run worker_main.js in the same node process.
LOG=/tmp/flink-probe/boot-argv.log
{ echo "=== $(date -Is) pid=$$ cwd=$(pwd)"; printf 'argv: '; printf '%q ' "$@"; echo; env | grep -E '^(NODE|PATH|HOME|PIPELINE|BEAM|SEMI|JAVA|FLINK)' | sed 's/^/env: /'; } >> "$LOG"
# Registered module names (requireForSerialization) are require()d from worker_main.js inside
# node_modules/apache-beam, so they must be resolvable from there or via NODE_PATH.
export NODE_PATH=/tmp/flink-probe/node_modules:/work/main/node_modules
[ -z "$NO_DEDUPE" ] && export NODE_OPTIONS="-r /tmp/flink-probe/grpc-dedupe.js"
exec node /tmp/flink-probe/boot.js "$@" >> /tmp/flink-probe/worker-$$.log 2>&1
