#!/bin/sh
# STAND-IN for Google's Flex Template Go launcher
# (/opt/google/dataflow/go_template_launcher in
# gcr.io/dataflow-templates-base/go-template-launcher-base), which only gcr.io
# serves. Made by docker/stand-in-bases.sh for local image builds and the
# smoke test; Cloud Build uses the real launcher.
#
# What it reproduces of the real one's contract (../shared/notes/beam-runners.md,
# "Flex Template contract"): it runs the program $FLEX_TEMPLATE_GO_BINARY
# names, with the launch's parameters and the service's own flags (project,
# region, staging and temp locations, job name, template_location) as
# --name=value flags in alphabetical order, and fails the launch when the
# program exits non-zero, showing what the program printed. The real launcher
# gets the parameters from the launch request; this one takes them as its
# own arguments, --name=value.
set -eu
if [ -z "${FLEX_TEMPLATE_GO_BINARY:-}" ]; then
  echo "go_template_launcher (stand-in): FLEX_TEMPLATE_GO_BINARY is not set" >&2
  exit 1
fi
for arg in "$@"; do
  case "$arg" in
    --*=*) ;;
    *) echo "go_template_launcher (stand-in): expected --name=value, got: $arg" >&2; exit 1 ;;
  esac
done
sorted="$(printf '%s\n' "$@" | LC_ALL=C sort)"
# One flag per line; parameter values hold no newlines (the metadata's regexes forbid them).
old_ifs="$IFS"; IFS='
'
# shellcheck disable=SC2086
set -- $sorted
IFS="$old_ifs"
echo "go_template_launcher (stand-in): running $FLEX_TEMPLATE_GO_BINARY with $# flags" >&2
if "$FLEX_TEMPLATE_GO_BINARY" "$@"; then
  echo "go_template_launcher (stand-in): the program submitted the job" >&2
else
  status=$?
  echo "go_template_launcher (stand-in): launch failed: the program exited with status $status" >&2
  exit "$status"
fi
