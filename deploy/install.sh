#!/usr/bin/env bash
# Install or upgrade tnde-gateway on Debian 12 (run as root from the release tree):
#   /opt/tnde/.venv             the gateway in its own venv, from requirements.lock (hashes checked)
#   /opt/tnde/share/            the example configuration and organisation, the systemd unit,
#                               the nginx and Postfix recipes
#   tnde user and group         a system account (home /var/lib/tnde, no login shell)
#   /etc/tnde/tnde.toml         from deploy/tnde.example.toml, only when absent (never overwritten)
#   /var/lib/tnde               the data directory (SQLite database, trial TLS certificate)
#   /etc/systemd/system/tnde.service   (installed, not enabled or started: configure first)
#   /usr/local/bin/tnde         runs the installed `tnde` with /etc/tnde/tnde.toml as the tnde user
# Idempotent: a second run of the same release changes nothing; a run of a newer release
# replaces the code and the unit and keeps the configuration and the data. The venv is built
# with pip's configured index (PIP_INDEX_URL, PIP_FIND_LINKS and PIP_NO_INDEX work as usual, so
# an offline wheelhouse works too). Administrators' guide: docs/id/instalasi.md;
# tests/test_install.py runs this script unmodified in a throwaway mount namespace.
set -euo pipefail
umask 022

PREFIX=/opt/tnde
VENV=$PREFIX/.venv
SHARE=$PREFIX/share
CONF_DIR=/etc/tnde
CONFIG=$CONF_DIR/tnde.toml
DATA_DIR=/var/lib/tnde
UNIT=/etc/systemd/system/tnde.service
WRAPPER=/usr/local/bin/tnde
ACCOUNT=tnde
STAMP=$VENV/.tnde-release
DATABASE_URL="sqlite:///$DATA_DIR/tnde.db"

say() { printf 'tnde-install: %s\n' "$*"; }
fail() {
  printf 'tnde-install: GAGAL: %s\n' "$*" >&2
  exit 1
}

[ "$(id -u)" -eq 0 ] || fail "harus dijalankan sebagai root, misalnya: sudo $0"

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
for needed in pyproject.toml requirements.lock deploy/tnde.example.toml deploy/systemd/tnde.service; do
  [ -f "$SRC/$needed" ] || fail "berkas $SRC/$needed tidak ada; jalankan skrip ini dari direktori rilis tnde-gateway"
done
cd /

for tool in useradd groupadd runuser install cmp sha256sum; do
  command -v "$tool" >/dev/null || fail "perintah $tool tidak ditemukan (paket Debian: passwd, util-linux, coreutils, diffutils)"
done

# Debian's own Python by default: a Python under /root (pyenv) is not readable by the tnde user.
if [ -z "${PYTHON:-}" ]; then
  if [ -x /usr/bin/python3 ]; then PYTHON=/usr/bin/python3; else PYTHON=python3; fi
fi
command -v "$PYTHON" >/dev/null || fail "Python tidak ditemukan ($PYTHON); pasang dengan: apt-get install python3 python3-venv"
version=$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])') ||
  fail "$PYTHON tidak dapat dijalankan"
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' ||
  fail "perlu Python 3.11 atau lebih baru; $PYTHON adalah versi $version"
"$PYTHON" -c 'import ensurepip, venv' 2>/dev/null ||
  fail "modul venv Python $version tidak ada; pasang dengan: apt-get install python3-venv"

systemd_running() { [ -d /run/systemd/system ] && command -v systemctl >/dev/null; }

# put_file SRC DEST MODE OWNER GROUP: copy only when the content differs; sets CHANGED.
CHANGED=0
put_file() {
  local src=$1 dest=$2 mode=$3 owner=$4 group=$5
  CHANGED=0
  if ! { [ -f "$dest" ] && cmp -s "$src" "$dest"; }; then
    install -D -m "$mode" -o "$owner" -g "$group" "$src" "$dest"
    CHANGED=1
  fi
  chmod "$mode" "$dest"
  chown "$owner:$group" "$dest"
}

# --- the account -------------------------------------------------------------------------
if getent group "$ACCOUNT" >/dev/null; then
  say "grup $ACCOUNT sudah ada"
else
  groupadd --system "$ACCOUNT"
  say "grup $ACCOUNT dibuat"
fi
if getent passwd "$ACCOUNT" >/dev/null; then
  say "pengguna $ACCOUNT sudah ada"
else
  useradd --system --gid "$ACCOUNT" --home-dir "$DATA_DIR" --no-create-home \
    --shell /usr/sbin/nologin --comment "tnde-gateway" "$ACCOUNT"
  say "pengguna sistem $ACCOUNT dibuat"
fi

# --- directories: code is root's, the configuration readable by tnde, the data tnde's ----
install -d -m 755 -o root -g root "$PREFIX" "$SHARE"
install -d -m 750 -o root -g "$ACCOUNT" "$CONF_DIR"
install -d -m 750 -o "$ACCOUNT" -g "$ACCOUNT" "$DATA_DIR"

