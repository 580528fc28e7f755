#!/usr/bin/env bash
# 学生资助管理后台 on a Debian server, as production, in one command (run it again to upgrade):
#
#   sudo deploy/install.sh                       # this machine: PostgreSQL and Redis installed here
#   sudo deploy/install.sh --database-url postgresql://aid:PASS@db.example:5432/aid --redis-url redis://cache:6379/0
#
# It installs the runtime only (requirements.txt: no test tools, no browser), and:
#   - Debian packages: Python, the Chinese typeface and the libraries of the printed documents, the
#     PostgreSQL client (backups); PostgreSQL and Redis themselves unless other servers are named;
#   - a system user `aid`; the code in PREFIX/code (root's, read-only to the app), a virtualenv in
#     PREFIX/venv, the instance folder PREFIX/instance (the app's: uploads, print jobs, backups,
#     typefaces, the audit trail's anchors; mode 0700);
#   - /etc/aid.env (root:aid, 0640): AID_ENV=production, DATABASE_URL, REDIS_URL and the three keys,
#     generated once and never replaced (keep a copy of ENCRYPTION_KEY with the backups);
#   - the migrations, the roles, the typeface cut for the printed documents;
#   - systemd: aid-web (gunicorn), aid-worker@1 (the print worker, when REDIS_URL is set) and
#     aid-backup.timer (every night at 02:30), enabled and (re)started;
#   - PREFIX/nginx-aid.conf, the nginx example with this server's paths (see README "Deploying");
#   - PREFIX/bin/aid-flask: the app's commands as the app's user with its environment, e.g.
#     sudo -u aid /srv/aid/bin/aid-flask users create --role Admin --username chief
#
# Options:
#   --prefix DIR          where it lives (default /srv/aid)
#   --env-file FILE       the environment file (default /etc/aid.env; with --no-system PREFIX/aid.env)
#   --database-url URL    an existing PostgreSQL (default: a local one, database and role `aid`, peer login)
#   --redis-url URL|none  an existing Redis (default: a local redis-server); none: the web process prints
#   --no-system           no apt, no system user, no local PostgreSQL/Redis, no systemd, nothing outside
#                         PREFIX: the layout, virtualenv, keys and migrations only, as the current user
#                         (for trying it, and tests/test_deploy.py). Without --database-url: SQLite in PREFIX.
#   --venv DIR            use this existing virtualenv (with requirements.txt installed) instead of
#                         making PREFIX/venv; nothing is installed into it (tests: no download)
#   --skip-fonts          do not cut the typeface now (the print worker and the first print do it)
set -euo pipefail

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PREFIX=/srv/aid
ENV_FILE=
DATABASE_URL_ARG=
REDIS_URL_ARG=
SYSTEM=1
VENV=
FONTS=1
APP_USER=aid

die() { echo "install.sh: $*" >&2; exit 1; }
say() { echo "==> $*"; }

while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) PREFIX=$2; shift 2 ;;
    --env-file) ENV_FILE=$2; shift 2 ;;
    --database-url) DATABASE_URL_ARG=$2; shift 2 ;;
    --redis-url) REDIS_URL_ARG=$2; shift 2 ;;
    --no-system) SYSTEM=0; shift ;;
    --venv) VENV=$2; shift 2 ;;
    --skip-fonts) FONTS=0; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option $1 (--help lists them)" ;;
  esac
done

mkdir -p "$PREFIX"
PREFIX=$(cd "$PREFIX" && pwd)
CODE=$PREFIX/code
INSTANCE=$PREFIX/instance
GIVEN_VENV=$VENV
VENV=${VENV:-$PREFIX/venv}
if [ -z "$ENV_FILE" ]; then
  if [ "$SYSTEM" = 1 ]; then ENV_FILE=/etc/aid.env; else ENV_FILE=$PREFIX/aid.env; fi
fi
[ "$SRC" != "$CODE" ] || die "run the install.sh of a checkout, not the installed copy in $CODE"

as_app() {  # a command as the app's user, in the code folder, with the app's environment
  if [ "$SYSTEM" = 1 ]; then
    runuser -u "$APP_USER" -- "$PREFIX/bin/aid-run" "$@"
  else
    "$PREFIX/bin/aid-run" "$@"
  fi
}

