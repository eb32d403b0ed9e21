#!/bin/bash
# Fresh JVM (job server + emulator + expansion service), one streaming job, one published message.
# Usage: run_stream_case.sh NAME TSENV CHECKPOINT_MS WAIT_SECONDS [STREAM_OPTS_JSON] [EXPANSION_EXTRA]
NAME=$1; TSENV=$2; CKPT=$3; WAIT=$4; SOPTS=${5:-{\}}; export EXPANSION_EXTRA=$6
cd /tmp/flink-probe
export NODE_PATH=/tmp/flink-probe/node_modules:/work/main/node_modules PUBSUB_EMULATOR_HOST=127.0.0.1:8085
JDK_JAVA_OPTIONS="$(cat jvm-opens.txt)" JAVA_OPTS="${JAVA_OPTS:--Xmx2g}" ./start-onejvm.sh > jvm-$NAME.log 2>&1 &
JPID=$!; echo $JPID > onejvm.pid
T0=$(date +%s.%N)
for i in $(seq 1 160); do ss -ltn | grep -q ":8099 " && ss -ltn | grep -q ":8097 " && break; sleep 0.25; done
echo "[case] services up after $(echo "$(date +%s.%N) - $T0" | bc) s"
sleep 1
node pubsub_admin.js setup probe-topic probe-sub 10
rm -f out/$NAME.jsonl boot-argv.log worker-*.log
NODE_OPTIONS="-r /tmp/flink-probe/grpc-dedupe.js" BEAM_SERVICE_OVERRIDES="{\"sdks:java:io:google-cloud-platform:expansion-service:shadowJar\":\"localhost:${EXP_PORT:-8097}\"}" STREAM_OPTS="$SOPTS" \
  node pipeline_stream.js localhost:8099 projects/probe-project/subscriptions/probe-sub /tmp/flink-probe/out/$NAME.jsonl 10 $CKPT $TSENV > run-$NAME.log 2>&1 &
NPID=$!
sleep 25
grep "\[probe\]" run-$NAME.log
node pubsub_admin.js publish probe-topic "msg-$NAME" k=$NAME eventType=OBJECT_FINALIZE
TP=$(date +%s)
for i in $(seq 1 $WAIT); do
  if [ -s out/$NAME.jsonl ] && [ -z "$FIRED" ]; then FIRED=1; echo "[case] output $(( $(date +%s) - TP )) s after publish"; cat out/$NAME.jsonl; fi
  if (( i % 30 == 0 )); then echo "[case] t+${i}s rss=$(ps -o rss= -p $JPID) KB ckpt: $(grep -oE 'Completed checkpoint [0-9]+ for job [0-9a-f]+ \([0-9]+ bytes' jvm-$NAME.log | tail -1)"; fi
  [ -n "$FIRED" ] && [ -n "$STOP_ON_FIRE" ] && break
  sleep 1
done
[ -z "$FIRED" ] && echo "[case] no output within $WAIT s"
./flink_cancel_all.sh jvm-$NAME.log > /dev/null
kill -TERM $NPID 2>/dev/null
sleep 13
echo "[case] pull 13 s after cancel: $(node pubsub_admin.js pull probe-sub)"
kill $JPID; wait $JPID 2>/dev/null
echo "[case] done"
