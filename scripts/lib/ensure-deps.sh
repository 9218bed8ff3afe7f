# Sourced by scripts/run.sh and scripts/test.sh: installs what a fresh Debian machine with
# the Swift toolchain lacks. Idempotent; quiet when everything is there.

apt_install() {
  local sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  echo "installing $* (Debian packages)" >&2
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

ensure_libzmq() {
  pkg-config --exists zlib 2>/dev/null || apt_install zlib1g-dev
  if ! pkg-config --exists libzmq 2>/dev/null; then
    command -v pkg-config >/dev/null || apt_install pkg-config
    apt_install libzmq3-dev
  fi
}

# A project virtual environment with the Python test and client dependencies (PyPI).
ensure_python_env() {
  local root=$1
  local venv="$root/.venv"
  if [[ ! -x $venv/bin/python ]]; then
    python3 -m venv "$venv" 2>/dev/null || { apt_install python3-venv && python3 -m venv "$venv"; }
  fi
  if ! "$venv/bin/python" -c "import zmq, numpy, pytest, h5py, pandas, pyarrow, qkeras" 2>/dev/null; then
    "$venv/bin/pip" install -q --disable-pip-version-check -r "$root/clients/python/requirements.txt"
  fi
}

# Debian's headless Chromium, with which the tests look at the HTML reports.
ensure_chromium() {
  command -v chromium >/dev/null || apt_install --no-install-recommends chromium fonts-dejavu-core
}

# Debian's Prometheus server, which the monitoring tests start themselves (never as a service).
ensure_prometheus() {
  command -v prometheus >/dev/null || apt_install --no-install-recommends prometheus
}