# --- Debian packages, the user, PostgreSQL and Redis -------------------------------------------
if [ "$SYSTEM" = 1 ]; then
  [ "$(id -u)" = 0 ] || die "run as root (sudo), or with --no-system to try the layout as yourself"
  command -v apt-get >/dev/null || die "apt-get not found: this script is for Debian (12 or later)"
  packages="python3 python3-venv ca-certificates fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 postgresql-client"
  [ -n "$DATABASE_URL_ARG" ] || packages="$packages postgresql"
  [ -n "$REDIS_URL_ARG" ] || packages="$packages redis-server"
  say "Debian packages: $packages"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $packages >/dev/null
  if ! id -u "$APP_USER" >/dev/null 2>&1; then
    say "system user $APP_USER"
    adduser --system --group --home "$PREFIX" --no-create-home --shell /usr/sbin/nologin "$APP_USER" >/dev/null
  fi
  if [ -z "$DATABASE_URL_ARG" ]; then
    say "PostgreSQL: role and database $APP_USER (peer login over the local socket, no password)"
    systemctl enable --now postgresql >/dev/null 2>&1 || true
    cd /  # postgres cannot read root's folder
    runuser -u postgres -- psql -qtAc "SELECT 1 FROM pg_roles WHERE rolname = '$APP_USER'" | grep -q 1 \
      || runuser -u postgres -- createuser "$APP_USER"
    runuser -u postgres -- psql -qtAc "SELECT 1 FROM pg_database WHERE datname = '$APP_USER'" | grep -q 1 \
      || runuser -u postgres -- createdb --owner "$APP_USER" --encoding UTF8 --template template0 "$APP_USER"
    DATABASE_URL_ARG="postgresql://$APP_USER@/$APP_USER?host=/var/run/postgresql"
  fi
  if [ -z "$REDIS_URL_ARG" ]; then
    systemctl enable --now redis-server >/dev/null 2>&1 || true
    REDIS_URL_ARG=redis://127.0.0.1:6379/0
  fi
else
  command -v python3 >/dev/null || die "python3 is needed"
  [ -n "$DATABASE_URL_ARG" ] || DATABASE_URL_ARG="sqlite:///$INSTANCE/app.db"
fi
[ "$REDIS_URL_ARG" != none ] || REDIS_URL_ARG=

# --- the code ------------------------------------------------------------------------------------
say "code: $SRC -> $CODE"
rm -rf "$CODE.new"
mkdir -p "$CODE.new"
# the runtime only: the program's files (git's list in a checkout), without the tests, benchmarks and CI
runtime_only() {
  grep -zv -e '^tests/' -e '^bench/' -e '^\.ci/' -e '^\.github/' -e '^requirements-dev\.txt$' -e '^pytest\.ini$' \
    | while IFS= read -r -d '' f; do [ ! -f "$SRC/$f" ] || printf '%s\0' "$f"; done
}
if [ -d "$SRC/.git" ] || [ -f "$SRC/.git" ] && command -v git >/dev/null; then
  git -C "$SRC" ls-files -z --cached --others --exclude-standard | runtime_only | tar -C "$SRC" --null -T - -cf - | tar -C "$CODE.new" --no-same-owner -xf -
else  # an unpacked archive
  (cd "$SRC" && find . -type f ! -path './.git*' ! -path './.venv/*' ! -path './instance/*' ! -path '*/__pycache__/*' \
     ! -path './.hypothesis/*' ! -path './.pytest_cache/*' ! -path './.ruff_cache/*' -printf '%P\0' | runtime_only \
     | tar --null -T - -cf -) | tar -C "$CODE.new" --no-same-owner -xf -
fi
rm -rf "$CODE.old"
[ ! -d "$CODE" ] || mv "$CODE" "$CODE.old"
mv "$CODE.new" "$CODE"
rm -rf "$CODE.old"

# --- the virtualenv (runtime requirements only) ---------------------------------------------------
if [ -n "$GIVEN_VENV" ]; then
  "$VENV/bin/python" -c 'import flask_appbuilder, gunicorn' || die "$VENV lacks the packages of requirements.txt"
else
  if [ ! -x "$VENV/bin/python" ]; then
    say "virtualenv $VENV"
    python3 -m venv "$VENV"
  fi
  stamp=$VENV/.aid-requirements
  wanted=$(sha256sum "$CODE/requirements.txt" | cut -d' ' -f1)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
    say "packages of requirements.txt"
    "$VENV/bin/pip" install -q --upgrade pip
    "$VENV/bin/pip" install -q -r "$CODE/requirements.txt"
    echo "$wanted" > "$stamp"
  fi
fi

# --- the instance folder and the environment file ------------------------------------------------
mkdir -p "$INSTANCE" "$PREFIX/bin" "$(dirname "$ENV_FILE")"
chmod 0700 "$INSTANCE"
[ "$SYSTEM" = 0 ] || chown "$APP_USER:$APP_USER" "$INSTANCE"
if [ ! -f "$ENV_FILE" ]; then
  say "environment file $ENV_FILE"
  install -m 0600 /dev/null "$ENV_FILE"
  cat > "$ENV_FILE" <<EOF
