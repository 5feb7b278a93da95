#!/bin/sh
# Installs netkit: picks the binary for this machine (OS, CPU, C library),
# downloads it and SHA256SUMS, checks the checksum, installs it as `netkit`.
# A binary whose checksum does not match is never installed.
#
#   curl -fsSL https://github.com/netkit/netkit/releases/latest/download/install.sh | sh
#   wget -qO- https://github.com/netkit/netkit/releases/latest/download/install.sh | sh
#
# Environment:
#   NETKIT_BASE_URL     where the binaries and SHA256SUMS are
#                       (default: the latest release on GitHub)
#   NETKIT_INSTALL_DIR  where to put netkit (default: /usr/local/bin as root,
#                       else ~/.local/bin)
#   NETKIT_TARGET       skip detection: linux-x64, linux-x64-musl, linux-arm64,
#                       linux-arm64-musl, darwin-x64, darwin-arm64
#
# POSIX sh: runs under dash, bash and BusyBox ash; uses curl or wget
# (BusyBox's too) and sha256sum, `shasum -a 256` or BusyBox sha256sum.
set -eu

BASE_URL=${NETKIT_BASE_URL:-https://github.com/netkit/netkit/releases/latest/download}

say() { printf 'netkit install: %s\n' "$*" >&2; }
die() {
  say "$*"
  exit 1
}

# --- what this machine is -------------------------------------------------

detect_os() {
  case $(uname -s) in
    Linux) echo linux ;;
    Darwin) echo darwin ;;
    MINGW* | MSYS* | CYGWIN* | Windows*) die "on Windows, download netkit-windows-x64.exe from $BASE_URL/" ;;
    *) die "no netkit binary for this operating system: $(uname -s)" ;;
  esac
}

detect_arch() {
  case $(uname -m) in
    x86_64 | amd64) arch=x64 ;;
    aarch64 | arm64 | armv8*) arch=arm64 ;;
    *) die "no netkit binary for this CPU: $(uname -m) (there are x64 and arm64 ones)" ;;
  esac
  # An x64 shell on an arm64 Mac (Rosetta) still wants the arm64 binary.
  if [ "$1" = darwin ] && [ "$arch" = x64 ] &&
    [ "$(sysctl -n sysctl.proc_translated 2>/dev/null || true)" = 1 ]; then
    arch=arm64
  fi
  echo "$arch"
}

# musl (Alpine, many BusyBox systems) or glibc: ask ldd, else look for the loader.
detect_libc() {
  ldd_says=$(ldd --version 2>&1 || true)
  case $ldd_says in
    *musl*) echo musl && return ;;
    *GLIBC* | *"GNU libc"* | *glibc*) echo glibc && return ;;
  esac
  for loader in /lib/ld-musl-*.so.1; do
    if [ -e "$loader" ] && [ ! -e /lib64/ld-linux-x86-64.so.2 ] &&
      [ ! -e /lib/ld-linux-aarch64.so.1 ]; then
      echo musl && return
    fi
  done
  echo glibc
}

if [ -n "${NETKIT_TARGET:-}" ]; then
  target=$NETKIT_TARGET
else
  os=$(detect_os)
  arch=$(detect_arch "$os")
  target=$os-$arch
  if [ "$os" = linux ] && [ "$(detect_libc)" = musl ]; then target=$target-musl; fi
fi
case $target in
  linux-x64 | linux-x64-musl | linux-arm64 | linux-arm64-musl | darwin-x64 | darwin-arm64) ;;
  *) die "unknown target '$target'" ;;
esac
name=netkit-$target

# --- where it goes ---------------------------------------------------------

if [ -n "${NETKIT_INSTALL_DIR:-}" ]; then
  dir=$NETKIT_INSTALL_DIR
elif [ "$(id -u)" = 0 ]; then
  dir=/usr/local/bin
else
  [ -n "${HOME:-}" ] || die "HOME is not set; set NETKIT_INSTALL_DIR"
  dir=$HOME/.local/bin
fi

# --- tools -----------------------------------------------------------------

have() { command -v "$1" >/dev/null 2>&1; }

download() { # URL FILE
  if have curl; then
    curl -fsSL --retry 2 -o "$2" "$1" || die "cannot download $1"
  elif have wget; then
    wget -q -O "$2" "$1" || die "cannot download $1"
  else
    die "needs curl or wget to download"
  fi
}

sha256_of() { # FILE
  if have sha256sum; then
    sha256sum "$1" | cut -d ' ' -f 1
  elif have shasum; then
    shasum -a 256 "$1" | cut -d ' ' -f 1
  elif have openssl; then
    openssl dgst -sha256 -r "$1" | cut -d ' ' -f 1
  else
    die "needs sha256sum, shasum or openssl to check the download"
  fi
}

# --- download, check, install ----------------------------------------------

tmp=$(mktemp -d "${TMPDIR:-/tmp}/netkit-install.XXXXXX") || die "cannot make a temporary folder"
staged=""
cleanup() {
  rm -rf "$tmp"
  if [ -n "$staged" ]; then rm -f "$staged"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

say "downloading $name and SHA256SUMS from $BASE_URL/"
download "$BASE_URL/SHA256SUMS" "$tmp/SHA256SUMS"
download "$BASE_URL/$name" "$tmp/$name"

expected=""
while read -r sum file; do
  if [ "$file" = "$name" ] || [ "$file" = "*$name" ]; then expected=$sum; fi
done <"$tmp/SHA256SUMS"
[ -n "$expected" ] || die "SHA256SUMS has no line for $name; nothing installed"
case $expected in
  *[!0-9a-f]*) die "SHA256SUMS has a malformed line for $name; nothing installed" ;;
esac
[ ${#expected} -eq 64 ] || die "SHA256SUMS has a malformed line for $name; nothing installed"

actual=$(sha256_of "$tmp/$name")
if [ "$actual" != "$expected" ]; then
  die "checksum mismatch for $name: expected $expected, got $actual; nothing installed"
fi

mkdir -p "$dir" || die "cannot create $dir"
# Staged in the same folder and renamed: a running netkit is never half-overwritten.
staged=$dir/.netkit.install.$$
cp "$tmp/$name" "$staged" || die "cannot write to $dir"
chmod 755 "$staged"
mv -f "$staged" "$dir/netkit" || die "cannot write $dir/netkit"
staged=""

say "installed $dir/netkit (sha256 $actual)"
if version=$("$dir/netkit" --version 2>&1); then
  say "$version"
else
  say "warning: $dir/netkit does not run here: $version"
  case $target in
    *-musl) say "musl builds need the C++ runtime: on Alpine, apk add libstdc++ libgcc" ;;
  esac
fi
case ":${PATH:-}:" in
  *":$dir:"*) ;;
  *) say "$dir is not on PATH; add it, e.g. export PATH=\"$dir:\$PATH\"" ;;
esac
