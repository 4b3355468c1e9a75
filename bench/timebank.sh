#!/usr/bin/env bash
# Time-bank figures (issue 21).
#  1. Confirmed services/s sustained: PENDING services from volunteer1 to elder1 are written
#     pending; staff1 confirms them through the API with wrk (each once: the confirmation,
#     the bank → volunteer transfer of two movements and the audit record in one
#     transaction). Afterwards the books are checked: as many services confirmed as 200s,
#     every transfer two movements summing to zero.
#  2. A month's statistics over 50,000 volunteers and 2,000,000 hours: a year of confirmed
#     one-hour services by 50,000 volunteers (2,000,000 services, 2,000,000 transfers,
#     4,000,000 movements) is written into the demo community, with the monthly figures
#     the crediting transaction keeps (timebank_month_kinds, timebank_month_volunteers:
#     filled here by one aggregate over the rows written); staff1 reads last month's
#     figures (GET /api/v1/timebank/months/{month}: distinct volunteers, services and
#     minutes by kind) with wrk, and the same figures are recounted from the raw services
#     once (sqlite3/psql) for comparison. Goal: < 200 ms.
# Usage: bench/timebank.sh [sqlite|postgres] (default sqlite). Needs a release build, wrk,
# sqlite3 or psql.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$(realpath "${BIN:-target/release/gongzhi}")
KIND=${1:-sqlite}
PORT=${PORT:-18093}
PENDING=${PENDING:-200000}
SERVICES=${SERVICES:-2000000}
VOLUNTEERS=${VOLUNTEERS:-50000}
DURATION=${DURATION:-10s}
PG_ADMIN=${PG_ADMIN:-postgres://postgres:postgres@127.0.0.1:5432/postgres}
[ -x "$BIN" ] || { echo "build first: cargo build --release"; exit 1; }
DIR=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; [ -n "${KEEP:-}" ] || rm -rf "$DIR"' EXIT
if [ "$KIND" = postgres ]; then
  psql "$PG_ADMIN" -qc "drop database if exists gongzhi_timebank_bench" -qc "create database gongzhi_timebank_bench" >/dev/null
  URL="${PG_ADMIN%/*}/gongzhi_timebank_bench"
  sql() { psql "$URL" -qAtX -v ON_ERROR_STOP=1 -c "set session_replication_role = replica; $1"; }
  SERIES="generate_series(1::bigint, %N%) as g(i)"
  MONTH_OF="to_char(to_timestamp(confirmed_at / 1000 + 28800) at time zone 'UTC', 'YYYY-MM')"
else
  URL="sqlite://$DIR/gongzhi.db"
  sql() { sqlite3 "$DIR/gongzhi.db" ".timeout 60000" "pragma foreign_keys = off;" "$1"; }
  SERIES="(with recursive s(i) as (select 1 union all select i + 1 from s where i < %N%) select i from s) g"
  MONTH_OF="strftime('%Y-%m', confirmed_at / 1000 + 28800, 'unixepoch')"
fi
series() { echo "${SERIES//%N%/$1}"; }
(cd "$DIR" && exec "$BIN" serve --demo --addr 127.0.0.1:$PORT --database-url "$URL" >"$DIR/serve.log" 2>&1) &
until curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1; do sleep 0.1; done
BASE="http://127.0.0.1:$PORT"
TOKEN=$(curl -s -H 'content-type: application/json' -d '{"username":"staff1","password":"gongzhi-demo"}' "$BASE/api/v1/auth/login" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
VOL=$(sql "select id from users where username = 'volunteer1'")
ELDER=$(sql "select id from users where username = 'elder1'")
C=$(sql "select community_id from timebank_services order by id limit 1")
NOW=$(( $(date +%s) * 1000 ))

echo "### $KIND: confirmed services/s ($PENDING pending services, wrk -t2 -c4 $DURATION)"
sql "insert into timebank_services (community_id, provider_user, recipient_user, minutes, kind, note, status, created_at)
     select $C, $VOL, $ELDER, 30, 'companionship', 'bench', 'pending', $NOW from $(series "$PENDING")"
FIRST=$(sql "select min(id) from timebank_services where note = 'bench'")
LAST=$(sql "select max(id) from timebank_services where note = 'bench'")
TOKEN=$TOKEN FIRST=$FIRST LAST=$LAST THREADS=2 wrk -t2 -c4 -d"$DURATION" --latency -s bench/confirms.lua "$BASE" | grep -E "Requests/sec|Latency|50%|99%|answered"
echo "confirmed: $(sql "select count(*) from timebank_services where note = 'bench' and status = 'confirmed'");" \
  "unbalanced transfers: $(sql "select count(*) from (select transfer_id from timebank_movements group by transfer_id having sum(minutes) <> 0 or count(*) <> 2) x")"

echo "### $KIND: a month's statistics over $VOLUNTEERS volunteers and $SERVICES hours"
START=$(date +%s)
DAY=86400000
sql "insert into timebank_services (community_id, provider_user, recipient_user, minutes, kind, note, status, confirmed_by, confirmed_at, created_at)
     select $C, 1000000 + (i % $VOLUNTEERS), $ELDER, 60,
       case i % 4 when 0 then 'meal_delivery' when 1 then 'companionship' when 2 then 'escort' else 'shopping' end,
       'year', 'confirmed', $VOL, $NOW - (i % 365) * $DAY - 3600000, $NOW - (i % 365) * $DAY - 7200000 from $(series "$SERVICES")"
sql "insert into timebank_transfers (community_id, kind, service_id, note, created_by, created_at)
     select community_id, 'service', id, 'year', confirmed_by, confirmed_at from timebank_services where note = 'year'"
BANK=$(sql "select id from timebank_accounts where community_id = $C and user_id is null")
sql "insert into timebank_movements (transfer_id, account_id, minutes, created_at)
     select id, $BANK, -60, created_at from timebank_transfers where note = 'year'"
sql "insert into timebank_movements (transfer_id, account_id, minutes, created_at)
     select id, 2000000 + (service_id % $VOLUNTEERS), 60, created_at from timebank_transfers where note = 'year'"
# The monthly figures the crediting transaction would have kept, for the rows written above.
sql "insert into timebank_month_kinds (community_id, month, kind, services, minutes)
     select community_id, $MONTH_OF, kind, count(*), sum(minutes) from timebank_services where note = 'year' group by 1, 2, 3
     on conflict (community_id, month, kind) do update set services = timebank_month_kinds.services + excluded.services,
     minutes = timebank_month_kinds.minutes + excluded.minutes"
sql "insert into timebank_month_volunteers (community_id, month, user_id)
     select distinct community_id, $MONTH_OF, provider_user from timebank_services where note = 'year' on conflict do nothing"
sql "analyze" >/dev/null
echo "written in $(( $(date +%s) - START )) s: $(sql "select count(*) from timebank_services where note = 'year'") services," \
  "$(sql "select count(*) from timebank_movements") movements"
MONTH=$(python3 -c "import datetime; d = datetime.datetime.utcnow() + datetime.timedelta(hours=8); f = d.replace(day=1) - datetime.timedelta(days=1); print(f.strftime('%Y-%m'))")
curl -s -H "authorization: Bearer $TOKEN" "$BASE/api/v1/timebank/months/$MONTH" | python3 -c 'import json,sys; m = json.load(sys.stdin); print("month", m["month"], "volunteers", m["volunteers"], "services", m["services"], "hours", m["minutes"] // 60)'
wrk -t2 -c4 -d"$DURATION" --latency -H "authorization: Bearer $TOKEN" "$BASE/api/v1/timebank/months/$MONTH" | grep -E "Requests/sec|Latency|50%|99%"
S=$(date +%s%N)
echo "recount from the raw services: $(sql "select count(distinct provider_user) || ' volunteers, ' || count(*) || ' services, ' || sum(minutes) || ' minutes' from timebank_services where status = 'confirmed' and community_id = $C and $MONTH_OF = '$MONTH'") in $(( ($(date +%s%N) - S) / 1000000 )) ms"
