#!/usr/bin/env bash
# The large-image case of bench/copy-vs-skopeo.sh: one single-platform image (no index) of three 245 MB
# layers, about 700 MiB, copied on loopback by each tool into a new, empty registry per round. Reports
# medians of whole-process wall time and peak RSS (targets: ratio <= 1.0, our peak RSS <= 200 MiB).
#
# Usage: bench/copy-large.sh [ROUNDS]   (default 3; env LAYER_BYTES, LAYERS as in copy-vs-skopeo.sh)
set -euo pipefail
PLATFORMS=single LAYERS="${LAYERS:-3}" LAYER_BYTES="${LAYER_BYTES:-245000000}" \
  exec "$(dirname "$0")/copy-vs-skopeo.sh" "${1:-3}"
