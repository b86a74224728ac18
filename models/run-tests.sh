#!/usr/bin/env bash
# Python pipeline tests (Debian's pytest and torch; docs/design.md "Python pipeline" says why
# /usr/bin/python3). Data: the ml-latest-small raw files in models/data, nothing outside the repo.
set -euo pipefail
cd "$(dirname "$0")/.."
exec /usr/bin/python3 -m pytest -q models/tests "$@"
