# Installs the Debian packages MVVD builds and tests with; a no-op when they are all present.
# Sourced by test/all.sh and test/demo.sh.

MVVD_PACKAGES=(
  postgresql-15 postgresql-server-dev-15 postgresql-client-15 g++ make cmake
  libxsimd-dev libhnswlib-dev libgtest-dev libbenchmark-dev libipc-run-perl python3-numpy
)

mvvd_install_deps() {
  local missing=()
  for p in "${MVVD_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing packages: ${missing[*]} (run as root, or install them)" >&2
    return 1
  fi
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 update -qq || true
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" </dev/null
}
