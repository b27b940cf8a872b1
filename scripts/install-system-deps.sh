#!/usr/bin/env bash
# Installs the Debian packages the tests use when they are missing (as root,
# through apt): InfluxDB 1.x server, Mosquitto command-line clients, Chromium
# and a Chinese font for the browser tests, docker-compose to validate the
# compose file, openssl for test certificates, poppler-utils for the printed form,
# Caddy for the HTTPS proxy of docker-compose.yml (test/dashboards/proxy.test.ts runs deploy/Caddyfile),
# RabbitMQ 3.10 (with its MQTT plugin and HTTP auth backend) and PostgreSQL 15 for the cluster groundwork
# of issue 19 (test/support/rabbitmq.ts, test/support/postgres.ts; deploy/cluster/README.md).
# `install-system-deps.sh bench` adds what `npm run bench` needs besides: the Mosquitto broker of the peers.
set -euo pipefail

need=()
command -v influxd >/dev/null || need+=(influxdb)
command -v mosquitto_pub >/dev/null || need+=(mosquitto-clients)
command -v chromium >/dev/null || need+=(chromium)
command -v docker-compose >/dev/null || need+=(docker-compose)
command -v openssl >/dev/null || need+=(openssl)
# pdfinfo and pdftotext read back the signed form printed to PDF (test/checklist/print.test.ts).
command -v pdftotext >/dev/null || need+=(poppler-utils)
command -v caddy >/dev/null || need+=(caddy)
# The scripts themselves, not /usr/sbin's wrappers (those switch to the rabbitmq user).
[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || need+=(rabbitmq-server)
[ -x /usr/lib/postgresql/15/bin/postgres ] || need+=(postgresql-15)
if [ "${1:-}" = bench ]; then [ -x /usr/sbin/mosquitto ] || need+=(mosquitto); fi
fc-list 2>/dev/null | grep -qi 'microhei' || need+=(fonts-wqy-microhei)

if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" != 0 ]; then
  echo "missing system packages: ${need[*]}" >&2
  echo "install them with: sudo apt-get install -y ${need[*]}" >&2
  exit 1
fi
echo "== installing system packages: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
