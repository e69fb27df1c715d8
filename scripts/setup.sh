#!/usr/bin/env bash
# Installs what obsconf runs on: Debian's Prometheus stack binaries (the local runtime's fallback
# when a component cannot be provisioned), Maven and a Java 17 runtime (Kafka), Chromium (the HTML
# report test), xmllint (the JUnit schema test), iproute2/nft/iptables (network faults), docker.io
# (the k3s probe against a real engine), and the npm dependencies; then provisions the real
# components at the versions stack/manifests pins (obsconf setup components: built with Go from the
# Go module proxy, Kafka from Maven Central), cached in ~/.cache/obsconf/components and reused.
# Safe to run again: it only installs and builds what is missing. OBSCONF_SKIP_COMPONENTS=1 skips
# the component builds (the local runtime then falls back to Debian's binaries, and says so).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=()
need() { command -v "$1" >/dev/null 2>&1 || packages+=("$2"); }
need prometheus prometheus
need promtool prometheus
need prometheus-alertmanager prometheus-alertmanager
need amtool prometheus-alertmanager
need prometheus-node-exporter prometheus-node-exporter
need prometheus-pushgateway prometheus-pushgateway
need prometheus-blackbox-exporter prometheus-blackbox-exporter
need victoria-metrics victoria-metrics
need chromium chromium
need xmllint libxml2-utils
# Network faults: namespaces + veth pairs (ip) and filter rules inside them (nft, or iptables).
need ip iproute2
need nft nftables
need iptables iptables
# The k3s probe's test against a real container engine (a private dockerd, no images, no registry).
need dockerd docker.io
# The cluster runtime's tests against a real Kubernetes API: etcd for kube-apiserver (built below), and
# openssl for its throw-away CA.
need etcd etcd-server
need openssl openssl
# Kafka: its jars come from Maven Central through Maven; the broker runs on Java 17.
need mvn maven
need java openjdk-17-jre-headless

if [ "${#packages[@]}" -gt 0 ]; then
  mapfile -t packages < <(printf '%s\n' "${packages[@]}" | sort -u)
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing Debian packages: ${packages[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
  else
    echo "setup: not root or no apt-get; these Debian packages are missing: ${packages[*]}" >&2
    echo "setup: checks that need them will report 'unavailable' and their tests are skipped with a printed reason" >&2
  fi
fi

# Debian's etcd-server package enables an etcd service where systemd runs; obsconf starts its own.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet etcd 2>/dev/null; then systemctl disable --now etcd >/dev/null 2>&1 || true; fi

# kube-apiserver, kube-controller-manager, kube-scheduler and kwok from their Go modules, cached per
# version in ~/.cache/obsconf/components (a no-op once built; without Go the tests say so and skip).
bash scripts/build-kube-control-plane.sh

# Nothing auto-starts after apt install here, and nothing should: obsconf starts each binary itself.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi

# The real components at the manifests' versions. A missing toolchain or an unreachable registry is
# reported per component and the local runtime falls back (never silently); setup goes on.
if [ "${OBSCONF_SKIP_COMPONENTS:-}" = 1 ]; then
  echo "setup: OBSCONF_SKIP_COMPONENTS=1: components not provisioned; the local runtime uses what is on PATH (Debian's older binaries) and obsconf plan shows it"
else
  node bin/obsconf.mjs setup components
fi
