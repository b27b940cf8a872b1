#!/usr/bin/env bash
# Writes the secrets docker-compose.yml mounts (compose `secrets:`), once:
# three passwords, the simulator's admin token and a self-signed TLS
# certificate for GW_PUBLIC_HOST (the proxy's HTTPS and gatewatch's mqtts).
# Idempotent: a file that exists is kept, so running it again never changes a
# password a volume was initialised with. Replace tls_cert.pem / tls_key.pem
# with a CA-issued pair when you have one (same names).
#
#   GW_PUBLIC_HOST=gatewatch.example.org bash scripts/compose-secrets.sh [DIR]
#
# DIR defaults to $GW_SECRETS_DIR or secrets/ next to docker-compose.yml. The directory is 0700 (only its
# owner can reach the files); the files are 0644 because compose bind-mounts
# them into the containers as they are, and gatewatch runs as the image's
# non-root user `node`, not as their owner.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"

dir="${1:-${GW_SECRETS_DIR:-$root/secrets}}"
host="${GW_PUBLIC_HOST:-localhost}"
# The certificate names the host as clients dial it: an IP address or a DNS name.
if [[ "$host" =~ ^[0-9.]+$ || "$host" == *:* ]]; then san="IP:$host"; else san="DNS:$host"; fi
command -v openssl >/dev/null || { echo "compose-secrets: openssl is needed (apt-get install openssl)" >&2; exit 1; }

mkdir -p "$dir"
chmod 0700 "$dir"
umask 022

# 32 characters from [A-Za-z0-9]: what every consumer accepts without quoting.
random32() {
  local out=''
  while [ ${#out} -lt 32 ]; do out+="$(openssl rand -base64 48 | tr -dc 'A-Za-z0-9')"; done
  printf '%s' "${out:0:32}"
}

made=()
for name in influx_admin_password influx_grafana_password grafana_admin_password sim_token; do
  if [ ! -s "$dir/$name" ]; then
    random32 >"$dir/$name"
    made+=("$name")
  fi
  chmod 0644 "$dir/$name"
done

if [ ! -s "$dir/tls_cert.pem" ] || [ ! -s "$dir/tls_key.pem" ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 825 \
    -subj "/CN=$host" -addext "subjectAltName=$san" \
    -keyout "$dir/tls_key.pem" -out "$dir/tls_cert.pem" 2>/dev/null
  made+=("tls_cert.pem (self-signed for $host)" tls_key.pem)
fi
chmod 0644 "$dir/tls_cert.pem" "$dir/tls_key.pem"

if [ ${#made[@]} -eq 0 ]; then
  echo "compose-secrets: $dir is complete; nothing changed"
else
  echo "compose-secrets: wrote ${made[*]} in $dir"
fi
