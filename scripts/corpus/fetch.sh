#!/usr/bin/env bash
# Fetches the public test captures of the corpus test: the tests/ folders of Debian's
# tcpdump and libpcap source packages (bookworm), with apt's own client and a private apt
# configuration (nothing is added to the machine's sources). The captures stay in the
# cache folder, outside git; test/corpus/tshark-reference.tsv names each one with its
# SHA-256 and tshark's counts.
#   scripts/corpus/fetch.sh [CACHE]   (default $VIM_ANALYSE_CORPUS or ~/.cache/vim-analyse/corpus)
set -euo pipefail
cache="${1:-${VIM_ANALYSE_CORPUS:-$HOME/.cache/vim-analyse/corpus}}"
packages=(tcpdump libpcap)
mkdir -p "$cache/apt/lists/partial" "$cache/src"
apt_opts=(-o "Dir::Etc::sourcelist=$cache/apt/sources.list" -o Dir::Etc::sourceparts=/nonexistent
  -o "Dir::State::lists=$cache/apt/lists" -o Debug::NoLocking=1 -o APT::Sandbox::User=root -qq)
echo "deb-src http://deb.debian.org/debian bookworm main" > "$cache/apt/sources.list"
if ! ls "$cache"/src/tcpdump_*.orig.tar.* "$cache"/src/libpcap_*.orig.tar.* >/dev/null 2>&1; then
  apt-get "${apt_opts[@]}" update
  (cd "$cache/src" && apt-get "${apt_opts[@]}" source --download-only "${packages[@]}")
fi
for p in "${packages[@]}"; do
  tarball=$(ls "$cache"/src/${p}_*.orig.tar.* | head -n1)
  rm -rf "${cache:?}/$p" && mkdir -p "$cache/$p"
  # Only the test captures: tests/*.pcap and tests/*.pcapng, flattened into $cache/<package>/.
  tar -xf "$tarball" -C "$cache/$p" --strip-components=2 --wildcards '*/tests/*.pcap' '*/tests/*.pcapng'
done
echo "corpus: $(find "$cache/tcpdump" "$cache/libpcap" -type f | wc -l) captures in $cache"
