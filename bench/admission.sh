#!/usr/bin/env bash
# Load benchmark of `rampart admission serve`: real AdmissionReview v1
# requests (a privileged pod, denied, and a compliant pod, admitted,
# alternating) over HTTPS on loopback at a fixed offered rate, with wrk
# (Debian: `apt-get install wrk`). Prints wrk's latency percentiles and the
# server's resident memory before, during and after the run.
#
#   bench/admission.sh                  1000 req/s for 30 s
#   RATE=2000 DURATION=60 bench/admission.sh
#   DURATION=600 bench/admission.sh    a 10-minute soak
#   RAMPART=target/debug/rampart bench/admission.sh   another binary
#   POLICIES=50 bench/admission.sh    with 50 custom policies (bench/policies.py)
#
# Traffic goes to 127.0.0.1 only, and the run stops by itself.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
rate=${RATE:-1000}
duration=${DURATION:-30}
connections=${CONNECTIONS:-20}
rampart=${RAMPART:-}
policies=${POLICIES:-0}

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 2; }
command -v curl >/dev/null || { echo "curl is missing: apt-get install curl" >&2; exit 2; }
if [ -z "$rampart" ]; then
  (cd "$root" && cargo build --release -p rampart --quiet)
  rampart=$root/target/release/rampart
fi

work=$(mktemp -d)
server=
cleanup() {
  if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then
    kill -TERM "$server"
    wait "$server" || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

"$rampart" admission certs --service rampart-webhook -n rampart-system -o "$work/certs" >/dev/null
# A free port: bind 0 and keep the number.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
policy_args=()
if [ "$policies" -gt 0 ]; then
  python3 "$root/bench/policies.py" "$policies" "$work/policies" >/dev/null
  policy_args=(--policy "$work/policies")
fi
"$rampart" admission serve --tls-cert "$work/certs/tls.crt" --tls-key "$work/certs/tls.key" \
  --listen "127.0.0.1:$port" "${policy_args[@]}" 2>"$work/server.log" &
server=$!

name=rampart-webhook.rampart-system.svc
curl_() {
  curl -sS --max-time 5 --cacert "$work/certs/ca.crt" --resolve "$name:$port:127.0.0.1" "$@"
}
for _ in $(seq 100); do
  curl_ -o /dev/null "https://$name:$port/readyz" 2>/dev/null && break
  sleep 0.1
done
fixtures=$root/crates/rampart/tests/fixtures/admission
# The two verdicts the load is made of, checked once before it.
for f in privileged-pod:false compliant-pod:true; do
  answer=$(curl_ -H 'Content-Type: application/json' --data-binary "@$fixtures/${f%%:*}.json" \
    "https://$name:$port/validate")
  case $answer in
    *"\"allowed\":${f##*:}"*) ;;
    *) echo "unexpected answer for ${f%%:*}: $answer" >&2; exit 1 ;;
  esac
done

rss() { awk -v k="$1:" '$1 == k { printf "%.1f MiB", $2 / 1024 }' "/proc/$server/status"; }
echo "server: $rampart (pid $server), $policies custom policies, $(nproc) cores, wrk $connections connections, offered $rate req/s for ${duration}s"
echo "RSS before: $(rss VmRSS)"
# Each connection pauses between requests so that all together offer
# `rate`; a millisecond less than connections/rate makes up for the time
# each request itself takes. wrk prints the rate achieved.
delay_ms=$(( connections * 1000 / rate - 1 ))
# Five samples during the run show whether memory stays level (a soak:
# DURATION=600).
interval=$(( duration / 6 > 1 ? duration / 6 : 1 ))
(for i in 1 2 3 4 5; do sleep "$interval"; echo "RSS at $(( i * interval ))s: $(rss VmRSS)"; done) &
sampler=$!
RAMPART_BENCH_FIXTURES=$fixtures RAMPART_BENCH_DELAY_MS=$delay_ms \
  wrk -t1 -c"$connections" -d"${duration}s" --timeout 5s -s "$root/bench/admission.lua" \
  "https://127.0.0.1:$port/validate" | sed -n '/^requests:/,$p'
wait "$sampler"
echo "RSS after: $(rss VmRSS), peak $(rss VmHWM)"
