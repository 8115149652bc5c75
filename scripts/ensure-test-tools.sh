#!/usr/bin/env bash
# Installs what the test suite needs beyond npm packages, if missing: Debian's Chromium (browser
# tests, driven by playwright-core) and the AWS CLI (checks that the local endpoints speak the AWS
# APIs). Runs before `npm test`; does nothing when both are present.
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v aws >/dev/null 2>&1 || missing+=(awscli)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "The tests need: ${missing[*]}. Install them with: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "Installing ${missing[*]} for the test suite..."
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null
