#!/usr/bin/env bash
# 6. Who may do what: the push service account invokes the service; Pub/Sub's service agent publishes dead letters,
#    acknowledges them on the subscription, and mints the push account's OIDC tokens.
# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"

agent="serviceAccount:service-$(project_number)@gcp-sa-pubsub.iam.gserviceaccount.com"
run gcloud run services add-iam-policy-binding "$SERVICE" --project="$PROJECT_ID" --region="$REGION" \
  --member="serviceAccount:$PUSH_SA" --role=roles/run.invoker
run gcloud pubsub topics add-iam-policy-binding "$DLQ_TOPIC" --project="$PROJECT_ID" --member="$agent" --role=roles/pubsub.publisher
run gcloud pubsub subscriptions add-iam-policy-binding "$SUBSCRIPTION" --project="$PROJECT_ID" --member="$agent" --role=roles/pubsub.subscriber
run gcloud iam service-accounts add-iam-policy-binding "$PUSH_SA" --project="$PROJECT_ID" --member="$agent" \
  --role=roles/iam.serviceAccountTokenCreator
