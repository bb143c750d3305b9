# Stage timings for .ci/run and .ci/contract (sourced by both; bash).
#
#   stage NAME        ends the running stage and starts NAME
#   stage_end         ends the running stage
#   stages_report RC  from the script's EXIT trap: ends the running stage (marked FAILED when RC
#                     is not 0) and, in the outermost script only, prints every stage's wall
#                     time and the total
#
# A script run by another (the contract under .ci/run) records its stages in the same file,
# named by CARBONPASS_CI_STAGES, so the outermost one prints them all, once, even on a failure.

if [ -z "${CARBONPASS_CI_STAGES:-}" ]; then
  CARBONPASS_CI_STAGES=$(mktemp "${TMPDIR:-/tmp}/carbonpass-ci-stages.XXXXXX")
  export CARBONPASS_CI_STAGES
  stages_owner=1
else
  stages_owner=0
fi
stages_started=$(date +%s)
stage_name=""
stage_started=0

stage_end() {
  if [ -n "$stage_name" ]; then
    printf '%s\t%s\t%s\n' "$stage_name" "$(($(date +%s) - stage_started))" "${1:-ok}" >>"$CARBONPASS_CI_STAGES"
    stage_name=""
  fi
}

stage() {
  stage_end
  stage_name=$1
  stage_started=$(date +%s)
  echo "=== stage: $1"
}

stages_report() {
  local rc=$1
  if [ "$rc" -eq 0 ]; then stage_end ok; else stage_end FAILED; fi
  [ "$stages_owner" = 1 ] || return 0
  echo "=== stage timings (wall clock)"
  awk -F'\t' '{ printf "  %-34s %5d s%s\n", $1, $2, ($3 == "ok" ? "" : "  " $3) }' "$CARBONPASS_CI_STAGES"
  printf '  %-34s %5d s  %s\n' total "$(($(date +%s) - stages_started))" \
    "$([ "$rc" -eq 0 ] && echo ok || echo "FAILED (exit $rc)")"
  rm -f "$CARBONPASS_CI_STAGES"
}
