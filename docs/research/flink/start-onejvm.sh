#!/bin/bash
# One JVM: Flink 1.15 job server (Beam 2.49.0, job port 8099, expansion port 8098)
#        + Pub/Sub emulator on 127.0.0.1:8085 (own class loader)
#        + standalone Java ExpansionService on 8097 with --defaultEnvironmentType=EMBEDDED.
# Extra java args (heap, --add-opens) via $JAVA_OPTS.
cd /tmp/flink-probe
CP=/tmp/flink-probe/launcher:$(cat /tmp/flink-probe/gcp/cp.txt)
exec java $JAVA_OPTS \
  -Demulator.jar=$(ls /usr/lib/google-cloud-sdk/platform/pubsub-emulator/lib/cloud-pubsub-emulator-*.jar) \
  -Demulator.args="--host=127.0.0.1 --port=8085" \
  -Dexpansion.args="8097 --defaultEnvironmentType=EMBEDDED${EXPANSION_EXTRA:+ $EXPANSION_EXTRA}" \
  -cp "$CP" OneJvm \
  --flink-master '[local]' --job-port 8099 --artifact-port 0 --expansion-port 8098 \
  --artifacts-dir /tmp/flink-probe/artifacts
