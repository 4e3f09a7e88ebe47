#!/usr/bin/env bash
# Regenerate imports/ (cdk8s Python bindings for the upstream CRDs) offline.
#
# Usage:  scripts/import-crds.sh
#   GORAX_CRD_DIR  folder holding the upstream CRD YAML files
#                  (default: ../shared/crds; a relative path is taken
#                  relative to the repository root, not to the caller's cwd)
#
# Why the CRDs are concatenated per API group:
#   `cdk8s import` emits ONE Python module per API group (the group name
#   reversed, e.g. monitoring.coreos.com -> imports/com/coreos/monitoring) and
#   replaces that module's directory wholesale on every run. Importing two CRDs
#   of the same group in separate runs therefore leaves only the last kind
#   (e.g. PodMonitor silently deletes ServiceMonitor). Feeding all CRDs of a
#   group as one multi-document YAML file makes a single run generate every
#   kind of that group into the module. Named imports (NAME:=file) would avoid
#   the clobbering too, but give one module per kind under awkward paths such
#   as imports/servicemonitor/com/coreos/monitoring.
#
# imports/ is never merged into: everything is generated into an empty staging
# folder, then the old imports/ is deleted and replaced by it (a failed run
# leaves the previous imports/ untouched). The output therefore depends only on
# the CRD files and the pinned cdk8s-cli (run it twice: `diff -r` is empty).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

crd_dir="${GORAX_CRD_DIR:-../shared/crds}"
case "$crd_dir" in
  /*) ;;
  *) crd_dir="$repo_root/$crd_dir" ;;
esac
if [[ ! -d "$crd_dir" ]]; then
  echo "error: CRD folder not found: $crd_dir (set GORAX_CRD_DIR)" >&2
  exit 1
fi
crd_dir="$(cd "$crd_dir" && pwd)"

cdk8s="$repo_root/node_modules/.bin/cdk8s"
node="$repo_root/node_modules/.bin/node"
if [[ ! -x "$cdk8s" || ! -x "$node" ]]; then
  echo "error: $cdk8s or $node not found; run 'npm ci' in $repo_root first" >&2
  exit 1
fi

out_dir="$repo_root/imports"

# API group -> CRD files (space separated). The order only affects log output.
groups=(
  "monitoring.coreos.com|monitoring.coreos.com_servicemonitors.yaml monitoring.coreos.com_podmonitors.yaml monitoring.coreos.com_prometheusrules.yaml"
  "external-secrets.io|external-secrets.io_externalsecrets.yaml"
  "cert-manager.io|cert-manager.io_certificates.yaml"
  "gateway.networking.k8s.io|gateway.networking.k8s.io_gateways.yaml gateway.networking.k8s.io_httproutes.yaml"
  "gateway.envoyproxy.io|gateway.envoyproxy.io_backendtrafficpolicies.yaml gateway.envoyproxy.io_securitypolicies.yaml"
  "argoproj.io|argoproj.io_applications.yaml"
)

# Fail before touching imports/ if any input is missing.
for entry in "${groups[@]}"; do
  for f in ${entry#*|}; do
    if [[ ! -f "$crd_dir/$f" ]]; then
      echo "error: missing CRD file $crd_dir/$f" >&2
      exit 1
    fi
  done
done

tmp_dir="$(mktemp -d "${TMPDIR:-/tmp}/gorax-crds.XXXXXX")"
trap 'rm -rf "$tmp_dir"' EXIT

# Reproducibility: CDK8S_* variables would be read as CLI options
# (e.g. CDK8S_CLASS_PREFIX).
while IFS= read -r var; do
  unset "$var"
done < <(compgen -e | grep '^CDK8S_' || true)

stage_dir="$tmp_dir/imports"
mkdir "$stage_dir"

for entry in "${groups[@]}"; do
  group="${entry%%|*}"
  bundle="$tmp_dir/$group.yaml"
  : >"$bundle"
  for f in ${entry#*|}; do
    # Explicit separator + newline: some upstream files lack a leading '---'
    # or a trailing newline; empty documents are ignored by cdk8s.
    { printf -- '---\n'; cat "$crd_dir/$f"; printf '\n'; } >>"$bundle"
  done
  echo "==> $group"
  # Run from the temp dir with --no-save so the CLI neither reads nor edits
  # the project's cdk8s.yaml (it would append the temp path to `imports:`).
  # The CLI runs on the project's Node (package.json), not on whatever `node` is on the PATH.
  (cd "$tmp_dir" && "$node" "$cdk8s" --no-check-upgrade import "$bundle" \
    --language python --output "$stage_dir" --no-save)
done

rm -rf "$out_dir"
mv "$stage_dir" "$out_dir"
echo "imports regenerated in $out_dir"
