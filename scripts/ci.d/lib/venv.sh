# Sourced by CI stages: a virtualenv holding one pinned PyPI package, made once and kept
# in the cache between runs, its tools run by path (never activated).
#
#   source scripts/ci.d/lib/venv.sh
#   pinned_venv geojson geojson-pydantic 2.2.0    # sets $venv; $GEOJSON_VENV overrides the place
#   "$venv/bin/python" ...

pinned_venv() {
  local label=$1 package=$2 version=$3 override
  override=$(echo "${label}_VENV" | tr '[:lower:]-' '[:upper:]_')
  venv=${!override:-${XDG_CACHE_HOME:-$HOME/.cache}/strikeledger-ci/$label-venv}
  if ! "$venv/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('$package') != '$version')" 2>/dev/null; then
    echo "$label: installing $package $version into $venv"
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check "$package==$version" </dev/null
  fi
}
