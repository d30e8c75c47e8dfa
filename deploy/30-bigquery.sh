#!/usr/bin/env bash
# 3. BigQuery dataset, tables and view, by ChatIngest's own setup command (with your Application Default
#    Credentials: gcloud auth application-default login), then the service account's access to them.
# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/.."

run env Warehouse__Kind=BigQuery "Warehouse__ProjectId=$PROJECT_ID" "Warehouse__Dataset=$DATASET" "Warehouse__Location=$BQ_LOCATION" \
  dotnet run --project src/ChatIngest.Api -- setup
run gcloud projects add-iam-policy-binding "$PROJECT_ID" --member="serviceAccount:$RUN_SA" --role=roles/bigquery.dataEditor --condition=None
run gcloud projects add-iam-policy-binding "$PROJECT_ID" --member="serviceAccount:$RUN_SA" --role=roles/bigquery.jobUser --condition=None
