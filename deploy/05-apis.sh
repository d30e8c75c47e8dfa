#!/usr/bin/env bash
# 0. The Google Cloud APIs the steps after this one call. A new project has none of them on, and gcloud then stops to
#    ask whether to turn each one on (or, without a terminal, fails). Turning on one already on changes nothing.
# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"

run gcloud services enable iam.googleapis.com cloudresourcemanager.googleapis.com pubsub.googleapis.com \
  bigquery.googleapis.com artifactregistry.googleapis.com cloudbuild.googleapis.com run.googleapis.com --project="$PROJECT_ID"
