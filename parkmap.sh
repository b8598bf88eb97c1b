#!/usr/bin/env bash
# One entry point for a fresh machine (Debian, Python 3.11):
#   ./parkmap.sh run    install what is missing, build the demo database if absent, serve the app
#   ./parkmap.sh test   install what is missing (Chromium and CJK fonts too), run the whole test suite
#   ./parkmap.sh setup  install only
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

setup_python() {
  if [ ! -x "$VENV/bin/python" ]; then
    "$PY" -m venv "$VENV"
  fi
  local stamp="$VENV/.requirements.sha"
  local want; want=$(sha256sum requirements.txt | cut -d' ' -f1)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "==> pip install -r requirements.txt"
    "$VENV/bin/python" -m pip install -q --upgrade pip
    "$VENV/bin/python" -m pip install -q -r requirements.txt
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
}

case "${1:-}" in
  setup)
    setup_python; setup_browser_assets ;;
  run)
    setup_python; setup_browser_assets
    if [ ! -f "${PARKMAP_DB:-data/parkmap.duckdb}" ]; then "$VENV/bin/python" cli.py init-demo >/dev/null; fi
    shift
    # Loopback by default: serving other machines needs HOST=0.0.0.0 and a sign-in method (PARKMAP_AUTH, see README).
    exec "$VENV/bin/python" -m streamlit run serve.py --server.address "${HOST:-127.0.0.1}" --server.port "${PORT:-8501}" "$@" ;;
  test)
    setup_python; setup_browser_assets; setup_test_tools
    shift
    exec "$VENV/bin/python" -m pytest "$@" ;;
  *)
    echo "usage: ./parkmap.sh run | test [pytest args] | setup" >&2; exit 2 ;;
esac
