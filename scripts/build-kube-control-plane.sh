#!/usr/bin/env bash
# Builds the Kubernetes control plane the cluster-runtime integration tests run against, from the
# Go modules pinned in tools/kube-control-plane/go.mod: kube-apiserver, kube-controller-manager and
# kube-scheduler (k8s.io/kubernetes, the k3s pin's Kubernetes version) and kwok (simulated nodes and
# pod status). Each binary goes to ~/.cache/obsconf/components/<name>/<version>/<name> (or under
# $OBSCONF_COMPONENTS_CACHE); one already there is kept. Without Go it says so and exits 0: the
# tests that need the binaries are then skipped with that reason.
#
# Builds run under nice/ionice (a shared 2-core machine). A cold build (empty Go build cache, modules
# already downloaded) of all four costs 595 s of CPU (487 s user, 107 s sys): about 5-7 minutes on an
# idle 2-core machine; 30 minutes here beside other builds. Downloading the modules took 28 s.
set -euo pipefail
cd "$(dirname "$0")/../tools/kube-control-plane"

cache="${OBSCONF_COMPONENTS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/obsconf/components}"
if ! command -v go >/dev/null 2>&1; then
  echo "setup: go is not installed: the kube-apiserver tests will be skipped (install Go 1.26 to build the control plane)" >&2
  exit 0
fi

k8s_version="$(go list -m -f '{{.Version}}' k8s.io/kubernetes)"   # v1.36.1
kwok_version="$(go list -m -f '{{.Version}}' sigs.k8s.io/kwok)"     # v0.8.0
minor="$(echo "$k8s_version" | cut -d. -f2)"
committed="$(git log -1 --format=%ct -- go.mod 2>/dev/null || true)"
build_date="$(date -u -d "@${committed:-0}" +%Y-%m-%dT%H:%M:%SZ)"
k8s_ldflags="-s -w -X k8s.io/component-base/version.gitVersion=${k8s_version} -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=${minor} -X k8s.io/component-base/version.gitTreeState=clean -X k8s.io/component-base/version.buildDate=${build_date}"

nice_cmd=(nice -n 19)
command -v ionice >/dev/null 2>&1 && nice_cmd+=(ionice -c3)

build() { # name version package ldflags
  local name="$1" version="${2#v}" package="$3" ldflags="$4"
  local target="$cache/$name/$version/$name"
  if [ -x "$target" ]; then return 0; fi
  mkdir -p "$(dirname "$target")"
  echo "setup: building $name $version from $package (Go module proxy; cached in $(dirname "$target"))"
  local started=$SECONDS
  "${nice_cmd[@]}" go build -trimpath -ldflags="$ldflags" -o "$target.tmp" "$package"
  mv "$target.tmp" "$target"
  echo "setup: built $name $version in $((SECONDS - started)) s"
}

build kube-apiserver "$k8s_version" k8s.io/kubernetes/cmd/kube-apiserver "$k8s_ldflags"
build kube-controller-manager "$k8s_version" k8s.io/kubernetes/cmd/kube-controller-manager "$k8s_ldflags"
build kube-scheduler "$k8s_version" k8s.io/kubernetes/cmd/kube-scheduler "$k8s_ldflags"
build kwok "$kwok_version" sigs.k8s.io/kwok/cmd/kwok "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=${kwok_version#v}"

# kwok plays nodes and pods by "stages" read from its --config; kwokctl embeds its default ones. They
# are copied from the kwok module (never committed) beside the binary, for the tests' kwok config.
stages="$cache/kwok/${kwok_version#v}/stages"
if [ ! -f "$stages/pod-ready.yaml" ]; then
  kwok_dir="$(go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)"
  mkdir -p "$stages"
  cp "$kwok_dir/kustomize/stage/node/fast/node-initialize.yaml" \
    "$kwok_dir/kustomize/stage/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml" \
    "$kwok_dir/kustomize/stage/pod/fast/pod-ready.yaml" \
    "$kwok_dir/kustomize/stage/pod/fast/pod-complete.yaml" \
    "$kwok_dir/kustomize/stage/pod/fast/pod-delete.yaml" "$stages/"
  chmod u+w "$stages"/*.yaml
fi
