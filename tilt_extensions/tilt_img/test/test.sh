#!/usr/bin/env bash
# As in tilt-extensions: load the test Tiltfile. With Tilt installed, `tilt ci`
# does it against a cluster; without, `tilt-img check` loads it offline and
# fails if any build would not be deployed.
set -euo pipefail
cd "$(dirname "$0")"
if command -v tilt >/dev/null 2>&1 && [ -n "${TILT_IMG_USE_TILT:-}" ]; then
  exec tilt ci
fi
exec tilt-img check Tiltfile
