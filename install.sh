#!/bin/sh
# Installs netkit: picks the build for this machine (OS, CPU, C library),
# downloads SHA256SUMS and either the build's archive (netkit-TARGET.tar.xz
# where xz is here, else .tar.gz where gzip is; both need tar) or the raw
# binary, checks what it downloaded against SHA256SUMS (an archive, and then
# the binary inside it against the raw binary's line), installs it as `netkit`.
# Nothing that fails a check is installed, and an installed netkit is only
# ever replaced whole (staged beside it, then renamed).
#
#   curl -fsSL https://github.com/netkit/netkit/releases/latest/download/install.sh | sh
#   wget -qO- https://github.com/netkit/netkit/releases/latest/download/install.sh | sh
#
# Environment:
#   NETKIT_BASE_URL     where the release files and SHA256SUMS are
#                       (default: the latest release on GitHub)
#   NETKIT_INSTALL_DIR  where to put netkit (default: /usr/local/bin as root,
#                       else ~/.local/bin)
#   NETKIT_TARGET       skip detection: linux-x64, linux-x64-musl, linux-arm64,
#                       linux-arm64-musl, darwin-x64, darwin-arm64
#   NETKIT_NO_VERIFY=1  install even when nothing here can check a SHA-256
#                       (without it, that is refused); a mismatch is always refused
#
# POSIX sh: runs under dash, bash and BusyBox ash; uses curl or wget
# (BusyBox's too), sha256sum, `shasum -a 256`, `busybox sha256sum` or openssl,
# and tar with xz/unxz or gzip/gunzip (BusyBox's too) when they are there.
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

# What checks a SHA-256, found before anything big is downloaded.
if have sha256sum; then
  sha256=sha256sum
elif have shasum; then
  sha256="shasum -a 256"
elif have busybox && busybox sha256sum </dev/null >/dev/null 2>&1; then
  sha256="busybox sha256sum"
elif have openssl; then
  sha256="openssl dgst -sha256 -r"
elif [ "${NETKIT_NO_VERIFY:-}" = 1 ]; then
  sha256=""
  say "WARNING: nothing here can check a SHA-256 (sha256sum, shasum, busybox, openssl);"
  say "WARNING: NETKIT_NO_VERIFY=1 is set, so the download is installed UNVERIFIED"
else
  die "cannot verify the download: needs sha256sum, shasum -a 256, busybox sha256sum or openssl (set NETKIT_NO_VERIFY=1 to install without checking, at your own risk); nothing installed"
fi

sha256_of() { # FILE
  $sha256 "$1" | cut -d ' ' -f 1
}

# The SHA-256 that SHA256SUMS lists for a file, or nothing.
listed_sum() { # NAME
  while read -r sum file; do
    if [ "$file" = "$1" ] || [ "$file" = "*$1" ]; then
      echo "$sum"
      return
    fi
  done <"$tmp/SHA256SUMS"
}

# Dies unless FILE's SHA-256 is SUM (a no-op with NETKIT_NO_VERIFY=1 and no tool).
verify() { # FILE SUM WHAT
  [ -n "$sha256" ] || return 0
  actual=$(sha256_of "$1")
  [ "$actual" = "$2" ] || die "$3: expected $2, got $actual; nothing installed"
}

# The command that writes an archive's tar to stdout, if this machine has one.
decompressor() { # tar.xz | tar.gz
  case $1 in
    tar.xz) if have xz; then echo "xz -dc"; elif have unxz; then echo "unxz -c"; fi ;;
    tar.gz) if have gzip; then echo "gzip -dc"; elif have gunzip; then echo "gunzip -c"; fi ;;
  esac
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

download "$BASE_URL/SHA256SUMS" "$tmp/SHA256SUMS"
expected=$(listed_sum "$name")
[ -n "$expected" ] || die "SHA256SUMS has no line for $name; nothing installed"
case $expected in
  *[!0-9a-f]*) die "SHA256SUMS has a malformed line for $name; nothing installed" ;;
esac
[ ${#expected} -eq 64 ] || die "SHA256SUMS has a malformed line for $name; nothing installed"

# The archive (a third to a half of the binary's size) where this machine can
# unpack it and the release has it: .tar.xz before .tar.gz; else the binary.
fetch=$name
unpack=""
if have tar; then
  for format in tar.xz tar.gz; do
    unpack=$(decompressor $format)
    if [ -n "$unpack" ] && [ -n "$(listed_sum "$name.$format")" ]; then
      fetch=$name.$format
      break
    fi
    unpack=""
  done
fi
say "downloading $fetch from $BASE_URL/"
download "$BASE_URL/$fetch" "$tmp/$fetch"
binary=$tmp/$fetch
if [ -n "$unpack" ]; then
  verify "$tmp/$fetch" "$(listed_sum "$fetch")" "checksum mismatch for $fetch"
  # The archive checked, the binary inside it must be the release's own binary too.
  { $unpack "$tmp/$fetch" || : >"$tmp/unpack-failed"; } |
    tar -xOf - "$name/netkit" >"$tmp/netkit" || : >"$tmp/unpack-failed"
  [ ! -e "$tmp/unpack-failed" ] || die "cannot unpack $name/netkit from $fetch; nothing installed"
  binary=$tmp/netkit
  verify "$binary" "$expected" "the netkit in $fetch is not the release's $name (checksum mismatch)"
else
  verify "$binary" "$expected" "checksum mismatch for $name"
fi
# verify() left the binary's own SHA-256 in $actual.
[ -n "$sha256" ] || actual="not checked"

mkdir -p "$dir" || die "cannot create $dir"
# Staged in the same folder and renamed: a running netkit is never half-overwritten.
staged=$dir/.netkit.install.$$
cp "$binary" "$staged" || die "cannot write to $dir"
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
