#!/bin/sh
# Create .venv and install tweetlake with its development tools, on a fresh Debian machine
# that has only python3, make and apt. Safe to run again: it only does what is missing.
set -eu
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"

need_apt=""
"$PY" -c "import ensurepip, venv" 2>/dev/null || need_apt="python3-venv"
# The dashboard's browser tests drive Debian's Chromium (never a downloaded browser).
if [ "${TWEETLAKE_NO_CHROMIUM:-}" = "" ] && ! command -v chromium >/dev/null 2>&1; then
    need_apt="$need_apt chromium"
fi
if [ -n "$need_apt" ]; then
    echo "bootstrap: installing $need_apt with apt"
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $need_apt
fi

if [ ! -x .venv/bin/python ]; then
    "$PY" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[dev]'
touch .venv/.installed
echo "bootstrap: .venv ready"
