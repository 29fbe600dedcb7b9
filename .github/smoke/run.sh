#!/usr/bin/env bash
# Smoke run of one target's release binaries on its own system, before they
# are attached to a release: --version prints the expected version, --help
# starts with the usage line, and `status` reads a fixture config and prints
# each setting with its source. Exits non-zero with a ::error:: line on the
# first thing that is wrong.
#
# Usage: run.sh BIN_DIR TARGET VERSION
#   BIN_DIR holds aws-cognito-auth-TARGET[.exe] and aws-cognito-admin-TARGET[.exe]
set -euo pipefail
dir=$1
target=$2
version=$3
here=$(cd "$(dirname "$0")" && pwd)
exe=""
case "$target" in *windows*) exe=".exe" ;; esac

fail() {
  echo "::error::$*"
  exit 1
}

# A home folder of its own, so nothing of the runner's leaks in.
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
export HOME="$home" USERPROFILE="$home" NO_COLOR=1

for name in aws-cognito-auth aws-cognito-admin; do
  bin="$dir/$name-$target$exe"
  [ -f "$bin" ] || fail "$bin is missing"
  chmod +x "$bin" 2>/dev/null || true
  got=$("$bin" --version) || fail "$name --version failed"
  got=${got%$'\r'}
  [ "$got" = "$version" ] || fail "$name --version printed '$got', not '$version'"
  "$bin" --help >"$home/help.txt" || fail "$name --help failed"
  head -n 1 "$home/help.txt" | grep -q "^Usage: $name " ||
    fail "$name --help does not start with 'Usage: $name '"
  echo "ok: $name $got (--version, --help)"
done

COGNITO_CLI_CONFIG="$here/config.json" \
  "$dir/aws-cognito-auth-$target$exe" status >"$home/status.txt" ||
  fail "aws-cognito-auth status exited $? with the fixture config"
for want in "user_pool_id *us-east-1_" "identity_pool_id *us-east-1:" \
  "region *us-east-1 *\\(derived from user pool id\\)" "Profile default: no credentials"; do
  grep -Eq "$want" "$home/status.txt" ||
    fail "status output lacks /$want/: $(cat "$home/status.txt")"
done
echo "ok: aws-cognito-auth status reads the fixture config"
