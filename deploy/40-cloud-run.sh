#!/usr/bin/env bash
# 4. The image (built by Cloud Build from the Dockerfile) and the Cloud Run service: private (only the push service
#    account may invoke it), stateless, scaled by instances x concurrency. Push auth is checked by Cloud Run and again
#    by the service (PushAuth__*): Cloud Run's invoker check verifies the token's signature and passes the token on
#    without it, so the service checks its claims (audience, push account, expiry). The audience is the service URL:
#    on the first deploy it is not known yet, so the first revision runs without push auth (no subscription pushes
#    to it before step 5) and the next one, made as soon as the URL is known, with it. Every revision gets the whole
#    PushAuth setting or none of it: half of it stops the service at start.
# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/.."

if missing gcloud artifacts repositories describe "$SERVICE" --project="$PROJECT_ID" --location="$REGION"; then
  run gcloud artifacts repositories create "$SERVICE" --project="$PROJECT_ID" --location="$REGION" --repository-format=docker
fi
run gcloud builds submit --project="$PROJECT_ID" --region="$REGION" --tag="$IMAGE" .

env_vars="Warehouse__Kind=BigQuery,Warehouse__ProjectId=$PROJECT_ID,Warehouse__Dataset=$DATASET,Warehouse__Location=$BQ_LOCATION"
# A commit retries BigQuery for up to 20 s; a push waits 25 s for it (PUSH_DEADLINE_SECONDS), inside the subscription's
# ack deadline (60 s by default, 30 s at least: lib.sh) and the 60 s request timeout below, so a slow commit still
# ends in an answer.
env_vars+=",Ingest__CommitRetryBudget=00:00:20,Push__Deadline=00:00:$PUSH_DEADLINE_SECONDS"
# A read gives up on its query after 45 s (and asks BigQuery to cancel it, within 5 s), so its 503 naming the setting
# reaches the caller before the 60 s request timeout would cut it off with Cloud Run's own 504.
env_vars+=",Warehouse__BigQueryQueryTimeout=00:00:45"
push_auth() { echo "PushAuth__ServiceAccountEmail=$PUSH_SA,PushAuth__Audience=$1,PushAuth__SignatureCheckedByCloudRun=true"; }

# $1: --set-env-vars for a new service; --update-env-vars for an existing one, so that variables set on it by hand
# (OTEL_EXPORTER_OTLP_ENDPOINT, Replay__Token) outlive a rerun.
deploy() {
  run gcloud run deploy "$SERVICE" --project="$PROJECT_ID" --region="$REGION" --image="$IMAGE" \
    --service-account="$RUN_SA" --no-allow-unauthenticated --concurrency="$CONCURRENCY" \
    --min-instances="$MIN_INSTANCES" --max-instances="$MAX_INSTANCES" --cpu=1 --memory=512Mi --timeout=60 \
    "$1=$2"
}

if missing gcloud run services describe "$SERVICE" --project="$PROJECT_ID" --region="$REGION"; then
  deploy --set-env-vars "$env_vars"
  url="$(service_url)"
  run gcloud run services update "$SERVICE" --project="$PROJECT_ID" --region="$REGION" --update-env-vars="$(push_auth "$url")"
else
  url="$(service_url)"
  deploy --update-env-vars "$env_vars,$(push_auth "$url")"
fi
