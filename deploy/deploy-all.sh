#!/usr/bin/env bash
# Runs every step in order: APIs, service accounts, topics, BigQuery, image and Cloud Run, push subscription, IAM.
set -euo pipefail
here="$(dirname "$0")"
for step in 05-apis 10-service-accounts 20-pubsub-topics 30-bigquery 40-cloud-run 50-push-subscription 60-iam; do
  echo "# $step"
  bash "$here/$step.sh" "$@"
done
