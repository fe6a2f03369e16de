#!/usr/bin/env bash
# Records tshark's reading of every corpus capture (scripts/corpus/fetch.sh) into
# test/corpus/tshark-reference.tsv: suite, file, SHA-256, frames tshark reads (one
# `-T fields -e frame.number` line each), TCP conversations (`-z conv,tcp`) and whether
# tshark read the file to its end (ok) or stopped with an error (its first line). One
# tshark run per file. With --fixtures, the same for the committed subset in fixtures/corpus
# (scripts/corpus/fixtures.sh copies it) into fixtures/corpus/reference.tsv. CORPUS_SUITES names
# other suite folders of CACHE (with REFERENCE_OUT, for captures measured locally, outside CI).
#   scripts/corpus/reference.sh [CACHE | --fixtures]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
if [ "${1:-}" = --fixtures ]; then
  cache="$root/fixtures/corpus" out="$root/fixtures/corpus/reference.tsv" suites=(tcpdump libpcap)
else
  cache="${1:-${VIM_ANALYSE_CORPUS:-$HOME/.cache/vim-analyse/corpus}}"
  out="${REFERENCE_OUT:-$root/test/corpus/tshark-reference.tsv}"
  read -r -a suites <<< "${CORPUS_SUITES:-tcpdump libpcap ndpi gopacket}"
fi
one() {
  local path="$1" suite file sum text status frames convs err
  suite=$(basename "$(dirname "$path")")
  file=$(basename "$path")
  sum=$(sha256sum "$path" | cut -d' ' -f1)
  err=$(mktemp)
  if text=$(tshark -n -r "$path" -T fields -e frame.number -z conv,tcp 2>"$err"); then status=ok
  else status=$(grep -v '^Running as user' "$err" | head -n1 | tr '\t' ' ' | sed -E 's#The file "[^"]*/([^/"]*)"#The file "\1"#' | cut -c1-120); status=${status:-failed}; fi
  rm -f "$err"
  frames=$(printf '%s\n' "$text" | grep -c '^[0-9][0-9]*$' || true)
  convs=$(printf '%s\n' "$text" | grep -c '<->' || true)
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$suite" "$file" "$sum" "${frames:-0}" "$convs" "$status"
}
export -f one
{
  printf 'suite\tfile\tsha256\ttshark_frames\ttshark_tcp_conversations\ttshark_status\n'
  find "${suites[@]/#/$cache/}" -type f \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.cap' \
    -o -name '*.snoop' -o -name '*.dmp' -o -name '*.zst' \) -print0 |
    xargs -0 -P "${JOBS:-2}" -I{} bash -c 'one "$1"' _ {} | LC_ALL=C sort
} > "$out.tmp"
mv "$out.tmp" "$out"
echo "$(($(wc -l < "$out") - 1)) captures recorded in $out ($(tshark --version 2>/dev/null | head -n1))"
