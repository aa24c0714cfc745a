#!/usr/bin/env bash
# Installs what a fresh machine (Debian, Node 20+, root or sudo) lacks to build and test ralph-deploy:
# pnpm 10, the workspace's packages (Node 24 among them), and the servers the tests start on loopback
# (PostgreSQL 15, redis-server, prometheus/promtool, moto_server). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1msetup:\033[0m %s\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if ! command -v pnpm >/dev/null 2>&1 || ! pnpm --version | grep -q '^10\.'; then
  say "installing pnpm 10"
  npm install -g pnpm@10 >/dev/null
fi

need=()
[ -x /usr/lib/postgresql/15/bin/initdb ] || need+=(postgresql-15 postgresql-contrib)
command -v pg_dump >/dev/null 2>&1 || need+=(postgresql-client-15)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v prometheus >/dev/null 2>&1 || need+=(prometheus)
command -v zstd >/dev/null 2>&1 || need+=(zstd)
command -v pigz >/dev/null 2>&1 || need+=(pigz)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
if [ ${#need[@]} -gt 0 ]; then
  say "installing ${need[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
# The Debian packages start system services the tests do not use; the tests start their own.
for svc in redis-server prometheus postgresql; do
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$svc" 2>/dev/null; then as_root systemctl stop "$svc" || true; fi
done

if ! command -v moto_server >/dev/null 2>&1; then
  say "installing moto_server (AWS API emulator for the tests)"
  python3 -m pip install --quiet 'moto[server]>=5.1,<6' || {
    echo "setup: moto_server is missing and pip could not install it: pip install 'moto[server]>=5.1,<6'" >&2
    exit 1
  }
fi

say "installing the workspace (pnpm install)"
if [ "${CI:-}" = "true" ]; then pnpm install --frozen-lockfile; else pnpm install; fi
say "ready: node $(pnpm exec node --version) for tests and actions, pnpm $(pnpm --version)"
