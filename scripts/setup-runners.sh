#!/usr/bin/env bash
# The Beam runners' own parts, fetched once and cached under .cache/runners
# (safe to run again; each part is rebuilt only when its inputs change):
#   flink     Beam's Flink job server (Beam 2.49.0, Flink 1.15) as a class path
#             resolved by Maven from runners/flink/pom.xml (Maven Central has
#             no shaded job-server jar for 2.49.0). Needs Java 11+ and mvn.
#   dataflow  a Python 3.11 venv with apache-beam==2.49.0 (and its Dataflow API clients) for Beam's
#             Dataflow job service (runners/dataflow/requirements.txt, pinned
#             by constraints.txt).
#   fakegcs   fsouza/fake-gcs-server, the local stack's Cloud Storage emulator
#             (it keeps ifGenerationMatch and publishes bucket notifications),
#             built from the Go module proxy at the pinned version. Needs Go.
# Usage: scripts/setup-runners.sh [flink] [dataflow] [fakegcs]   (all when none named)
set -euo pipefail
cd "$(dirname "$0")/.."
cache=.cache/runners
mkdir -p "$cache"
parts=("$@")
((${#parts[@]})) || parts=(flink dataflow fakegcs)

stamp_of() { cat "$@" | sha256sum | cut -c1-16; }

flink() {
  local out="$cache/flink" stamp
  stamp=$(stamp_of runners/flink/pom.xml)
  if [[ -s "$out/classpath.txt" && "$(cat "$out/stamp" 2>/dev/null)" == "$stamp" ]]; then return; fi
  command -v mvn >/dev/null || { echo "setup-runners: Maven (mvn) is needed for the Flink job server" >&2; exit 1; }
  command -v java >/dev/null || { echo "setup-runners: Java 11+ is needed for the Flink job server" >&2; exit 1; }
  mkdir -p "$out"
  echo "setup-runners: resolving the Flink job server's class path with Maven (first time: 2-3 minutes)"
  mvn -B -q -Dstyle.color=never -f runners/flink/pom.xml dependency:build-classpath -Dmdep.outputFile="$PWD/$out/classpath.txt"
  echo "$stamp" >"$out/stamp"
}

dataflow() {
  local out="$cache/dataflow-venv" stamp python=""
  stamp=$(stamp_of runners/dataflow/requirements.txt runners/dataflow/constraints.txt)
  if [[ -x "$out/bin/python" && "$(cat "$out/stamp" 2>/dev/null)" == "$stamp" ]]; then return; fi
  for candidate in python3.11 /usr/bin/python3.11 python3; do
    if command -v "$candidate" >/dev/null && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
      python="$candidate"; break
    fi
  done
  [[ -n "$python" ]] || { echo "setup-runners: Python 3.11 is needed (apache-beam 2.49.0 has no wheels for later versions)" >&2; exit 1; }
  echo "setup-runners: installing apache-beam==2.49.0 (Dataflow job service) into $out (first time: 2-3 minutes)"
  rm -rf "$out"
  "$python" -m venv "$out"
  "$out/bin/pip" install -q --disable-pip-version-check -r runners/dataflow/requirements.txt -c runners/dataflow/constraints.txt
  echo "$stamp" >"$out/stamp"
}

# The version is pinned here; its go.mod asks for Go 1.26 (GOTOOLCHAIN=auto fetches it from the module proxy when the local Go is older).
FAKE_GCS_VERSION=v1.56.1
fakegcs() {
  local out="$cache/fake-gcs-server"
  if [[ -x "$out/fake-gcs-server" && "$(cat "$out/stamp" 2>/dev/null)" == "$FAKE_GCS_VERSION" ]]; then return; fi
  command -v go >/dev/null || { echo "setup-runners: Go is needed to build the storage emulator (fake-gcs-server)" >&2; exit 1; }
  local minor
  minor=$(go env GOVERSION | sed -E 's/^go1\.([0-9]+).*/\1/')
  if ((minor < 21)); then
    echo "setup-runners: fake-gcs-server needs Go 1.26, which Go 1.21 or later fetches by itself; $(go env GOVERSION) cannot (Debian bookworm: golang from bookworm-backports)" >&2
    exit 1
  fi
  mkdir -p "$out"
  echo "setup-runners: building fake-gcs-server $FAKE_GCS_VERSION from the Go module proxy (first time: 3-5 minutes)"
  GOBIN="$PWD/$out" GOTOOLCHAIN=auto GOFLAGS=-mod=mod CGO_ENABLED=0 \
    go install -ldflags="-s -w" "github.com/fsouza/fake-gcs-server@$FAKE_GCS_VERSION"
  echo "$FAKE_GCS_VERSION" >"$out/stamp"
}

for part in "${parts[@]}"; do "$part"; done
