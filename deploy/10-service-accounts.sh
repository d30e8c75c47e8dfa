#!/usr/bin/env bash
# 1. Service accounts: one the Cloud Run service runs as (writes BigQuery), one Pub/Sub signs push tokens with.
# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"

for sa in "$RUN_SA" "$PUSH_SA"; do
  if missing gcloud iam service-accounts describe "$sa" --project="$PROJECT_ID"; then
    run gcloud iam service-accounts create "${sa%%@*}" --project="$PROJECT_ID" --display-name="ChatIngest ${sa%%@*}"
  fi
done