# --- the venv ----------------------------------------------------------------------------
STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT
# Built from a copy, so the release tree gets no build/ or egg-info of its own.
mkdir "$STAGE/src"
tar -C "$SRC" --exclude=__pycache__ --exclude='*.pyc' -cf - \
  pyproject.toml README.md requirements.lock gateway rules webadmin | tar -C "$STAGE/src" -xf -
release=$(
  cd "$STAGE/src"
  { echo "python $version"; find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum; } |
    sha256sum | cut -d' ' -f1
)

venv_broken=0
if [ -x "$VENV/bin/python" ] && ! "$VENV/bin/python" -c '' 2>/dev/null; then venv_broken=1; fi
if [ "$venv_broken" = 0 ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$release" ]; then
  say "tnde-gateway di $VENV sudah versi ini; tidak ada yang dipasang ulang"
else
  # Before anything of the venv is touched, even a broken one: a running service (its
  # ExecStartPre or a restart) must not meet a half-built venv.
  if systemd_running && systemctl is-active --quiet tnde.service; then
    fail "layanan tnde sedang berjalan; hentikan dulu (systemctl stop tnde), lalu ulangi"
  fi
  if [ "$venv_broken" = 1 ]; then
    say "venv $VENV rusak (Python berganti?); dibuat ulang"
    rm -rf "$VENV"
  fi
  [ -d "$VENV" ] || {
    say "membuat venv $VENV dengan $PYTHON (Python $version)"
    "$PYTHON" -m venv "$VENV"
  }
  export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1
  say "memasang dependensi dari requirements.lock (hash SHA-256 diperiksa)"
  "$VENV/bin/pip" install --quiet --root-user-action=ignore --use-pep517 --require-hashes \
    -r "$STAGE/src/requirements.lock" || fail "pip gagal memasang requirements.lock"
  say "memasang tnde-gateway dari $SRC"
  "$VENV/bin/pip" install --quiet --root-user-action=ignore --no-deps --force-reinstall \
    "$STAGE/src" || fail "pip gagal memasang tnde-gateway"
  echo "$release" >"$STAMP"
  say "tnde-gateway terpasang di $VENV"
fi

# --- shared files ------------------------------------------------------------------------
for file in tnde.example.toml demo-org.yaml demo-rules.yaml systemd/tnde.service nginx/tnde.conf \
  postfix/README.md; do
  if [ -f "$SRC/deploy/$file" ]; then put_file "$SRC/deploy/$file" "$SHARE/$file" 644 root root; fi
done

# --- the configuration: made once, never overwritten -------------------------------------
if [ -e "$CONFIG" ]; then
  say "$CONFIG sudah ada; tidak diubah (contoh terbaru: $SHARE/tnde.example.toml)"
else
  # The example's SQLite path is relative to the working directory; make it absolute.
  sed "s|^url = \"sqlite:///var/tnde.db\"$|url = \"$DATABASE_URL\"|" \
    "$SRC/deploy/tnde.example.toml" >"$STAGE/tnde.toml"
  grep -q "^url = \"$DATABASE_URL\"$" "$STAGE/tnde.toml" ||
    fail "baris [database] url di deploy/tnde.example.toml tidak dikenali"
  install -m 640 -o root -g "$ACCOUNT" "$STAGE/tnde.toml" "$CONFIG"
  say "$CONFIG dibuat dari contoh (basis data: $DATABASE_URL); sunting sebelum menjalankan"
fi

# --- systemd unit and the administrators' command ----------------------------------------
put_file "$SRC/deploy/systemd/tnde.service" "$UNIT" 644 root root
if [ "$CHANGED" = 1 ]; then
  say "unit systemd $UNIT dipasang"
  if systemd_running; then systemctl daemon-reload; fi
fi
cat >"$STAGE/tnde" <<EOF
#!/bin/sh
# tnde-gateway's command line for administrators (installed by deploy/install.sh): the
# installed gateway with $CONFIG, run as the $ACCOUNT user so that what it writes stays
# readable by the service.
export TNDE_CONFIG="\${TNDE_CONFIG:-$CONFIG}"
if [ "\$(id -u)" = 0 ]; then
  exec runuser -u $ACCOUNT -- $VENV/bin/tnde "\$@"
fi
exec $VENV/bin/tnde "\$@"
EOF
put_file "$STAGE/tnde" "$WRAPPER" 755 root root
[ "$CHANGED" = 0 ] || say "perintah $WRAPPER dipasang"

runuser -u "$ACCOUNT" -- "$VENV/bin/tnde" --help >/dev/null ||
  fail "pengguna $ACCOUNT tidak dapat menjalankan $VENV/bin/tnde (periksa izin berkas dan Python)"

say "selesai. Langkah berikutnya (docs/id/instalasi.md):"
say "  1. sunting $CONFIG: [mail] domain, [database] url, [web] public_url, [outbound] smarthost"
say "  2. tnde init && tnde check"
say "  3. systemctl enable --now tnde"
