#!/usr/bin/env bash
# One entry point for a fresh machine (Debian, Python 3.11):
#   ./parkmap.sh run    install what is missing, build the demo database if absent, serve the app
#   ./parkmap.sh test   install what is missing (Chromium and CJK fonts too), run the whole test suite
#   ./parkmap.sh setup  install only (offline inside a bundle: from its wheelhouse/, see ./parkmap.sh bundle)
#   ./parkmap.sh serve  serve the app only (what the systemd unit in deploy/ runs)
#   ./parkmap.sh bundle build the offline installation archive in dist/ (on a connected machine)
#   ./parkmap.sh lock   rewrite constraints.txt (every transitive dependency pinned)
set -euo pipefail
cd "$(dirname "$0")"
PY=${PYTHON:-python3}
VENV=.venv

need_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

apt_install() {  # apt_install CMD-OR-FILE PACKAGE...
  local probe=$1; shift
  if command -v "$probe" >/dev/null 2>&1 || [ -e "$probe" ]; then return 0; fi
  echo "==> apt-get install $*"
  need_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive need_root apt-get install -y -qq "$@" >/dev/null
}

# The pinned requirements: requirements.txt is what the app needs, requirements-test.txt adds the test tools
# (pytest, Playwright, ruff); constraints.txt pins every transitive dependency of both (./parkmap.sh lock rewrites it).
# Inside an offline bundle (./parkmap.sh bundle) everything comes from its wheelhouse/ and nothing from the network.
WHEELHOUSE=wheelhouse
pip_install() {
  local offline=()
  if [ -d "$WHEELHOUSE" ]; then offline=(--no-index --find-links "$WHEELHOUSE"); fi
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check "${offline[@]}" -c constraints.txt "$@"
}

