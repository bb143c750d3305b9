#!/usr/bin/env bash
# Renders a Carbon Reduction Plan's PDF to PNG pages (pdftoppm), to look at as a buyer would:
# a plan with scope 2 both ways (an electricity bill on a supplier-specific factor, one on a
# REGO tariff, one with none, district heat with a supplier factor) and required scope 3
# categories stated not applicable. Pages land in docs/screenshots/ (kept in the repository).
#   bash .ci/plan_screenshots.sh [path/to/carbonpass [output folder]]
# Needs curl, jq, pdftoppm and pdftotext (Debian: poppler-utils). CI runs it into a scratch folder
# (.ci/contract); the pages in docs/screenshots/ are the last ones a person looked at.
set -euo pipefail
binary=${1:-${CARGO_TARGET_DIR:-target}/release/carbonpass}
out=${2:-docs/screenshots}
work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
DATABASE_URL= CARBONPASS_RATE_LIMITS__ENABLED=false "$binary" --data-dir "$work" serve --demo --bind "127.0.0.1:$port" \
  > "$work/server.log" 2>&1 &
server=$!
url="http://127.0.0.1:$port"
for _ in $(seq 1 100); do curl -sf "$url/readyz" >/dev/null && break; sleep 0.1; done
auth="Authorization: Bearer $(grep -o -m 1 'cp_live_[0-9A-Za-z]*' "$work/server.log")"
site=$(curl -s -H "$auth" "$url/api/v1/company" | jq -er '.data.sites[0].id')
# The last reporting period that has ended (April start): the plan's.
year=$(date +%Y); [ "$(date +%m)" -lt 4 ] && year=$((year - 1))
start="$((year - 1))-04-01"; fy="$year"

bill() { # type consumption unit from to instrument-json
  printf '%%PDF-1.4\n%% %s\n' "$RANDOM$RANDOM" > "$work/bill.pdf"
  local id
  id=$(curl -s -H "$auth" -F "file=@$work/bill.pdf" -F "type=$1" -F "siteId=$site" "$url/api/v1/bills" | jq -er '.data.id')
  curl -sf -H "$auth" -H 'Content-Type: application/json' \
    -d "{\"consumption\": \"$2\", \"unit\": \"$3\", \"periodStart\": \"$4\", \"periodEnd\": \"$5\", \"allowOverlap\": true $6}" \
    "$url/api/v1/bills/$id/confirm" > /dev/null
}
bill electricity 12000 kWh "$start" "$((year - 1))-06-30" ', "marketInstrument": {"type": "supplier_specific", "kgCo2ePerKwh": "0.121", "source": "Supplier fuel mix disclosure"}'
bill electricity 9000 kWh "$((year - 1))-07-01" "$((year - 1))-09-30" ', "marketInstrument": {"type": "rego", "source": "REGO-backed tariff"}'
bill electricity 10500 kWh "$((year - 1))-10-01" "$((year - 1))-12-31" ''
bill gas 30000 kWh "$start" "$((year - 1))-09-30" ''
# A calculated baseline in 2019-20 (AR4 warming potentials, the 2019 factors): the plan explains
# the change from it, factors against activity.
bill electricity 40000 kWh 2019-04-01 2019-09-30 ''
bill gas 45000 kWh 2019-04-01 2019-09-30 ''
curl -sf -H "$auth" -H 'Content-Type: application/json' \
  -d "{\"activityType\": \"heat.district_heat_and_steam\", \"quantity\": \"8000\", \"unit\": \"kWh\", \"periodStart\": \"$year-01-01\", \"periodEnd\": \"$year-03-31\", \"marketInstrument\": {\"type\": \"supplier_specific\", \"kgCo2ePerKwh\": \"0.05\", \"source\": \"Heat network disclosure\"}}" \
  "$url/api/v1/activities" > /dev/null
curl -sf -X PUT -H "$auth" -H 'Content-Type: application/json' -d "{
  \"organisation\": {\"registeredAddress\": \"1 High Street, Birmingham B1 1AA\", \"companyNumber\": \"01234567\"},
  \"baselinePeriod\": \"2019-20\", \"netZeroYear\": 2045, \"interimTarget\": {\"year\": $((year + 4)), \"reductionPercent\": 42},
  \"projects\": [{\"title\": \"LED lighting\", \"description\": \"Warehouse and office\", \"status\": \"completed\", \"year\": $((year - 1)), \"estimatedSavingTco2e\": 3.2}],
  \"measures\": [{\"title\": \"ISO 14001 certification\"}],
  \"scope3Statements\": [
    {\"category\": 4, \"status\": \"not_applicable\", \"reason\": \"Suppliers deliver at their own cost; we buy no transport.\"},
    {\"category\": 5, \"status\": \"not_applicable\", \"reason\": \"Our landlord collects and reports the building's waste.\"},
    {\"category\": 6, \"status\": \"not_applicable\", \"reason\": \"No business travel in the period.\"},
    {\"category\": 7, \"status\": \"not_applicable\", \"reason\": \"All staff live on site.\"},
    {\"category\": 9, \"status\": \"not_applicable\", \"reason\": \"Customers collect their orders.\"}],
  \"declaration\": {\"signatoryName\": \"Ada Lovelace\", \"signatoryRole\": \"Managing Director\", \"signedOn\": \"$(date +%F)\"}
}" "$url/api/v1/crp-inputs" > /dev/null
plan=$(curl -s -H "$auth" -H 'Content-Type: application/json' -d "{\"fyYear\": \"$fy\"}" "$url/api/v1/crp" | jq -er '.data.id')
curl -sf -H "$auth" "$url/api/v1/crp/$plan/pdf" -o "$work/plan.pdf"
# What a buyer reads: both scope 2 figures, the market-based one outside the total, and every
# required category stated.
text=$(pdftotext "$work/plan.pdf" - | tr -s ' \n' ' ')
for expected in "Scope 2 (location-based)" "Scope 2 (market-based)" "not in the total" "3 of 4 records" \
  "Not applicable: All staff live on site." "Signed on behalf of the Supplier" "Change from the baseline explained" \
  "IPCC AR4" "Emissions fell from" "Figure 1"; do
  grep -qF "$expected" <<<"$text" || { echo "the plan's PDF lacks: $expected"; exit 1; }
done
mkdir -p "$out"
rm -f "$out"/plan-page-*.png
pdftoppm -r 80 -png "$work/plan.pdf" "$out/plan-page"
ls "$out"/plan-page-*.png
