#!/usr/bin/env bash
# 2. The topic the chat is published to, and the dead-letter topic with a pull subscription that keeps what lands
#    there (a topic without a subscription drops messages); its 10-minute ack deadline leaves time to publish a pulled
#    batch again before acknowledging it (README: "Messages Pub/Sub gave up on").
# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"

for topic in "$TOPIC" "$DLQ_TOPIC"; do
  if missing gcloud pubsub topics describe "$topic" --project="$PROJECT_ID"; then
    run gcloud pubsub topics create "$topic" --project="$PROJECT_ID"
  fi
done

if missing gcloud pubsub subscriptions describe "${DLQ_TOPIC}-hold" --project="$PROJECT_ID"; then
  run gcloud pubsub subscriptions create "${DLQ_TOPIC}-hold" --project="$PROJECT_ID" --topic="$DLQ_TOPIC" \
    --message-retention-duration=7d --expiration-period=never --ack-deadline=600
fi
