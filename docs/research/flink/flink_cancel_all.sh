#!/bin/bash
# Cancel every running Flink job in every local MiniCluster the job server started (the Beam job
# API's Cancel leaves [local] Flink jobs running). Reads REST ports from the job-server log ($1).
LOG=${1:-/tmp/flink-probe/onejvm.log}
for p in $(grep -oE "Rest endpoint listening at localhost:[0-9]+" "$LOG" | grep -oE "[0-9]+$" | sort -u); do
  for j in $(curl -sS --max-time 3 http://localhost:$p/jobs/overview 2>/dev/null | python3 -c 'import sys,json; [print(j["jid"]) for j in json.load(sys.stdin)["jobs"] if j["state"] not in ("FINISHED","CANCELED","FAILED")]' 2>/dev/null); do
    echo "cancel $j on :$p"; curl -sS -X PATCH "http://localhost:$p/jobs/$j?mode=cancel"; echo
  done
done
