#!/usr/bin/env bash
# Copies the build dependencies a GPU image may lack (nlohmann-json headers with their CMake
# package, Gloo's headers, GoogleTest sources) from this Debian machine into engine/target/gpu-deps (about 5 MB),
# so that a device run can carry them: scripts/gpu-check.sh uses them when the system has none.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEPS="${1:-$ROOT/engine/target/gpu-deps}"
rm -rf "$DEPS"
mkdir -p "$DEPS/include" "$DEPS/share/cmake"
cp -r /usr/include/nlohmann "$DEPS/include/"
cp -r /usr/include/gloo "$DEPS/include/"  # the Gloo process group's header needs them; PyPI's torch lacks them
cp -r /usr/share/cmake/nlohmann_json "$DEPS/share/cmake/"
cp -r /usr/src/googletest "$DEPS/googletest-src"
du -sh "$DEPS"
