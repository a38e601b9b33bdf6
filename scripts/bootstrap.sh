#!/usr/bin/env bash
# Sets up what Rivalwatch needs on a fresh Debian machine, once: Chromium, CJK fonts and Redis from
# Debian's packages, a virtual environment in .venv with the project and its test tools. Sourced by
# scripts/demo and scripts/test; safe to run again (each step is skipped when already done).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3

say() { printf '[setup] %s\n' "$*" >&2; }

need_apt=()
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
# Not `grep -q`: it stops reading early, fc-list dies of SIGPIPE, and pipefail calls the fonts missing.
fc-list 2>/dev/null | grep -iE 'Noto Sans CJK|WenQuanYi' >/dev/null || need_apt+=(fonts-noto-cjk)
# The broker of distributed crawls (crawl.backend = "celery") and of their tests; local crawls need none.
command -v redis-server >/dev/null 2>&1 || need_apt+=(redis-server)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null 2>&1; then
    say "need Debian packages ${need_apt[*]} but cannot install them (not root, no sudo)"; exit 1
  fi
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  say "installing Debian packages: ${need_apt[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if [ ! -x "$VENV/bin/python" ]; then
  say "creating virtual environment in .venv"
  "$PYTHON" -m venv "$VENV"
fi

# Reinstall only when pyproject.toml changed since the last install.
stamp="$VENV/.rivalwatch-installed"
want="$(sha256sum "$ROOT/pyproject.toml" | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  say "installing Python packages (pip install -e '.[test]')"
  "$VENV/bin/python" -m pip install -q --upgrade pip >/dev/null
  "$VENV/bin/python" -m pip install -q -e "$ROOT[test]"
  echo "$want" > "$stamp"
fi
