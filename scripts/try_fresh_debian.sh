#!/usr/bin/env bash
# Follow README.md's install on a fresh Debian, as someone new to posture-watch would, up to a reminder.
#
#   sudo scripts/try_fresh_debian.sh [--suite bookworm] [--mirror URL] [--model FILE] [--root DIR] [--keep]
#
# Builds a minimal Debian root with debootstrap (once: DIR-base is kept and copied for each try), installs
# only python3 and pipx from apt, then as a new user runs what the README says, in its order:
# `pipx ensurepath`, git (the README's "Without git"), `git clone` (of this checkout's HEAD, as the public
# address may not be reachable), `pipx install .`, `posture-watch --version`, `posture-watch demo` (on a
# system without a desktop it names the missing libraries; they are then installed as it says),
# `posture-watch model import FILE` (the README's way without internet access to Google), the demo again
# up to its reminder (no display here: it says there is no tray icon and goes on), the same with
# `--no-tray`, `posture-watch run --no-tray` until it says the camera is not there, then
# `posture-watch uninstall --yes` and `pipx uninstall posture-watch`. Each step is checked; the first one
# that fails stops the script with what it printed. Needs root, debootstrap, and access to the Debian
# mirror and PyPI; about 10 minutes the first time (the base root), 3-5 minutes after that.
#
# --model is the pose model to import (default: $POSTURE_WATCH_MODEL, else ../shared/models beside the
# checkout). A machine whose pip trusts a CA bundle of its own ($PIP_CERT: a proxy) lends it to the
# user's pip; nothing else of this machine's goes into the root. --keep leaves DIR for a look afterwards.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
suite=bookworm
mirror=""
model=${POSTURE_WATCH_MODEL:-$here/../shared/models/pose_landmarker_lite.task}
root=""
keep=0
while [ $# -gt 0 ]; do
  case $1 in
    --suite) suite=$2; shift 2 ;;
    --mirror) mirror=$2; shift 2 ;;
    --model) model=$2; shift 2 ;;
    --root) root=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "try_fresh_debian: unknown argument $1; see --help" >&2; exit 2 ;;
  esac
