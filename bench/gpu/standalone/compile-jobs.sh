# Sourced by compile.sh and fp8-conv-compile.sh (bash): export jobs started detached, so a compile
# still running when its script's wait ends goes on until device.sh (same machine session). Each job
# leaves $models/<name>.rc ("<exit code> <seconds>") when done and $models/<name>.pid (its process
# group, setsid: device.sh can end it), its log in $out/compile-logs/<name>.log.
# Needs: $models, $out. Keeps the names started in jobs_started.
jobs_started=()

# start_export_job <name> <nice> <out root> <exporter command> [export arguments...]
start_export_job() {
  local name="$1" niceness="$2" root="$3" exporter="$4"
  shift 4
  jobs_started+=("$name")
  setsid nohup nice -n "$niceness" bash -c 'start=$SECONDS; '"$exporter"' --device cuda --out-root '"$root"' --io "$@" \
    >'"$out/compile-logs/$name"'.log 2>&1; rc=$?; echo "$rc $((SECONDS - start))" >'"$models/$name"'.rc' _ "$@" \
    </dev/null >/dev/null 2>&1 &
  echo $! >"$models/$name.pid"
}

# wait_export_jobs <seconds>: until every started job has its .rc, or the time is up.
wait_export_jobs() {
  local start=$SECONDS done_all name
  while [ $((SECONDS - start)) -lt "$1" ]; do
    done_all=1
    for name in "${jobs_started[@]}"; do [ -f "$models/$name.rc" ] || done_all=0; done
    [ "$done_all" = 1 ] && break
    sleep 2
  done
}