# 学生资助管理后台: the service's environment (README "Configuration" lists every variable).
# Read by the systemd units (EnvironmentFile) and by $PREFIX/bin/aid-flask.
# The keys below were generated on the first install: never change them on a running county
# (ENCRYPTION_KEY decrypts the personal data, also in backups: keep a copy of it off this machine).
# COUNTY_NAME=全椒县
# COUNTY_CODE=341124
# CENTRE_HOTLINE=0550-5012345
EOF
fi
key() { python3 -c 'import secrets; print(secrets.token_urlsafe(48))'; }
setting() {  # NAME VALUE: written once; a value already in the file (set by hand) is kept
  case "$2" in *"'"*) die "$1 must not contain a single quote" ;; esac
  grep -q "^$1=" "$ENV_FILE" || printf "%s='%s'\n" "$1" "$2" >> "$ENV_FILE"
}
setting AID_ENV production
setting DATABASE_URL "$DATABASE_URL_ARG"
[ -z "$REDIS_URL_ARG" ] || setting REDIS_URL "$REDIS_URL_ARG"
setting INSTANCE_DIR "$INSTANCE"
setting SECRET_KEY "$(key)"
setting ENCRYPTION_KEY "$(key)"
setting AUDIT_KEY "$(key)"
setting PROXY_FIX 1
setting LOG_FORMAT json
setting TIMEZONE Asia/Shanghai
if [ "$SYSTEM" = 1 ]; then chown "root:$APP_USER" "$ENV_FILE"; chmod 0640 "$ENV_FILE"; else chmod 0600 "$ENV_FILE"; fi

# aid-run: a command with the app's environment, in the code folder; aid-flask: the app's commands
cat > "$PREFIX/bin/aid-run" <<EOF
#!/bin/sh
# A command with the environment of $ENV_FILE, in $CODE (written by deploy/install.sh).
set -a; . "$ENV_FILE"; set +a
cd "$CODE" && exec "\$@"
EOF
cat > "$PREFIX/bin/aid-flask" <<EOF
#!/bin/sh
# The app's commands (flask --help), with its environment: sudo -u $APP_USER $PREFIX/bin/aid-flask users list
exec "$PREFIX/bin/aid-run" "$VENV/bin/flask" --app run.py "\$@"
EOF
chmod 0755 "$PREFIX/bin/aid-run" "$PREFIX/bin/aid-flask"

# --- the database -------------------------------------------------------------------------------
say "migrations, roles"
as_app "$VENV/bin/flask" --app run.py db upgrade
as_app "$VENV/bin/flask" --app run.py sync-roles
if [ "$FONTS" = 1 ]; then
  say "the typeface of the printed documents"
  as_app "$VENV/bin/flask" --app run.py build-fonts
fi

# --- nginx example with this server's paths ------------------------------------------------------
purelib=$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
sed -e "s#/srv/aid/venv/lib/python3/site-packages#$purelib#g" -e "s#/srv/aid/#$PREFIX/#g" \
    "$CODE/deploy/nginx/aid.conf" > "$PREFIX/nginx-aid.conf"

# --- systemd -----------------------------------------------------------------------------------
if [ "$SYSTEM" = 1 ]; then
  say "systemd units"
  for unit in aid-web.service aid-worker@.service aid-backup.service aid-backup.timer; do
    sed -e "s#/srv/aid/venv/#$VENV/#g" -e "s#/srv/aid#$PREFIX#g" -e "s#/etc/aid.env#$ENV_FILE#g" \
        "$CODE/deploy/systemd/$unit" > "/etc/systemd/system/$unit"
  done
  systemctl daemon-reload
  systemctl enable --now aid-backup.timer
  systemctl enable aid-web.service
  systemctl reload-or-restart aid-web.service
  if [ -n "$REDIS_URL_ARG" ]; then
    systemctl enable aid-worker@1.service
    systemctl restart aid-worker@1.service
  fi
fi

say "done: $PREFIX (environment in $ENV_FILE)"
if [ "$SYSTEM" = 1 ]; then
  cat <<EOF
Next:
  1. the first administrator:  sudo -u $APP_USER $PREFIX/bin/aid-flask users create --role Admin --username NAME
  2. nginx (HTTPS):            see $PREFIX/nginx-aid.conf (README "Deploying")
  3. is it up?                 curl -s http://127.0.0.1:8000/healthz ; journalctl -u aid-web -f
EOF
fi
