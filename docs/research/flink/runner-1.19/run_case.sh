#!/bin/bash
# One streaming experiment in a fresh JVM (job server + Pub/Sub emulator on 18085):
#   idle IDLE s -> (a) lone msg -> wait for its group -> (b) burst of 20 -> wait -> 60 s after (b): (c) lone msg -> wait
#   -> wait 2 checkpoints -> cancel through Flink REST -> pull 13 s later (ack deadline 10 s) -> stop everything.
# Usage: run_case.sh NAME CPFILE [IDLE=90] [WAITMAX=150]   env: JDK_JAVA_OPTIONS, JAVA_OPTS, STREAM_OPTS
NAME=$1; export CPFILE=$2; IDLE=${3:-90}; WAITMAX=${4:-150}
cd /tmp/flink119
export NODE_PATH=/tmp/flink119/node_modules:/work/main/node_modules PUBSUB_EMULATOR_HOST=127.0.0.1:18085
L=logs/jvm-$NAME.log; OUT=/tmp/flink119/out/$NAME.jsonl; rm -f $OUT; rm -rf checkpoints artifacts
ts() { date -u +%H:%M:%S; }
T0=$(date +%s.%N)
EMULATOR=1 JAVA_OPTS="${JAVA_OPTS:--Xmx2g}" ./start-onejvm.sh > $L 2>&1 & JPID=$!
cleanup() { kill $MPID $NPID 2>/dev/null; kill $JPID 2>/dev/null; sleep 3; kill -9 $JPID 2>/dev/null; wait 2>/dev/null; }
trap cleanup EXIT
for i in $(seq 1 240); do ss -ltn | grep -q ":18099 " && ss -ltn | grep -q ":18098 " && ss -ltn | grep -q ":18085 " && break; sleep 0.25; done
echo "[case] $(ts) services up after $(echo "$(date +%s.%N) - $T0" | bc) s"
node pubsub_admin.js setup probe-topic probe-sub 10
python3 monitor.py $L 5 > logs/mon-$NAME.log 2>&1 & MPID=$!
node ${PIPELINE:-pipeline_stream119.js} 127.0.0.1:18099 127.0.0.1:18098 projects/videoflow-local/subscriptions/probe-sub $OUT 1 5000 > logs/run-$NAME.log 2>&1 & NPID=$!
for i in $(seq 1 120); do grep -q "state RUNNING" logs/run-$NAME.log && break; grep -q "\[probe\] error" logs/run-$NAME.log && { grep "\[probe\]" logs/run-$NAME.log; exit 1; }; sleep 1; done
grep "\[probe\]" logs/run-$NAME.log
ckpt() { grep -oE 'Completed checkpoint [0-9]+ for job [0-9a-f]+ \([0-9]+ bytes' $L | tail -1 | sed -E 's/for job [0-9a-f]+ //'; }
echo "[case] $(ts) idle ${IDLE}s; $(ckpt)"; sleep $IDLE; echo "[case] $(ts) after idle: $(ckpt)"
waitfor() { # key publishEpoch
  for i in $(seq 1 $WAITMAX); do
    if [ -s $OUT ] && grep -q "\"key\":\"$1\"" $OUT; then echo "[case] $(ts) key $1 fired $(( $(date +%s) - $2 )) s after publish; $(ckpt)"; grep "\"key\":\"$1\"" $OUT | cut -c1-300; return 0; fi
    sleep 1
  done
  echo "[case] $(ts) key $1 NOT fired within $WAITMAX s; $(ckpt)"; tail -1 logs/mon-$NAME.log; return 1
}
echo "[case] (a) publish lone1: $(node pubsub_admin.js publish probe-topic lone1 k=lone1)"; TA=$(date +%s); waitfor lone1 $TA
echo "[case] (b) burst: $(node pubsub_admin.js burst probe-topic ${BURST:-20} burst k=burst)"; TB=$(date +%s); waitfor burst $TB
REM=$(( TB + 60 - $(date +%s) )); [ $REM -gt 0 ] && sleep $REM
echo "[case] (c) publish lone2: $(node pubsub_admin.js publish probe-topic lone2 k=lone2)"; TC=$(date +%s); waitfor lone2 $TC
if [ "${TAIL:-0}" -gt 0 ]; then echo "[case] $(ts) tail idle ${TAIL}s: $(ckpt)"; sleep $TAIL; echo "[case] (d) publish lone3: $(node pubsub_admin.js publish probe-topic lone3 k=lone3)"; TD=$(date +%s); waitfor lone3 $TD; fi
N0=$(ckpt | grep -oE '[0-9]+' | head -1); for i in $(seq 1 60); do N=$(ckpt | grep -oE '[0-9]+' | head -1); [ "$N" -ge $(( N0 + 2 )) ] 2>/dev/null && break; sleep 1; done
echo "[case] $(ts) before cancel: $(ckpt)"
if [ -n "$EARLYCANCEL" ]; then echo "[case] (e) publish early: $(node pubsub_admin.js publish probe-topic early k=early) then cancel 3 s later (before its window can fire)"; sleep 3; fi
./flink_cancel_all.sh $L
sleep 13
echo "[case] $(ts) pull 13 s after Flink cancel: $(node pubsub_admin.js pull probe-sub)"
echo "[case] $(ts) RSS of JVM $(ps -o rss= -p $JPID) KB"
echo "[case] output lines: $(wc -l < $OUT 2>/dev/null)"
echo "[case] add-opens errors in JVM log: $(grep -c InaccessibleObject $L)"
echo "[case] done"