done
root=${root:-/var/tmp/posture-watch-$suite}
fail() { echo "try_fresh_debian: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || fail "needs root (debootstrap and chroot)"
command -v debootstrap >/dev/null || fail "needs debootstrap: apt-get install debootstrap"
[ -f "$model" ] || fail "no pose model at $model; give --model FILE"
if [ -z "$mirror" ]; then
  # This machine's own Debian mirror, else Debian's.
  mirror=$(grep -rhoE '(URIs:|deb) +https?://[^ ]+/debian( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null \
    | awk '{print $2}' | head -1 || true)
  mirror=${mirror:-http://deb.debian.org/debian}
fi

step() { printf '\n=== %s\n' "$*"; }
as_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive bash -ec "$1"; }
# A login shell of the new user, as a new terminal would be (so `pipx ensurepath` has taken effect).
as_user() { chroot "$root" /usr/bin/env -i su - ada -c "$pip_cert $1"; }
# Runs $1 as the user; passes if its output has a line matching each pattern after it, else stops.
expect() {
  local command=$1 out status pattern
  shift
  set +e
  out=$(as_user "$command" 2>&1)
  status=$?
  set -e
  printf '%s\n' "$out" | tail -n 40
  for pattern in "$@"; do
    printf '%s\n' "$out" | grep -Eq "$pattern" || fail "\`$command\` (status $status) did not say /$pattern/"
  done
}

unmount() {
  for m in dev/pts dev sys proc; do
    mountpoint -q "$root/$m" && umount -l "$root/$m"
  done
  return 0
}
trap 'unmount; [ $keep = 1 ] || rm -rf "$root"' EXIT

if [ ! -f "$root-base/etc/debian_version" ]; then
  step "debootstrap --variant=minbase $suite from $mirror"
  rm -rf "$root-base"
  debootstrap --variant=minbase "$suite" "$root-base" "$mirror" >/dev/null
fi
step "a fresh Debian $suite ($(cat "$root-base/etc/debian_version")) at $root"
rm -rf "$root"
cp -a "$root-base" "$root"
mount -t proc proc "$root/proc"
mount --rbind /sys "$root/sys"
mount --bind /dev "$root/dev"
mount --bind /dev/pts "$root/dev/pts"
cp /etc/resolv.conf "$root/etc/resolv.conf"
pip_cert=""
if [ -n "${PIP_CERT:-}" ] && [ -f "$PIP_CERT" ]; then
  cp "$PIP_CERT" "$root/etc/pip-ca.pem"
  pip_cert="export PIP_CERT=/etc/pip-ca.pem;"
fi
git clone -q --bare "$here" "$root/srv/posture-watch.git"
cp "$model" "$root/srv/$(basename "$model")"

step "apt install python3 pipx (all the system has to start with)"
as_root "apt-get update -q >/dev/null && apt-get install -y -q python3 pipx >/dev/null"
as_root "useradd -m -s /bin/bash ada && chown -R ada: /srv/posture-watch.git && cp /srv/$(basename "$model") ~ada/ && chown ada: ~ada/$(basename "$model")"
as_root "python3 --version; pipx --version"

step "README, Getting pipx: pipx ensurepath"
expect "pipx ensurepath" "local/bin"
step "README: without git, apt install git first"
as_root "apt-get install -y -q git >/dev/null"
step "README: git clone ... posture-watch && cd posture-watch; pipx install ."
expect "git clone -q /srv/posture-watch.git posture-watch && cd posture-watch && time pipx install ." \
  "installed package posture-watch"
expect "posture-watch --version" "^posture-watch [0-9]"
expect "du -sh ~/.local/pipx/venvs/posture-watch" "posture-watch"

step "README, Try it without a webcam: posture-watch demo (on a system without a desktop)"
libraries=""
set +e
first=$(as_user "timeout 300 posture-watch demo" 2>&1)
set -e
printf '%s\n' "$first" | tail -n 5
if printf '%s\n' "$first" | grep -q "is missing: "; then
  libraries=$(printf '%s\n' "$first" | sed -n 's/.*on Debian or Ubuntu: sudo apt install \([^;]*\).*/\1/p' | head -1)
  [ -n "$libraries" ] || fail "a library is missing, but not what to install on Debian"
  step "README: on a system without a desktop, apt install $libraries"
  as_root "apt-get install -y -q $libraries >/dev/null"
fi

step "README, without internet access: posture-watch model import $(basename "$model")"
expect "posture-watch model import $(basename "$model")" "sha256"
expect "posture-watch model verify" "^ok: "

step "README, Try it without a webcam: posture-watch demo, up to its reminder"
expect "time timeout 300 posture-watch demo" "^posture-watch: reminder: Head forward for [0-9]+ s" \
  "^posture-watch: the recording came to its end"
step "README, Try it without a webcam: posture-watch demo --no-tray"
expect "timeout 300 posture-watch demo --no-tray" "^posture-watch: reminder: Head forward for [0-9]+ s"

step "README, Running it: posture-watch run --no-tray (no camera here), stopped with SIGTERM"
expect "posture-watch run --no-tray 2>~/run.err & pid=\$!
  for i in \$(seq 120); do grep -q 'not found' ~/run.err && break; sleep 1; done
  kill -TERM \$pid; wait \$pid; status=\$?; cat ~/run.err; echo status \$status" \
  "camera 0: not found" "^status 0$"

step "README, Uninstall"
expect "posture-watch uninstall --yes" "pipx uninstall posture-watch"
expect "pipx uninstall posture-watch && ! command -v posture-watch && echo gone" "^gone$"
step "all README steps passed on Debian $suite${libraries:+ (with $libraries, as the demo said)}"
