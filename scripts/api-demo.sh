#!/usr/bin/env bash
# The supplier API with only the demo credentials: token, deliver, poll, report (JSON and .xlsx).
# Usage: scripts/api-demo.sh [BASE_URL]   (default http://127.0.0.1:3000; the portal must run)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BASE="${1:-${CBS_MONITOR_BASE_URL:-http://127.0.0.1:3000}}"
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
ms() { date +%s%3N; }

creds="$("$ROOT/.venv/bin/cbs-monitor" demo-supplier --json)"
id="$(jq -r .client_id <<<"$creds")"
secret="$(jq -r .client_secret <<<"$creds")"

t0=$(ms)
token="$(curl -sf -u "$id:$secret" -d grant_type=client_credentials "$BASE/api/v1/token" | jq -r .access_token)"
t1=$(ms)
period="$(curl -sf -H "Authorization: Bearer $token" "$BASE/api/v1/periods" |
  jq -r '[.[] | select(.delivery_window_open)][0].code')"
"$ROOT/.venv/bin/cbs-monitor" generate-sample --municipality 0363 --period "$period" \
  --out "$OUT" >/dev/null
file="$(ls "$OUT"/WMO_0363_*.csv)"

t2=$(ms)
receipt="$(curl -sf -H "Authorization: Bearer $token" -H "Idempotency-Key: demo-$(date +%s)" \
  -F "file=@$file" "$BASE/api/v1/deliveries")"
t3=$(ms)
url="$BASE$(jq -r .status_url <<<"$receipt")"
for _ in $(seq 1 300); do # at most a minute
  stage="$(curl -sf -H "Authorization: Bearer $token" "$url" | tee "$OUT/status.json" | jq -r .stage)"
  [ "$stage" = klaar ] && break
  sleep 0.2
done
[ "$stage" = klaar ] || { echo "no technical report after a minute (stage: $stage)" >&2; exit 1; }
t4=$(ms)
curl -sf -H "Authorization: Bearer $token" -o "$OUT/technisch.xlsx" "$url/technical-report.xlsx"

echo "receipt: $(jq -c '{id, municipality_code, period_code, size, sha256}' <<<"$receipt")"
echo "technical_report: $(jq -c '.technical_report | {status, records_read, records_valid, records_with_errors}' "$OUT/status.json")"
echo "technisch rapport .xlsx: $(wc -c <"$OUT/technisch.xlsx") bytes"
echo "timings (ms): token $((t1 - t0)), deliver $((t3 - t2)), report ready after $((t4 - t2))"
