#!/usr/bin/env bash
# Python pipeline tests (Debian's pytest and torch; see DESIGN.md §5 for why /usr/bin/python3).
set -euo pipefail
cd "$(dirname "$0")/.."
exec /usr/bin/python3 -m pytest -q models/tests "$@"
