#!/usr/bin/env bash
# Prints the README's example outputs, as the tool really prints them on this commit.
set -euo pipefail
cd "$(dirname "$0")/.."
node dist/cli/vim-analyse.js fixtures/pcaps/nova-seq-3runs.pcapng.gz --requests --logs fixtures/pcaps/nova-seq-3runs.nova-compute.log
