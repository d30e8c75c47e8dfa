using System.Globalization;
using ChatIngest.Api.Push;
using ChatIngest.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace ChatIngest.Tests.Deploy;

public sealed class DeployScriptTests
{
    private const string Url = "https://chatingest-abc.a.run.app";
    private const string Agent = "serviceAccount:service-123@gcp-sa-pubsub.iam.gserviceaccount.com";

    [Fact]
    public async Task PushSubscriptionHasOidcAckDeadlineRetryAndDeadLetterPoliciesAndNeverExpires()
    {
        var lines = await DryRunAsync("50-push-subscription.sh");

        Assert.Equal(
            "+ gcloud pubsub subscriptions create chatingest-push --topic=chat-messages --project=demo"
            + $" --push-endpoint={Url}/pubsub/push --push-auth-service-account=chatingest-push@demo.iam.gserviceaccount.com"
            + $" --push-auth-token-audience={Url} --ack-deadline=60 --min-retry-delay=10s --max-retry-delay=600s"
            + " --expiration-period=never --dead-letter-topic=chat-messages-dead-letter --max-delivery-attempts=100",
            Assert.Single(lines));
    }

    [Fact]
    public async Task AnUnwrappedPushSubscriptionGoesToTheUnwrappedEndpointWithItsMetadataInHeaders()
    {
        var lines = await DryRunAsync("50-push-subscription.sh", ("PUSH_UNWRAPPED", "true"));

        var create = Assert.Single(lines);
        Assert.Contains($" --push-endpoint={Url}/pubsub/push/unwrapped ", create, StringComparison.Ordinal);
        Assert.Contains($" --push-auth-token-audience={Url} ", create, StringComparison.Ordinal);
        Assert.EndsWith(" --push-no-wrapper --push-no-wrapper-write-metadata", create, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("false", "/pubsub/push", "--clear-push-no-wrapper-config")]
    [InlineData("true", "/pubsub/push/unwrapped", "--push-no-wrapper --push-no-wrapper-write-metadata")]
    public async Task UpdatingAnExistingSubscriptionSetsItsWrapperToMatchItsEndpoint(string unwrapped, string path, string wrapperFlags)
    {
        // A gcloud that finds every resource, so the script takes the update branch.
        var (result, calls) = await RunWithFakeGcloudAsync(
            "50-push-subscription.sh", "", ("SERVICE_URL", Url), ("PUSH_UNWRAPPED", unwrapped));

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal("pubsub subscriptions describe chatingest-push --project=demo", calls[0]);
        var update = Assert.Single(calls[1..]);
        Assert.StartsWith("pubsub subscriptions update chatingest-push --project=demo", update, StringComparison.Ordinal);
        Assert.Contains($" --push-endpoint={Url}{path} ", update, StringComparison.Ordinal);
        Assert.Contains(" --expiration-period=never ", update, StringComparison.Ordinal); // one left expiring is mended
        Assert.EndsWith(" --max-delivery-attempts=100 " + wrapperFlags, update, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnknownPushUnwrappedValueStopsWithALineNamingIt()
    {
        var environment = Environment();
        environment["PROJECT_ID"] = "demo";
        environment["PUSH_UNWRAPPED"] = "yes";

        var result = await ChildProcess.RunAsync("bash", [Script("50-push-subscription.sh"), "--dry-run"], environment: environment);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("PUSH_UNWRAPPED must be true or false", result.Error, StringComparison.Ordinal);
        Assert.Empty(result.Output);
    }

    [Fact]
    public async Task CloudRunServiceIsPrivateScaledAndConfiguredForBigQuery()
    {
        var lines = await DryRunAsync("40-cloud-run.sh", ("CONCURRENCY", "40"), ("MAX_INSTANCES", "50"));

        var deploy = Assert.Single(lines, l => l.StartsWith("+ gcloud run deploy chatingest ", StringComparison.Ordinal));
        Assert.Contains(" --no-allow-unauthenticated ", deploy, StringComparison.Ordinal);
        Assert.Contains(" --concurrency=40 --min-instances=1 --max-instances=50 ", deploy, StringComparison.Ordinal);
        Assert.Contains(" --service-account=chatingest-run@demo.iam.gserviceaccount.com ", deploy, StringComparison.Ordinal);
        Assert.Contains(@"Warehouse__Kind=BigQuery\,Warehouse__ProjectId=demo\,Warehouse__Dataset=chatingest\,Warehouse__Location=EU", deploy, StringComparison.Ordinal);
        Assert.Contains("+ gcloud builds submit --project=demo --region=europe-west1 --tag=europe-west1-docker.pkg.dev/demo/chatingest/chatingest:latest .", lines);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task EveryRevisionTheCloudRunStepMakesPassesTheServicesStartChecksAndTheLastChecksPushTokens(bool serviceExists)
    {
        // A gcloud on PATH that records its arguments, answers the existence check as told and the URL query with Url.
        // Each deploy or update makes a revision; its environment is rebuilt the way Cloud Run does (--set-env-vars
        // replaces all, --update-env-vars merges) and put through the service's own PushAuth start-up check, on Cloud
        // Run (K_SERVICE set). Deploying with half of PushAuth would stop the revision at start.
        var (result, calls) = await RunWithFakeGcloudAsync("40-cloud-run.sh", $"""
              "run services describe"*"--format=value(status.url)"*) echo '{Url}' ;;
              "run services describe"*) {(serviceExists ? "exit 0" : "echo 'ERROR: (gcloud.run.services.describe) Cannot find service [chatingest]' >&2; exit 1")} ;;
            """);

        Assert.True(result.ExitCode == 0, result.Error);
        var revisions = RevisionEnvironments(calls);
        Assert.Equal(serviceExists ? 1 : 2, revisions.Count);
        foreach (var revision in revisions)
        {
            var (options, check) = PushAuthCheck(revision);
            Assert.True(check.Succeeded, $"a revision would not start: {check.FailureMessage}");
        }

        var (last, _) = PushAuthCheck(revisions[^1]);
        Assert.True(last.Enabled);
        Assert.Equal((Url, "chatingest-push@demo.iam.gserviceaccount.com", true), (last.Audience, last.ServiceAccountEmail, last.SignatureCheckedByCloudRun));
        Assert.Equal("BigQuery", revisions[^1]["Warehouse__Kind"]);
    }

    [Fact]
    public async Task RerunningTheCloudRunStepKeepsVariablesSetOnTheServiceByHand()
    {
        // A service deployed before, with a variable its owner set by hand: the rerun's revision still has it.
        var (result, calls) = await RunWithFakeGcloudAsync("40-cloud-run.sh", $"""
              "run services describe"*"--format=value(status.url)"*) echo '{Url}' ;;
              "run services describe"*) exit 0 ;;
            """);

        Assert.True(result.ExitCode == 0, result.Error);
        var byHand = new Dictionary<string, string> { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://collector:4318", ["Warehouse__Dataset"] = "old" };
        var revision = Assert.Single(RevisionEnvironments(calls, byHand));
        Assert.Equal("http://collector:4318", revision["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        Assert.Equal("chatingest", revision["Warehouse__Dataset"]); // what the step sets, it sets again
        Assert.Equal(Url, revision["PushAuth__Audience"]);
    }

    [Theory]
    [InlineData("40-cloud-run.sh", "run services describe", "ERROR: (gcloud.run.services.describe) There was a problem refreshing your current auth tokens")]
    [InlineData("50-push-subscription.sh", "pubsub subscriptions describe", "ERROR: (gcloud.pubsub.subscriptions.describe) PERMISSION_DENIED: User not authorized")]
    [InlineData("10-service-accounts.sh", "iam service-accounts describe", "")] // a failure gcloud says nothing about
    public async Task AnExistenceCheckThatFailsForAnotherReasonThanNotFoundStopsTheStepInsteadOfCreating(string script, string check, string error)
    {
        // Taking the create branch on any failure would, for Cloud Run, deploy with --set-env-vars and drop every variable
        // set on the service by hand; for the others it would fail later on "already exists", or not at all.
        var (result, calls) = await RunWithFakeGcloudAsync(script, $"""
              "{check}"*) echo '{error}' >&2; exit 1 ;;
            """, ("SERVICE_URL", Url));

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("could not tell whether it exists", result.Error, StringComparison.Ordinal);
        if (error.Length > 0)
        {
            Assert.Contains(error, result.Error, StringComparison.Ordinal); // gcloud's own words passed on
        }
        Assert.DoesNotContain(calls, c => c.Contains(" create ", StringComparison.Ordinal) || c.StartsWith("run deploy ", StringComparison.Ordinal)
            || c.Contains(" update ", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("50-push-subscription.sh", "pubsub subscriptions describe", "ERROR: (gcloud.pubsub.subscriptions.describe) NOT_FOUND: Resource not found (resource=chatingest-push).", "pubsub subscriptions create chatingest-push ")]
    [InlineData("40-cloud-run.sh", "artifacts repositories describe", "ERROR: (gcloud.artifacts.repositories.describe) NOT_FOUND: Requested entity was not found.", "artifacts repositories create chatingest ")]
    public async Task ANotFoundAnswerTakesTheCreateBranch(string script, string check, string error, string create)
    {
        var (result, calls) = await RunWithFakeGcloudAsync(script, $"""
              "{check}"*) echo '{error}' >&2; exit 1 ;;
              "run services describe"*"--format=value(status.url)"*) echo '{Url}' ;;
            """, ("SERVICE_URL", Url));

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains(calls, c => c.StartsWith(create, StringComparison.Ordinal));
    }

    [Fact]
    public async Task NoDeployScriptMakesAnEmptyArrayThatOldBashCallsUnbound()
    {
        // bash before 4.4 (macOS's /bin/bash is 3.2) stops on "${name[@]}" of an empty array under set -u, which lib.sh
        // turns on; bash 5 here does not, so the scripts' text is what can be checked.
        var scripts = Directory.GetFiles(Path.Combine(TempPaths.RepositoryRoot(), "deploy"), "*.sh");

        var empty = scripts.SelectMany(s => File.ReadAllLines(s).Select((line, i) => (s, i, line)))
            .Where(l => System.Text.RegularExpressions.Regex.IsMatch(l.line, @"(^|[\s;])[A-Za-z_][A-Za-z0-9_]*=\(\s*\)"))
            .Select(l => $"{Path.GetFileName(l.s)}:{l.i + 1}: {l.line.Trim()}")
            .ToList();

        Assert.True(empty.Count == 0, string.Join('\n', empty));
        Assert.NotEmpty(scripts);
    }

    [Theory]
    [InlineData("29")]
    [InlineData("10")]
    [InlineData("601")]
    [InlineData("60s")]
    [InlineData("99999999999999999999")]
    public async Task AnAckDeadlineThatLeavesNoRoomAboveThePushDeadlineIsRefusedWithALineNamingIt(string ackDeadline)
    {
        var environment = Environment();
        environment["PROJECT_ID"] = "demo";
        environment["SERVICE_URL"] = Url;
        environment["ACK_DEADLINE"] = ackDeadline;

        var result = await ChildProcess.RunAsync("bash", [Script("50-push-subscription.sh"), "--dry-run"], environment: environment);

        Assert.Equal(64, result.ExitCode);
        Assert.Contains($"ACK_DEADLINE must be whole seconds from 30 to 600", result.Error, StringComparison.Ordinal);
        Assert.Contains($"'{ackDeadline}'", result.Error, StringComparison.Ordinal);
        Assert.Empty(result.Output);
    }

    [Theory]
    [InlineData("30")]
    [InlineData("600")]
    public async Task AnAckDeadlineFromThirtyToSixHundredSecondsIsTakenAsGiven(string ackDeadline)
    {
        var create = Assert.Single(await DryRunAsync("50-push-subscription.sh", ("ACK_DEADLINE", ackDeadline)));

        Assert.Contains($" --ack-deadline={ackDeadline} ", create, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheDeployedTimeoutsNestCommitRetriesInsideThePushDeadlineInsideTheAckDeadlineAndRequestTimeoutAndBigQueryExchangesAndQueriesInsideTheirBudgets()
    {
        // A commit that retries for its whole budget still answers the push (204 or 503) before the push deadline; the
        // push answers before Pub/Sub's ack deadline and Cloud Run's request timeout would cut it off.
        var (result, calls) = await RunWithFakeGcloudAsync("40-cloud-run.sh", $"""
              "run services describe"*"--format=value(status.url)"*) echo '{Url}' ;;
            """);
        Assert.True(result.ExitCode == 0, result.Error);
        var environment = RevisionEnvironments(calls)[^1];
        TimeSpan Setting(string key, TimeSpan otherwise) =>
            environment.TryGetValue(key, out var value) ? TimeSpan.Parse(value, CultureInfo.InvariantCulture) : otherwise;
        var commitBudget = Setting("Ingest__CommitRetryBudget", new ChatIngest.Core.Ingest.IngestOptions().CommitRetryBudget);
        var pushDeadline = Setting("Push__Deadline", new PushOptions().Deadline);
        var requestTimeout = TimeSpan.FromSeconds(int.Parse(Flag(calls.First(c => c.StartsWith("run deploy ", StringComparison.Ordinal)), "--timeout="), CultureInfo.InvariantCulture));
        var ackDeadline = TimeSpan.FromSeconds(int.Parse(Flag(Assert.Single(await DryRunAsync("50-push-subscription.sh")), "--ack-deadline="), CultureInfo.InvariantCulture));

        Assert.True(commitBudget < pushDeadline, $"commit retry budget {commitBudget} is not inside the push deadline {pushDeadline}");
        Assert.True(pushDeadline < ackDeadline, $"push deadline {pushDeadline} is not inside the ack deadline {ackDeadline}");
        Assert.True(pushDeadline < requestTimeout, $"push deadline {pushDeadline} is not inside Cloud Run's request timeout {requestTimeout}");

        // Inside one BigQuery call, a hung HTTP exchange is abandoned and sent again before the call's budget is spent.
        var bigQueryBudget = Setting("Warehouse__BigQueryRetryBudget", new ChatIngest.Core.Warehouse.WarehouseOptions().BigQueryRetryBudget);
        var bigQueryExchange = Setting("Warehouse__BigQueryRequestTimeout", new ChatIngest.Core.Warehouse.WarehouseOptions().BigQueryRequestTimeout);
        Assert.True(bigQueryExchange * 2 <= bigQueryBudget, $"a BigQuery exchange may take {bigQueryExchange}: it cannot be sent again within the retry budget {bigQueryBudget}");
        Assert.True(bigQueryExchange * 2 <= commitBudget, $"a BigQuery exchange may take {bigQueryExchange}: it cannot be sent again within the commit retry budget {commitBudget}");

        // A read gives up on its query at the query timeout, then asks BigQuery to cancel it (one exchange): its 503 must
        // come before Cloud Run's request timeout answers 504 for it.
        var queryTimeout = Setting("Warehouse__BigQueryQueryTimeout", new ChatIngest.Core.Warehouse.WarehouseOptions().BigQueryQueryTimeout);
        Assert.True(queryTimeout + bigQueryExchange < requestTimeout, $"a read may take {queryTimeout} + {bigQueryExchange}: not inside Cloud Run's request timeout {requestTimeout}");
    }

    private static string Flag(string call, string flag) =>
        call.Split(' ').Single(a => a.StartsWith(flag, StringComparison.Ordinal))[flag.Length..];

    /// <summary>
    /// Runs a deploy step (PROJECT_ID=demo) with a <c>gcloud</c> first on PATH that records its arguments, one call a
    /// line, answers as the <c>case "$*" in</c> arms in <paramref name="answers"/> say, and otherwise succeeds.
    /// </summary>
    private static async Task<(ChildProcess.Result Result, string[] Calls)> RunWithFakeGcloudAsync(
        string script, string answers, params (string Name, string Value)[] variables)
    {
        var bin = TempPaths.NewDirectory();
        try
        {
            var log = Path.Combine(bin, "calls.log");
            var gcloud = Path.Combine(bin, "gcloud");
            await File.WriteAllTextAsync(gcloud, $"#!/bin/sh\necho \"$*\" >> '{log}'\ncase \"$*\" in\n{answers}\nesac\nexit 0\n");
            Assert.Equal(0, (await ChildProcess.RunAsync("chmod", ["+x", gcloud])).ExitCode);
            var environment = Environment();
            environment["PATH"] = bin + ":/usr/bin:/bin";
            environment["PROJECT_ID"] = "demo";
            foreach (var (name, value) in variables)
            {
                environment[name] = value;
            }

            var result = await ChildProcess.RunAsync("bash", [Script(script)], environment: environment);
            return (result, File.Exists(log) ? await File.ReadAllLinesAsync(log) : []);
        }
        finally
        {
            TempPaths.TryDelete(bin);
        }
    }

    /// <summary>
    /// The environment of each revision that the recorded <c>run deploy</c> and <c>run services update</c> calls make, as
    /// Cloud Run builds it: <c>--set-env-vars</c> replaces all variables, <c>--update-env-vars</c> merges (into
    /// <paramref name="before"/>: the service's variables before the step ran).
    /// </summary>
    private static List<Dictionary<string, string>> RevisionEnvironments(
        IEnumerable<string> calls, Dictionary<string, string>? before = null)
    {
        var revisions = new List<Dictionary<string, string>>();
        var variables = new Dictionary<string, string>(before ?? []);
        foreach (var call in calls.Where(c => c.StartsWith("run deploy ", StringComparison.Ordinal) || c.StartsWith("run services update ", StringComparison.Ordinal)))
        {
            foreach (var (flag, replaces) in new[] { ("--set-env-vars=", true), ("--update-env-vars=", false) })
            {
                if (call.Split(' ').SingleOrDefault(a => a.StartsWith(flag, StringComparison.Ordinal)) is not { } argument)
                {
                    continue;
                }

                if (replaces)
                {
                    variables.Clear();
                }

                foreach (var pair in argument[flag.Length..].Split(','))
                {
                    variables[pair[..pair.IndexOf('=')]] = pair[(pair.IndexOf('=') + 1)..];
                }
            }

            revisions.Add(new(variables));
        }

        return revisions;
    }

    private static (PushAuthOptions Options, ValidateOptionsResult Check) PushAuthCheck(Dictionary<string, string> revision)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(revision.Select(v => KeyValuePair.Create(v.Key.Replace("__", ":", StringComparison.Ordinal), (string?)v.Value)))
            .AddInMemoryCollection([KeyValuePair.Create(PushAuthOptionsValidator.CloudRunServiceVariable, (string?)"chatingest")])
            .Build();
        var options = configuration.GetSection(PushAuthOptions.SectionName).Get<PushAuthOptions>() ?? new PushAuthOptions();
        return (options, new PushAuthOptionsValidator(configuration).Validate(null, options));
    }

    [Fact]
    public async Task TopicsAndTheDeadLetterTopicWithAHoldingSubscriptionAreCreated()
    {
        var lines = await DryRunAsync("20-pubsub-topics.sh");

        Assert.Equal(
        [
            "+ gcloud pubsub topics create chat-messages --project=demo",
            "+ gcloud pubsub topics create chat-messages-dead-letter --project=demo",
            "+ gcloud pubsub subscriptions create chat-messages-dead-letter-hold --project=demo --topic=chat-messages-dead-letter --message-retention-duration=7d --expiration-period=never --ack-deadline=600",
        ], lines);
    }

    [Fact]
    public async Task BigQueryObjectsComeFromTheSetupCommandAndTheServiceAccountMayWriteAndQuery()
    {
        var lines = await DryRunAsync("30-bigquery.sh");

        Assert.Equal(
        [
            "+ env Warehouse__Kind=BigQuery Warehouse__ProjectId=demo Warehouse__Dataset=chatingest Warehouse__Location=EU dotnet run --project src/ChatIngest.Api -- setup",
            // Write access to this dataset only, not to every dataset of the project.
            "+ bq query --project_id=demo --location=EU --use_legacy_sql=false GRANT\\ \\`roles/bigquery.dataEditor\\`\\ ON\\ SCHEMA\\ \\`demo.chatingest\\`\\ TO\\ \\\"serviceAccount:chatingest-run@demo.iam.gserviceaccount.com\\\"",
            "+ gcloud projects add-iam-policy-binding demo --member=serviceAccount:chatingest-run@demo.iam.gserviceaccount.com --role=roles/bigquery.jobUser --condition=None",
        ], lines);
    }

    [Fact]
    public async Task IamLetsThePushAccountInvokeAndThePubSubAgentDeadLetter()
    {
        var lines = await DryRunAsync("60-iam.sh");

        Assert.Equal(
        [
            "+ gcloud run services add-iam-policy-binding chatingest --project=demo --region=europe-west1 --member=serviceAccount:chatingest-push@demo.iam.gserviceaccount.com --role=roles/run.invoker",
            $"+ gcloud pubsub topics add-iam-policy-binding chat-messages-dead-letter --project=demo --member={Agent} --role=roles/pubsub.publisher",
            $"+ gcloud pubsub subscriptions add-iam-policy-binding chatingest-push --project=demo --member={Agent} --role=roles/pubsub.subscriber",
            $"+ gcloud iam service-accounts add-iam-policy-binding chatingest-push@demo.iam.gserviceaccount.com --project=demo --member={Agent} --role=roles/iam.serviceAccountTokenCreator",
        ], lines);
    }

    [Fact]
    public async Task TheFirstStepTurnsOnEveryApiTheOthersCall()
    {
        // What a later step's command calls, and the API that must be on for it in a new project.
        (string Command, string Api)[] needed =
        [
            ("+ gcloud iam ", "iam.googleapis.com"),
            ("+ gcloud projects add-iam-policy-binding ", "cloudresourcemanager.googleapis.com"),
            ("+ gcloud pubsub ", "pubsub.googleapis.com"),
            ("Warehouse__Kind=BigQuery", "bigquery.googleapis.com"), // the setup command, over BigQuery's REST API
            ("+ gcloud artifacts ", "artifactregistry.googleapis.com"),
            ("+ gcloud builds ", "cloudbuild.googleapis.com"),
            ("+ gcloud run ", "run.googleapis.com"),
        ];
        var later = (await DryRunAsync("deploy-all.sh")).Where(l => !l.StartsWith("+ gcloud services ", StringComparison.Ordinal)).ToList();

        var enable = Assert.Single(await DryRunAsync("05-apis.sh"));

        Assert.StartsWith("+ gcloud services enable ", enable, StringComparison.Ordinal);
        Assert.EndsWith(" --project=demo", enable, StringComparison.Ordinal);
        Assert.All(needed, n =>
        {
            Assert.True(later.Any(l => l.Contains(n.Command, StringComparison.Ordinal)), $"no step runs '{n.Command}' any more");
            Assert.Contains($" {n.Api} ", enable, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task DeployAllRunsEveryStepInOrderWithoutCallingGcloud()
    {
        var lines = await DryRunAsync("deploy-all.sh");

        Assert.Equal(
            ["# 05-apis", "# 10-service-accounts", "# 20-pubsub-topics", "# 30-bigquery", "# 40-cloud-run", "# 50-push-subscription", "# 60-iam"],
            lines.Where(l => l.StartsWith('#')));
        Assert.All(lines, l => Assert.True(l.StartsWith('#') || l.StartsWith("+ ", StringComparison.Ordinal), l));
    }

    [Fact]
    public async Task ScriptWithoutProjectIdStopsWithALineNamingIt()
    {
        var result = await ChildProcess.RunAsync("bash", [Script("20-pubsub-topics.sh"), "--dry-run"], environment: Environment());

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("PROJECT_ID", result.Error, StringComparison.Ordinal);
        Assert.Empty(result.Output);
    }

    [Fact]
    public async Task ShellcheckPassesOnEveryDeployScript()
    {
        var scripts = Directory.GetFiles(Path.Combine(TempPaths.RepositoryRoot(), "deploy"), "*.sh").Order().ToList();

        var result = await ChildProcess.RunAsync("shellcheck", ["-x", .. scripts], Path.Combine(TempPaths.RepositoryRoot(), "deploy"),
            missingHint: "Install it with 'apt-get install -y shellcheck' (.ci/run does).");

        Assert.True(result.ExitCode == 0, result.Output + result.Error);
        Assert.True(scripts.Count >= 7, $"only {scripts.Count} scripts found");
    }

    private static string Script(string name) => Path.Combine(TempPaths.RepositoryRoot(), "deploy", name);

    private static async Task<List<string>> DryRunAsync(string script, params (string Key, string Value)[] extra)
    {
        var environment = Environment();
        environment["PROJECT_ID"] = "demo";
        environment["PROJECT_NUMBER"] = "123";
        environment["SERVICE_URL"] = Url;
        foreach (var (key, value) in extra)
        {
            environment[key] = value;
        }

        var result = await ChildProcess.RunAsync("bash", [Script(script), "--dry-run"], environment: environment);
        Assert.True(result.ExitCode == 0, $"{script} --dry-run failed ({result.ExitCode}): {result.Error}");
        return result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
    }

    [Fact]
    public async Task TheCloudBuildUploadLeavesOutKeyFilesButKeepsWhatTheImagesBuildNeeds()
    {
        // .gcloudignore is read with .gitignore's rules (gcloud topic gcloudignore), so git itself says what it leaves
        // out, in a scratch repository whose .gitignore is it, with no ignore rules of the machine's or the user's.
        var root = TempPaths.RepositoryRoot();
        var scratch = TempPaths.NewDirectory();
        var git = new Dictionary<string, string?> { ["GIT_CONFIG_GLOBAL"] = "/dev/null", ["GIT_CONFIG_NOSYSTEM"] = "1", ["GIT_DIR"] = null, ["GIT_WORK_TREE"] = null };
        try
        {
            File.Copy(Path.Combine(root, ".gcloudignore"), Path.Combine(scratch, ".gitignore"));
            Assert.Equal(0, (await ChildProcess.RunAsync("git", ["init", "-q", "--template=", scratch], scratch, git, "apt-get install git")).ExitCode);

            // What the image's build needs: the root's build files, and every file under src/ and sql/ (the projects'
            // globs take what they find, so a file left out would be missed only when the service runs).
            var kept = new[] { "Dockerfile", "Directory.Build.props", "Directory.Packages.props", "ChatIngest.slnx", ".editorconfig" }
                .Concat(new[] { "src", "sql" }.SelectMany(folder => Directory.EnumerateFiles(Path.Combine(root, folder), "*", SearchOption.AllDirectories))
                    .Select(file => Path.GetRelativePath(root, file).Replace('\\', '/'))
                    .Where(file => !file.Contains("/bin/", StringComparison.Ordinal) && !file.Contains("/obj/", StringComparison.Ordinal)
                        && !file.EndsWith("/launchSettings.json", StringComparison.Ordinal)))
                .ToList();
            Assert.Contains("src/ChatIngest.Api/appsettings.json", kept);
            string[] left = ["key.json", "deploy/sa-key.json", "src/ChatIngest.Api/credentials.json", "client.pem", "tests/x.cs", "data/chatingest.duckdb", "docs/performance.md"];
            foreach (var path in kept.Concat(left))
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(scratch, path))!);
                await File.WriteAllTextAsync(Path.Combine(scratch, path), "x");
            }

            // check-ignore prints the paths it would leave out: none of the kept, all of the others.
            // (Exit code 1: none matched; 0: some did; 128 would be git's own failure, with nothing printed.)
            var keptOut = await ChildProcess.RunAsync("git", ["check-ignore", .. kept], scratch, git);
            Assert.True(keptOut.ExitCode == 1, $"left out of the upload, though the build needs them (exit {keptOut.ExitCode}):\n{keptOut.Output}{keptOut.Error}");
            var leftOut = await ChildProcess.RunAsync("git", ["check-ignore", .. left], scratch, git);
            Assert.True(leftOut.ExitCode == 0, leftOut.Error);
            Assert.Equal(left, leftOut.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }
        finally
        {
            TempPaths.TryDelete(scratch);
        }
    }

    /// <summary>
    /// Only the system tools on PATH (no gcloud, no bq there): a dry run that called gcloud would fail. Every variable the
    /// scripts read is taken out, so one exported on the machine running the tests (an IMAGE, a REGION) cannot change
    /// the lines they expect; a test sets those it means.
    /// </summary>
    private static Dictionary<string, string?> Environment()
    {
        var environment = DeployVariables.ToDictionary(name => name, string? (_) => null);
        environment["PATH"] = "/usr/bin:/bin";
        return environment;
    }

    [Fact]
    public void TheDryRunsClearEveryVariableTheScriptsRead()
    {
        // Each setting a script takes from the environment is read as ${NAME:-default} or ${NAME:?…}.
        var read = Directory.GetFiles(Path.Combine(TempPaths.RepositoryRoot(), "deploy"), "*.sh")
            .SelectMany(script => System.Text.RegularExpressions.Regex.Matches(File.ReadAllText(script), @"\$\{([A-Z][A-Z0-9_]*):").Select(m => m.Groups[1].Value))
            .Distinct().Order(StringComparer.Ordinal).ToList();

        Assert.NotEmpty(read);
        Assert.Empty(read.Except(DeployVariables));
    }

    private static readonly string[] DeployVariables =
    [
        "ACK_DEADLINE", "BQ_LOCATION", "CONCURRENCY", "DATASET", "DLQ_TOPIC", "DRY_RUN", "IMAGE", "MAX_DELIVERY_ATTEMPTS",
        "MAX_INSTANCES", "MIN_INSTANCES", "PROJECT_ID", "PROJECT_NUMBER", "PUSH_DEADLINE_SECONDS", "PUSH_SA", "PUSH_UNWRAPPED",
        "REGION", "RUN_SA", "SERVICE", "SERVICE_URL", "SUBSCRIPTION", "TOPIC",
    ];
}
