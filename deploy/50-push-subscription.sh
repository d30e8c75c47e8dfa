#!/usr/bin/env bash
# 5. The push subscription: OIDC token from the push service account with the service URL as audience, an ack
#    deadline above the service's commit budget, exponential redelivery backoff, the dead-letter topic, and no expiry
#    (Pub/Sub deletes a subscription idle for 31 days by default, and a topic without one drops what is published).
#    PUSH_UNWRAPPED=true delivers each message's data as the body, with its id and publish time in headers
#    (--push-no-wrapper --push-no-wrapper-write-metadata), to /pubsub/push/unwrapped; otherwise the wrapped envelope
#    goes to /pubsub/push, and an update clears an unwrapped setting left from before.
# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"

url="$(service_url)"
if [[ "$PUSH_UNWRAPPED" == true ]]; then
  endpoint="$url/pubsub/push/unwrapped"
else
  endpoint="$url/pubsub/push"
fi
settings=(--project="$PROJECT_ID" --push-endpoint="$endpoint"
  --push-auth-service-account="$PUSH_SA" --push-auth-token-audience="$url"
  --ack-deadline="$ACK_DEADLINE" --min-retry-delay=10s --max-retry-delay=600s
  --expiration-period=never --dead-letter-topic="$DLQ_TOPIC" --max-delivery-attempts="$MAX_DELIVERY_ATTEMPTS")
# No array here is ever empty: bash before 4.4 (macOS's /bin/bash is 3.2) calls "${empty[@]}" unbound under set -u.
create=(--topic="$TOPIC" "${settings[@]}")
update=("${settings[@]}")
if [[ "$PUSH_UNWRAPPED" == true ]]; then
  create+=(--push-no-wrapper --push-no-wrapper-write-metadata)
  update+=(--push-no-wrapper --push-no-wrapper-write-metadata)
else
  update+=(--clear-push-no-wrapper-config)
fi
if missing gcloud pubsub subscriptions describe "$SUBSCRIPTION" --project="$PROJECT_ID"; then
  run gcloud pubsub subscriptions create "$SUBSCRIPTION" "${create[@]}"
else
  run gcloud pubsub subscriptions update "$SUBSCRIPTION" "${update[@]}"
fi
