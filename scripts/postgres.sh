# Sourced by CI and by hand: a throwaway PostgreSQL server for the tests.
#
#   source scripts/postgres.sh
#   postgres_start || exit 1      # sets STRIKELEDGER_TEST_POSTGRES and the variables below
#   trap postgres_stop EXIT       # the caller's trap: stops the server, removes its files
#   swift test --filter LedgerPostgresTests
#
# postgres_start installs Debian's `postgresql` when it is missing, runs `initdb` in a
# fresh temporary directory as a non-root user (PostgreSQL refuses to run as root: as
# root, the files belong to a system user `strikeledger-pg`, made when missing), starts
# the server with `pg_ctl` on a free port of 127.0.0.1 with its socket in that directory,
# fsync and synchronous_commit on, and creates one fresh database. It exports:
#   STRIKELEDGER_TEST_POSTGRES   postgres://strikeledger:PASSWORD@127.0.0.1:PORT/strikeledger_test
#   STRIKELEDGER_PG_DIR          the temporary directory (data/, the socket, server.log)
#   STRIKELEDGER_PG_PORT         the port
#   STRIKELEDGER_PG_RESTART      an executable that restarts the server (pg_ctl restart -m fast);
#                                `stop` and `start` beside it stop and start it, keeping its data
# postgres_restart restarts it (the data stays). Nothing here changes the caller's shell
# options; each function returns non-zero on failure.

STRIKELEDGER_PG_USER=${STRIKELEDGER_PG_USER:-strikeledger-pg}

# runuser and useradd live in the system directories, which a bare PATH (CI's, cron's)
# may lack.
case ":$PATH:" in *:/usr/sbin:*) ;; *) PATH="$PATH:/usr/sbin:/sbin" ;; esac

# Runs a command as the user that owns the cluster: the system user when we are root.
_strikeledger_pg_as() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u "$STRIKELEDGER_PG_USER" -- "$@"
  else
    "$@"
  fi
}

# Debian's server binaries, newest version first: /usr/lib/postgresql/<version>/bin.
_strikeledger_pg_bindir() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [ -n "$dir" ] && [ -x "$dir/initdb" ] && echo "$dir"
}

_strikeledger_pg_free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

postgres_start() {
  local bindir
  bindir=$(_strikeledger_pg_bindir)
  if [ -z "$bindir" ]; then
    echo "postgres.sh: installing Debian's postgresql" >&2
    apt-get update -qq || return 1
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql </dev/null >/dev/null || return 1
    bindir=$(_strikeledger_pg_bindir) || { echo "postgres.sh: no initdb after installing postgresql" >&2; return 1; }
  fi

  if [ "$(id -u)" = 0 ] && ! id -u "$STRIKELEDGER_PG_USER" >/dev/null 2>&1; then
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$STRIKELEDGER_PG_USER" || return 1
  fi

  local dir password port
  dir=$(mktemp -d /tmp/strikeledger-pg.XXXXXX) || return 1
  chmod 700 "$dir"
  [ "$(id -u)" = 0 ] && chown "$STRIKELEDGER_PG_USER" "$dir"
  password=$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')
  port=$(_strikeledger_pg_free_port) || return 1
  # Set before anything can fail, so that postgres_stop cleans up a half-made server.
  export STRIKELEDGER_PG_DIR=$dir STRIKELEDGER_PG_PORT=$port STRIKELEDGER_PG_BIN=$bindir

  printf '%s\n' "$password" >"$dir/pwfile"
  [ "$(id -u)" = 0 ] && chown "$STRIKELEDGER_PG_USER" "$dir/pwfile"
  chmod 600 "$dir/pwfile"
  # Passwords over TCP (the URL's password is really checked); trust on the socket,
  # which only the cluster's owner can reach in its 0700 directory.
  if ! _strikeledger_pg_as "$bindir/initdb" -D "$dir/data" -U strikeledger --pwfile="$dir/pwfile" \
      --auth-host=scram-sha-256 --auth-local=trust --encoding=UTF8 --locale=C >"$dir/initdb.log" 2>&1; then
    cat "$dir/initdb.log" >&2
    return 1
  fi
  rm -f "$dir/pwfile"
  # In postgresql.conf rather than on pg_ctl's command line, so a restart keeps them.
  cat >>"$dir/data/postgresql.conf" <<EOF

# strikeledger test server (scripts/postgres.sh)
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
fsync = on
synchronous_commit = on
full_page_writes = on
max_connections = 200
EOF
  cat >"$dir/restart" <<EOF
#!/bin/sh
# Restarts the test server (a fast shutdown: sessions are ended with 57P01), keeping its data.
exec $( [ "$(id -u)" = 0 ] && echo "runuser -u $STRIKELEDGER_PG_USER --" ) "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -m fast restart
EOF
  cat >"$dir/stop" <<EOF
#!/bin/sh
exec $( [ "$(id -u)" = 0 ] && echo "runuser -u $STRIKELEDGER_PG_USER --" ) "$bindir/pg_ctl" -D "$dir/data" -w -t 60 -m fast stop
EOF
  cat >"$dir/start" <<EOF
#!/bin/sh
exec $( [ "$(id -u)" = 0 ] && echo "runuser -u $STRIKELEDGER_PG_USER --" ) "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start
EOF
  chmod 755 "$dir/restart" "$dir/stop" "$dir/start"
  # The owner writes server.log; root (or the caller) reads it.
  if ! _strikeledger_pg_as "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null; then
    cat "$dir/server.log" >&2
    return 1
  fi
  if ! _strikeledger_pg_as "$bindir/createdb" -h "$dir" -p "$port" -U strikeledger strikeledger_test; then
    return 1
  fi
  export STRIKELEDGER_TEST_POSTGRES="postgres://strikeledger:$password@127.0.0.1:$port/strikeledger_test"
  export STRIKELEDGER_PG_RESTART="$dir/restart"
  echo "postgres.sh: PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port, data in $dir" >&2
}

# Restarts the server, keeping its data (a fast shutdown, as an operator's restart).
postgres_restart() {
  [ -n "${STRIKELEDGER_PG_RESTART:-}" ] || { echo "postgres.sh: no server started" >&2; return 1; }
  "$STRIKELEDGER_PG_RESTART" >/dev/null
}

# Stops the server and removes its directory; safe to call twice, or after a failed start.
postgres_stop() {
  local dir=${STRIKELEDGER_PG_DIR:-}
  [ -n "$dir" ] || return 0
  if [ -f "$dir/data/postmaster.pid" ]; then
    _strikeledger_pg_as "$STRIKELEDGER_PG_BIN/pg_ctl" -D "$dir/data" -w -t 60 -m fast stop >/dev/null 2>&1 \
      || _strikeledger_pg_as "$STRIKELEDGER_PG_BIN/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1
  fi
  case "$dir" in /tmp/strikeledger-pg.*) rm -rf "$dir" ;; esac
  unset STRIKELEDGER_PG_DIR STRIKELEDGER_PG_PORT STRIKELEDGER_TEST_POSTGRES STRIKELEDGER_PG_RESTART
  return 0
}