setup_python() {  # setup_python REQUIREMENTS-FILE
  local wanted=$1
  if [ ! -x "$VENV/bin/python" ] && ! "$PY" -c "import ensurepip" 2>/dev/null && compgen -G "debs/*.deb" >/dev/null; then
    echo "==> dpkg -i debs/*.deb (python3-venv, from the offline bundle)"
    need_root dpkg -i debs/*.deb >/dev/null
  fi
  if [ ! -x "$VENV/bin/python" ]; then
    "$PY" -m venv "$VENV" || { echo "python3 -m venv 失败：请先安装 python3-venv（离线包内 debs/ 目录有 .deb）" >&2; exit 1; }
  fi
  local stamp="$VENV/.${wanted%.txt}.sha"
  local want; want=$(cat "$wanted" requirements.txt constraints.txt | sha256sum | cut -d' ' -f1)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    if [ -d "$WHEELHOUSE" ]; then echo "==> pip install -r $wanted (offline, from $WHEELHOUSE/)"; else echo "==> pip install -r $wanted"; fi
    pip_install pip
    pip_install -r "$wanted"
    echo "$want" > "$stamp"
  fi
}

setup_browser_assets() {
  # Leaflet and plugins from the npm registry, served by the app from ./static (never from a CDN).
  # The map workbench (ui/mapkit) loads Leaflet-Geoman from there too, by relative URL.
  if [ ! -f static/vendor/node_modules/leaflet/dist/leaflet.js ] || [ ! -f static/vendor/node_modules/leaflet.markercluster/dist/leaflet.markercluster.js ] \
     || [ ! -f static/vendor/node_modules/@geoman-io/leaflet-geoman-free/dist/leaflet-geoman.min.js ]; then
    apt_install npm npm
    echo "==> npm ci (static/vendor)"
    (cd static/vendor && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

setup_test_tools() {
  apt_install chromium chromium
  apt_install /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc fonts-noto-cjk
  # the PDF 通报 embeds a TrueType CJK font (reportlab cannot embed Noto CJK's CFF outlines); the .docx is rendered
  # with LibreOffice Writer in the tests
  apt_install /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc fonts-wqy-zenhei
  apt_install /usr/lib/libreoffice/program/libswlo.so libreoffice-writer-nogui
  # pdftotext / pdftoppm: the tests read the PDF 通报 back and render the Word one's pages
  apt_install pdftotext poppler-utils
}


# ./parkmap.sh bundle, on a connected machine like the server (same Debian release, CPU and Python minor version):
# one archive with the source of HEAD, every wheel (wheelhouse/), the browser assets (static/vendor/node_modules)
# and, where apt-get can fetch them, the .deb of python3-venv and of the PDF font (debs/). BUNDLE_TESTS=1 adds the
# test tools' wheels; BUNDLE_DIR=… writes elsewhere than dist/; BUNDLE_PLATFORM=manylinux_2_28_x86_64 BUNDLE_PYTHON=3.11 fetch wheels for another machine.
bundle() {
  command -v git >/dev/null 2>&1 && git rev-parse --git-dir >/dev/null 2>&1 \
    || { echo "bundle 需要在 git 仓库中运行（打包的是已提交的 HEAD）" >&2; exit 2; }
  setup_python requirements.txt
  local version; version=$(git describe --always --tags HEAD)
  if [ -n "$(git status --porcelain --untracked-files=no)" ]; then
    echo "注意：打包的是已提交的 HEAD（$version），工作区中未提交的修改不在包内" >&2
  fi
  local name="parkmap-$version-offline"
  STAGE=$(mktemp -d)
  trap 'rm -rf "$STAGE"' EXIT
  local stage=$STAGE
  local out=${BUNDLE_DIR:-dist}
  mkdir -p "$stage/$name" "$out"
  git archive --format=tar HEAD | tar -x -C "$stage/$name"
  local wanted=(-r "$stage/$name/requirements.txt")
  if [ "${BUNDLE_TESTS:-0}" = 1 ]; then wanted=(-r "$stage/$name/requirements-test.txt"); fi
  local target=()
  if [ -n "${BUNDLE_PLATFORM:-}" ]; then
    local py=${BUNDLE_PYTHON:-3.11}
    target=(--platform "$BUNDLE_PLATFORM" --python-version "$py" --implementation cp --abi "cp${py/./}")
  fi
  echo "==> pip download → wheelhouse/"
  "$VENV/bin/python" -m pip download -q --disable-pip-version-check --only-binary=:all: "${target[@]}" \
    -c "$stage/$name/constraints.txt" -d "$stage/$name/$WHEELHOUSE" pip "${wanted[@]}"
  echo "==> npm ci → static/vendor/node_modules"
  apt_install npm npm
  (cd "$stage/$name/static/vendor" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  if [ -z "${BUNDLE_PLATFORM:-}" ] && command -v apt-get >/dev/null 2>&1; then  # this machine's release only
    echo "==> apt-get download → debs/"
    mkdir -p "$stage/$name/debs"
    (cd "$stage/$name/debs" && apt-get download python3-venv "python3.$("$PY" -c 'import sys; print(sys.version_info.minor)')-venv" \
       python3-pip-whl python3-setuptools-whl fonts-wqy-zenhei >/dev/null 2>&1) \
      || { echo "    （未能下载 .deb：服务器需已装 python3-venv）"; rm -rf "$stage/$name/debs"; }
  fi
  {
    echo "园区承载力与项目地图 离线安装包 $version"
    echo "制作于 $(date '+%Y-%m-%d %H:%M') · $(. /etc/os-release && echo "$PRETTY_NAME") · $(uname -m) · Python $("$PY" -c 'import platform; print(platform.python_version())')"
    echo "wheel 平台：${BUNDLE_PLATFORM:-与制作机相同}"
    echo
    echo "安装：tar -xzf $name.tar.gz && cd $name && ./parkmap.sh setup   （不联网）"
    echo "运行：./parkmap.sh serve，或按 deploy/README.md 装成 systemd 服务"
  } > "$stage/$name/BUNDLE.txt"
  tar -czf "$out/$name.tar.gz" -C "$stage" "$name"
  (cd "$out" && sha256sum "$name.tar.gz" > "$name.tar.gz.sha256")
  echo "==> $out/$name.tar.gz ($(du -h "$out/$name.tar.gz" | cut -f1)), sha256 in $out/$name.tar.gz.sha256"
}

# ./parkmap.sh lock: rewrite constraints.txt from a fresh environment of requirements-test.txt (network needed).
lock() {
  STAGE=$(mktemp -d)
  trap 'rm -rf "$STAGE"' EXIT
  local tmp=$STAGE
  "$PY" -m venv "$tmp/venv"
  "$tmp/venv/bin/python" -m pip install -q --disable-pip-version-check -r requirements-test.txt
  {
    echo "# Every transitive dependency of requirements-test.txt (which includes requirements.txt), pinned."
    echo "# Written by ./parkmap.sh lock; pip installs and the offline bundle use it with -c."
    "$tmp/venv/bin/python" -m pip freeze --all --disable-pip-version-check | grep -v '^setuptools=='
  } > constraints.txt
  echo "==> constraints.txt: $(grep -vc '^#' constraints.txt) pins"
}

serve() {  # the app only: no installing, no demo (the systemd unit runs this)
  # Loopback by default: serving other machines needs HOST=0.0.0.0 and a sign-in method (PARKMAP_AUTH, see README).
  exec "$VENV/bin/python" -m streamlit run serve.py --server.address "${HOST:-127.0.0.1}" --server.port "${PORT:-8501}" "$@"
}

case "${1:-}" in
  setup)
    setup_python requirements.txt; setup_browser_assets ;;
  run)
    setup_python requirements.txt; setup_browser_assets
    if [ ! -f "${PARKMAP_DB:-data/parkmap.duckdb}" ]; then "$VENV/bin/python" cli.py init-demo >/dev/null; fi
    shift; serve "$@" ;;
  serve)
    shift; serve "$@" ;;
  test)
    setup_python requirements-test.txt; setup_browser_assets; setup_test_tools
    shift
    exec "$VENV/bin/python" -m pytest "$@" ;;
  bundle)
    bundle ;;
  lock)
    lock ;;
  *)
    echo "usage: ./parkmap.sh run | serve | test [pytest args] | setup | bundle | lock" >&2; exit 2 ;;
esac
