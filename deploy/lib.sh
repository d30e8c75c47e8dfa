#!/usr/bin/env bash
# Sourced by every deploy script: the settings (environment variables with defaults), --dry-run, and `run`, which
# prints each command exactly (shell-quoted, prefixed with "+ ") and runs it unless --dry-run was given.
set -euo pipefail

DRY_RUN=false
for arg in "$@"; do
  case "$arg" in
    --dry-run) DRY_RUN=true ;;
    *) echo "usage: $0 [--dry-run]   (settings come from environment variables, see README 'Run on Google Cloud')" >&2; exit 64 ;;
  esac
done

: "${PROJECT_ID:?set PROJECT_ID to the Google Cloud project id}"
REGION="${REGION:-europe-west1}"
SERVICE="${SERVICE:-chatingest}"
TOPIC="${TOPIC:-chat-messages}"
DLQ_TOPIC="${DLQ_TOPIC:-${TOPIC}-dead-letter}"
SUBSCRIPTION="${SUBSCRIPTION:-${SERVICE}-push}"
DATASET="${DATASET:-chatingest}"
BQ_LOCATION="${BQ_LOCATION:-EU}"
IMAGE="${IMAGE:-${REGION}-docker.pkg.dev/${PROJECT_ID}/${SERVICE}/${SERVICE}:latest}"
RUN_SA="${RUN_SA:-${SERVICE}-run@${PROJECT_ID}.iam.gserviceaccount.com}"
PUSH_SA="${PUSH_SA:-${SERVICE}-push@${PROJECT_ID}.iam.gserviceaccount.com}"
CONCURRENCY="${CONCURRENCY:-80}"
MIN_INSTANCES="${MIN_INSTANCES:-1}"
MAX_INSTANCES="${MAX_INSTANCES:-20}"
ACK_DEADLINE="${ACK_DEADLINE:-60}"
# How long a push waits for its commit (Push__Deadline, step 4). Pub/Sub's ack deadline must leave room above it, or
# Pub/Sub gives up on a push the service is still answering: a redelivery, and a smaller push window.
PUSH_DEADLINE_SECONDS=25
if ! [[ "$ACK_DEADLINE" =~ ^[0-9]{1,4}$ ]] || ((10#$ACK_DEADLINE < PUSH_DEADLINE_SECONDS + 5 || 10#$ACK_DEADLINE > 600)); then
  echo "ACK_DEADLINE must be whole seconds from $((PUSH_DEADLINE_SECONDS + 5)) to 600 (the service answers a push within" \
    "${PUSH_DEADLINE_SECONDS} s; Pub/Sub allows at most 600), not '$ACK_DEADLINE'" >&2
  exit 64
fi
# The service acknowledges every poison message itself (parked in dead_letters), so a nack is always transient (a
# warehouse outage, a 503 under overload): give it the most attempts Pub/Sub allows, ~15 h at 10-600 s backoff, before
# a message moves to the dead-letter topic's hold subscription (README: "Messages Pub/Sub gave up on").
MAX_DELIVERY_ATTEMPTS="${MAX_DELIVERY_ATTEMPTS:-100}"
PUSH_UNWRAPPED="${PUSH_UNWRAPPED:-false}"
case "$PUSH_UNWRAPPED" in
  true | false) ;;
  *) echo "PUSH_UNWRAPPED must be true or false, not '$PUSH_UNWRAPPED'" >&2; exit 64 ;;
esac
export PROJECT_ID REGION SERVICE TOPIC DLQ_TOPIC SUBSCRIPTION DATASET BQ_LOCATION IMAGE RUN_SA PUSH_SA

run() {
  printf '+'
  printf ' %q' "$@"
  printf '\n'
  if [[ "$DRY_RUN" == false ]]; then
    "$@"
  fi
}

# True when the resource a describe command names does not exist (always true on a dry run: nothing is asked). Only
# gcloud's not-found answers count: "NOT_FOUND: ..." (most resources) and "Cannot find service [NAME]" (Cloud Run).
# Any other failure (an expired login, a network blip, a missing permission) stops the step with gcloud's message,
# rather than taking the create branch: for Cloud Run that would deploy with --set-env-vars and drop every variable
# set on the service by hand.
missing() {
  [[ "$DRY_RUN" == true ]] && return 0
  local error
  if error="$("$@" 2>&1 >/dev/null)"; then
    return 1
  fi
  if [[ "$error" == *NOT_FOUND* || "$error" == *"Cannot find service ["* ]]; then
    return 0
  fi
  echo "could not tell whether it exists (${*:1:4} ...): ${error:-gcloud failed without a message}" >&2
  exit 1
}

# The Cloud Run URL (SERVICE_URL overrides; a dry run that cannot ask prints a placeholder).
service_url() {
  if [[ -n "${SERVICE_URL:-}" ]]; then
    echo "$SERVICE_URL"
  elif [[ "$DRY_RUN" == true ]]; then
    echo "https://${SERVICE}-PROJECT_HASH.${REGION}.run.app"
  else
    gcloud run services describe "$SERVICE" --project="$PROJECT_ID" --region="$REGION" --format='value(status.url)'
  fi
}

project_number() {
  if [[ -n "${PROJECT_NUMBER:-}" ]]; then
    echo "$PROJECT_NUMBER"
  elif [[ "$DRY_RUN" == true ]]; then
    echo "PROJECT_NUMBER"
  else
    gcloud projects describe "$PROJECT_ID" --format='value(projectNumber)'
  fi
}
