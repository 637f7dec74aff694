#!/bin/sh
# /usr/local/bin/postroom — the `postroom` command for operators on a production machine: runs
# /opt/postroom's CLI as the service's user, with the service's environment, so that what it
# writes into the data directory (SQLite's -wal and -shm files, secret.key) stays the service's.
# Run as root it would leave root-owned files the service can no longer write.
#
# Install: install -m 0755 deploy/postroom-cli.sh /usr/local/bin/postroom
# Then, e.g.: postroom migrate, postroom queue list, postroom server test "Office relay"
set -eu

POSTROOM_HOME=${POSTROOM_HOME:-/opt/postroom}
POSTROOM_ENV=${POSTROOM_ENV:-/etc/postroom/postroom.env}
POSTROOM_USER=${POSTROOM_USER:-postroom}

if [ "$(id -un)" != "$POSTROOM_USER" ]; then
  exec sudo -u "$POSTROOM_USER" -- env POSTROOM_HOME="$POSTROOM_HOME" POSTROOM_ENV="$POSTROOM_ENV" POSTROOM_USER="$POSTROOM_USER" "$0" "$@"
fi

set -a
. "$POSTROOM_ENV"
set +a
cd "${POSTROOM_DATA_DIR:-/var/lib/postroom}"
exec /usr/bin/env node "$POSTROOM_HOME/dist/src/cli/main.js" "$@"
