# Sourced by bench/import-export.sh and bench/million.sh.
# measure OUT CMD [ARGS...]: runs CMD with its stdout in OUT (stdin closed); prints
# "seconds max_rss_kib" of it (the peak RSS of the largest process of its tree) and
# returns its exit status.
measure() {
  python3 - "$@" <<'PY'
import resource, subprocess, sys, time
t = time.monotonic()
with open(sys.argv[1], "wb") as out:
    code = subprocess.call(sys.argv[2:], stdout=out, stdin=subprocess.DEVNULL)
elapsed = time.monotonic() - t
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(f"{elapsed:.3f} {rss}")
sys.exit(code)
PY
}
