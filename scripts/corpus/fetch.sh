#!/usr/bin/env bash
# Fetches the public test captures of the corpus test: the test captures in Debian's
# tcpdump, libpcap, ndpi and gopacket source packages (bookworm), with apt's own client and
# a private apt configuration (nothing is added to the machine's sources). The captures
# stay in the cache folder, outside git; test/corpus/tshark-reference.tsv names each one
# with its SHA-256 and tshark's counts.
#   scripts/corpus/fetch.sh [CACHE]   (default $VIM_ANALYSE_CORPUS or ~/.cache/vim-analyse/corpus)
set -euo pipefail
cache="${1:-${VIM_ANALYSE_CORPUS:-$HOME/.cache/vim-analyse/corpus}}"
# suite name in the cache → Debian source package, and where its captures are in the tarball.
declare -A package=([tcpdump]=tcpdump [libpcap]=libpcap [ndpi]=ndpi [gopacket]=gopacket)
declare -A members=(
  [tcpdump]="*/tests/*.pcap */tests/*.pcapng"
  [libpcap]="*/tests/*.pcap */tests/*.pcapng"
  [ndpi]="*/tests/pcap/*.pcap */tests/pcap/*.pcapng */tests/pcap/*.cap"
  [gopacket]="*/pcap/*.pcap */pcapgo/tests/*.pcapng")
suites=(tcpdump libpcap ndpi gopacket)
mkdir -p "$cache/apt/lists/partial" "$cache/src"
apt_opts=(-o "Dir::Etc::sourcelist=$cache/apt/sources.list" -o Dir::Etc::sourceparts=/nonexistent
  -o "Dir::State::lists=$cache/apt/lists" -o Debug::NoLocking=1 -o APT::Sandbox::User=root -qq)
echo "deb-src http://deb.debian.org/debian bookworm main" > "$cache/apt/sources.list"
orig() { ls "$cache"/src/"$1"_*.orig.tar.* 2>/dev/null | grep -v '\.asc$' | head -n1; }
missing=()
for s in "${suites[@]}"; do [ -n "$(orig "${package[$s]}")" ] || missing+=("${package[$s]}"); done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get "${apt_opts[@]}" update
  # Only the upstream tarball is needed: a missing Debian patch tarball on the mirror is no failure.
  (cd "$cache/src" && apt-get "${apt_opts[@]}" source --download-only "${missing[@]}") || true
fi
total=0
for s in "${suites[@]}"; do
  tarball=$(orig "${package[$s]}")
  [ -n "$tarball" ] || { echo "corpus: no source tarball of ${package[$s]} in $cache/src" >&2; exit 1; }
  rm -rf "${cache:?}/$s" && mkdir -p "$cache/$s"
  # Only the test captures, flattened into $cache/<suite>/; a subfolder's name becomes a
  # prefix (gopacket's pcapgo/tests/be/test001.pcapng → be-test001.pcapng).
  # shellcheck disable=SC2086 # the members are tar wildcards
  tar -xf "$tarball" -C "$cache/$s" --wildcards --transform 's#^.*/\(be\|le\)/#\1-#' --transform 's#^.*/##' ${members[$s]}
  total=$((total + $(find "$cache/$s" -type f | wc -l)))
done
echo "corpus: $total captures in $cache"
