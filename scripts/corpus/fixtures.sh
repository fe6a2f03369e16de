#!/usr/bin/env bash
# Copies the committed subset of the corpus into fixtures/corpus/<suite>/ from the cache that
# scripts/corpus/fetch.sh fills (each byte for byte the file test/corpus/tshark-reference.tsv
# names), with the licence of each suite's source package, then records tshark's reading
# of them in fixtures/corpus/reference.tsv (scripts/corpus/reference.sh --fixtures).
# The subset: small files (each ≤ 64 KB) of the BSD-licensed tcpdump and libpcap suites,
# one or a few for each reader path and encapsulation the full corpus found bugs in;
# fixtures/corpus/README.md says why each is there.
#   scripts/corpus/fixtures.sh [CACHE]
set -euo pipefail
cache="${1:-${VIM_ANALYSE_CORPUS:-$HOME/.cache/vim-analyse/corpus}}"
root=$(cd "$(dirname "$0")/../.." && pwd)
dest="$root/fixtures/corpus"
files=(
  tcpdump/kday2.pcap tcpdump/kday3.pcap tcpdump/babel_update_oobr.pcap tcpdump/hoobr_nfs_printfh.pcap
  tcpdump/aoe-oobr-1.pcap tcpdump/icmp-icmp_print-oobr-2.pcap tcpdump/bootp_asan.pcap
  tcpdump/empty.pcapng tcpdump/hdlc_slarp.pcapng tcpdump/bgp-extended-shutdown-msg.pcapng
  tcpdump/icmp-cksum-oobr-4.pcapng tcpdump/vsock-1.pcapng tcpdump/nfs-write-verf-cookie.pcapng
  tcpdump/pptp.pcap tcpdump/ipoib.pcap tcpdump/unaligned-nfs-1.pcap
  tcpdump/resp_2_inline.pcap tcpdump/bgp-infinite-loop.pcap tcpdump/mptcp-aa-echo.pcap
  tcpdump/bgp_vpn_attrset.pcap tcpdump/lspping-fec-ldp.pcap tcpdump/HDLC.pcap
  tcpdump/bgp-aigp.pcap tcpdump/isis_poi.pcap tcpdump/bgp-addpath.pcap
  tcpdump/vxlan.pcap tcpdump/geneve.pcap tcpdump/mpls-over-udp.pcap tcpdump/pppoes.pcap
  tcpdump/ipv6-routing-header.pcap tcpdump/ip6_frag_asan.pcap
  tcpdump/ssh.pcap tcpdump/tfo-5c1fa7f9ae91.pcap
  tcpdump/bgp_pmsi_tunnel-oobr.pcap tcpdump/mptcp-dss-oobr.pcap tcpdump/edsa.pcap
  libpcap/pcap-invalid-version-1.pcap libpcap/pcap-invalid-version-2.pcap
  libpcap/pcapng-invalid-vers-1.pcapng libpcap/shb-option-too-long.pcapng
)
rm -rf "$dest/tcpdump" "$dest/libpcap"
mkdir -p "$dest/tcpdump" "$dest/libpcap"
for f in "${files[@]}"; do
  sum=$(awk -F'\t' -v s="${f%%/*}" -v n="${f#*/}" '$1 == s && $2 == n { print $3 }' "$root/test/corpus/tshark-reference.tsv")
  [ -n "$sum" ] || { echo "fixtures: $f is not in test/corpus/tshark-reference.tsv" >&2; exit 1; }
  echo "$sum  $cache/$f" | sha256sum --check --quiet
  [ "$(stat -c %s "$cache/$f")" -le 65536 ] || { echo "fixtures: $f is larger than 64 KB" >&2; exit 1; }
  cp "$cache/$f" "$dest/$f"
done
# The licence each source package asks to keep with its files.
for suite in tcpdump libpcap; do
  tarball=$(ls "$cache"/src/"$suite"_*.orig.tar.gz | head -n1)
  tar -xzOf "$tarball" --wildcards "*/LICENSE" > "$dest/$suite/LICENSE"
done
echo "fixtures: ${#files[@]} captures, $(cat "${files[@]/#/$dest/}" | wc -c) bytes in $dest"
"$root/scripts/corpus/reference.sh" --fixtures
