#!/usr/bin/env bash
# 5. The push subscription: OIDC token from the push service account with the service URL as audience, an ack
#    deadline above the service's commit budget, exponential redelivery backoff, and the dead-letter topic.
# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"

url="$(service_url)"
settings=(--project="$PROJECT_ID" --push-endpoint="$url/pubsub/push"
  --push-auth-service-account="$PUSH_SA" --push-auth-token-audience="$url"
  --ack-deadline="$ACK_DEADLINE" --min-retry-delay=10s --max-retry-delay=600s
  --dead-letter-topic="$DLQ_TOPIC" --max-delivery-attempts="$MAX_DELIVERY_ATTEMPTS")
if missing gcloud pubsub subscriptions describe "$SUBSCRIPTION" --project="$PROJECT_ID"; then
  run gcloud pubsub subscriptions create "$SUBSCRIPTION" --topic="$TOPIC" "${settings[@]}"
else
  run gcloud pubsub subscriptions update "$SUBSCRIPTION" "${settings[@]}"
fi
