#!/usr/bin/env bash
# build-kubernetes.sh: build the local Kubernetes control plane (kube-apiserver,
# kube-controller-manager, kube-scheduler, etcd) and kwok (the fake kubelet) from the Go
# module proxy into .tools/kubernetes-<version>/ once per machine. Prints that folder.
#
# Why a throwaway module: k8s.io/kubernetes' go.mod replaces its ~30 staging modules
# (k8s.io/api, k8s.io/apimachinery, ...) with local paths, so `go install ...@v1.37.2` is
# refused. A module of our own that requires k8s.io/kubernetes and replaces each staging
# module with its published tag (v0.<minor>.<patch>) builds the same commands. etcd's server
# module has local replaces too, so it is built in the same module at the version k8s pins.
# The binaries (~490 MB) are too large to commit; a version bump gets its own folder.
# Idempotent: silent apart from the folder's path when the binaries are there.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
K8S_VERSION="${K8S_VERSION:-v1.37.2}"
ETCD_VERSION="${ETCD_VERSION:-v3.7.0}"
KWOK_VERSION="${KWOK_VERSION:-v0.8.0}"
dir="$ROOT/.tools/kubernetes-$K8S_VERSION"
stamp="$dir/.steadystate-build"
want="k8s=$K8S_VERSION etcd=$ETCD_VERSION kwok=$KWOK_VERSION"
say() { printf 'setup: %s\n' "$*" >&2; }

if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then echo "$dir"; exit 0; fi
command -v go >/dev/null || { echo "build-kubernetes: Go is not installed; install Go >= 1.24 and rerun scripts/setup.sh" >&2; exit 1; }
say "building Kubernetes $K8S_VERSION (apiserver, controller-manager, scheduler), etcd $ETCD_VERSION and kwok $KWOK_VERSION into $dir (about 6-7 minutes cold)"
started=$(date +%s)

work="$ROOT/.tools/kubernetes-$K8S_VERSION.work"
rm -rf "$work" "$dir.tmp"; mkdir -p "$work" "$dir.tmp"
cd "$work"
export CGO_ENABLED=0 GOFLAGS=-mod=mod
minor="${K8S_VERSION#v1.}"          # 37.2
staging_tag="v0.$minor"             # v0.37.2
cat > go.mod <<MOD
module steadystate.local/k8s-build

go 1.24
MOD
# The staging modules are exactly the `k8s.io/... v0.0.0` requirements of k8s.io/kubernetes' go.mod.
gomod="$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p')"
[[ -f "$gomod" ]] || { echo "build-kubernetes: could not download k8s.io/kubernetes@$K8S_VERSION's go.mod" >&2; exit 1; }
staging=$(grep -E '^[[:space:]]*k8s\.io/[A-Za-z0-9._/-]+ v0\.0\.0([[:space:]]|$)' "$gomod" | awk '{print $1}' | sort -u)
[[ -n "$staging" ]] || { echo "build-kubernetes: found no staging modules in $gomod" >&2; exit 1; }
{
  echo "require k8s.io/kubernetes $K8S_VERSION"
  echo "require go.etcd.io/etcd/server/v3 $ETCD_VERSION"
  for m in $staging; do echo "replace $m => $m $staging_tag"; done
} >> go.mod
pkgs=(k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager
  k8s.io/kubernetes/cmd/kube-scheduler go.etcd.io/etcd/server/v3)
# Each at its pinned version: a bare `go get PKG` means @upgrade (etcd would become the newest 3.7.x).
go get "k8s.io/kubernetes@$K8S_VERSION" "go.etcd.io/etcd/server/v3@$ETCD_VERSION" >/dev/null 2>&1 ||
  go get "k8s.io/kubernetes@$K8S_VERSION" "go.etcd.io/etcd/server/v3@$ETCD_VERSION"
# Without the version ldflags the servers report v0.0.0-master (and clients warn about skew).
ldflags="-s -w -X k8s.io/component-base/version.gitVersion=$K8S_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=${minor%%.*}"
go build -trimpath -ldflags "$ldflags" -o "$dir.tmp/" "${pkgs[@]}"
mv "$dir.tmp/server" "$dir.tmp/etcd"  # go build names it after the last path element before /v3
kwok="$("$ROOT/scripts/tools/go-install.sh" kwok sigs.k8s.io/kwok/cmd/kwok "$KWOK_VERSION")"
cp "$kwok" "$dir.tmp/kwok"
for b in kube-apiserver kube-controller-manager kube-scheduler etcd kwok; do
  [[ -x "$dir.tmp/$b" ]] || { echo "build-kubernetes: $b was not built" >&2; exit 1; }
done
echo "$want" > "$dir.tmp/.steadystate-build"
rm -rf "$dir"; mv "$dir.tmp" "$dir"; rm -rf "$work"
say "built $want in $(( $(date +%s) - started )) s"
echo "$dir"
