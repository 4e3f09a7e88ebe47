#!/usr/bin/env bash
# Regenerate imports/ (cdk8s Python bindings for the upstream CRDs) offline.
#
# Usage:  scripts/import-crds.sh          (or `make imports`)
#         scripts/import-crds.sh --list   print each API group and its CRD files, import nothing
#
# Input: the CRD files listed under `imports:` in cdk8s.yaml, which are the
# upstream CRDs vendored unmodified in crds/ (pinned in crds/sources.yaml).
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

list_only=false
case "${1-}" in
  "") ;;
  --list) list_only=true ;;
  *) echo "usage: $0 [--list]" >&2; exit 2 ;;
esac

# cdk8s.yaml's `imports:` entries (crds/<group>_<plural>.yaml), grouped by API group.
declare -A group_files=()
groups=()
while IFS= read -r file; do
  if [[ ! -f "$repo_root/$file" ]]; then
    echo "error: missing CRD file $repo_root/$file (listed in cdk8s.yaml)" >&2
    exit 1
  fi
  name="${file##*/}"
  group="${name%%_*}"
  [[ -n "${group_files[$group]+set}" ]] || groups+=("$group")
  group_files[$group]+="$repo_root/$file "
done < <(sed -n '/^imports:/,/^[^ ]/s/^  - \(crds\/[^ ]*\.yaml\)$/\1/p' "$repo_root/cdk8s.yaml")
if [[ ${#groups[@]} -eq 0 ]]; then
  echo "error: no crds/*.yaml entries under imports: in $repo_root/cdk8s.yaml" >&2
  exit 1
fi
if $list_only; then
  for group in "${groups[@]}"; do
    echo "$group: ${group_files[$group]% }"
  done
  exit 0
fi

cdk8s="$repo_root/node_modules/.bin/cdk8s"
node="$repo_root/node_modules/.bin/node"
if [[ ! -x "$cdk8s" || ! -x "$node" ]]; then
  echo "error: $cdk8s or $node not found; run 'npm ci' in $repo_root first" >&2
  exit 1
fi

out_dir="$repo_root/imports"

tmp_dir="$(mktemp -d "${TMPDIR:-/tmp}/gorax-crds.XXXXXX")"
trap 'rm -rf "$tmp_dir"' EXIT

# Reproducibility: CDK8S_* variables would be read as CLI options
# (e.g. CDK8S_CLASS_PREFIX).
while IFS= read -r var; do
  unset "$var"
done < <(compgen -e | grep '^CDK8S_' || true)

stage_dir="$tmp_dir/imports"
mkdir "$stage_dir"

for group in "${groups[@]}"; do
  bundle="$tmp_dir/$group.yaml"
  : >"$bundle"
  for f in ${group_files[$group]}; do
    # Explicit separator + newline: some upstream files lack a leading '---'
    # or a trailing newline; empty documents are ignored by cdk8s.
    { printf -- '---\n'; cat "$f"; printf '\n'; } >>"$bundle"
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
