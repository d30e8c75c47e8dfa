#!/usr/bin/env bash
# 3. BigQuery dataset, tables and view, by ChatIngest's own setup command (with your Application Default
#    Credentials: gcloud auth application-default login), then the service account's access: to write and read this
#    dataset only (a GRANT on it; not on every dataset of the project), and to run query jobs in the project.
# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/.."

run env Warehouse__Kind=BigQuery "Warehouse__ProjectId=$PROJECT_ID" "Warehouse__Dataset=$DATASET" "Warehouse__Location=$BQ_LOCATION" \
  dotnet run --project src/ChatIngest.Api -- setup
run bq query --project_id="$PROJECT_ID" --location="$BQ_LOCATION" --use_legacy_sql=false \
  "GRANT \`roles/bigquery.dataEditor\` ON SCHEMA \`$PROJECT_ID.$DATASET\` TO \"serviceAccount:$RUN_SA\""
run gcloud projects add-iam-policy-binding "$PROJECT_ID" --member="serviceAccount:$RUN_SA" --role=roles/bigquery.jobUser --condition=None
