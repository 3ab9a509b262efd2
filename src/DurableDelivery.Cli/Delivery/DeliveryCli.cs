using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using DurableDelivery.Cli.Common;
using DurableDelivery.Domain.Common;
using DurableDelivery.Domain.Environments;
using DurableDelivery.Domain.Overrides;
using DurableDelivery.Domain.Traffic;
using DurableDelivery.Providers.Aws;
using DurableDelivery.Workflows;
using DurableDelivery.Workflows.Delivery;
using DurableDelivery.Workflows.Environments;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Exceptions;

using TemporalConnection = DurableDelivery.Cli.Common.TemporalConnection;

namespace DurableDelivery.Cli.Delivery;

/// <summary>
/// What the <c>env</c>, <c>deliver</c> and <c>delivery</c> commands share: ids, options, and talking to the
/// environment and delivery workflows with a deadline (a query or an update waits for a worker, which may not run).
/// </summary>
/// <remarks>
/// Every call is an ordinary Temporal client call (a query or an update), so the temporal CLI can do the same. The
/// delivery commands query the workflow's <c>status</c> first (a query adds nothing to history), so an update is only
/// sent to a workflow a worker serves; an environment override that no worker accepts within a moment runs a worker in
/// this command (<c>--host-worker auto</c>).
/// </remarks>
internal sealed partial class DeliveryCli : IAsyncDisposable
{
    /// <summary>The exit codes the env, deliver and delivery commands use, for their --help.</summary>
    public const string ExitHelp =
        "Exit codes: 0 ok, 1 bad input or a refused override, 2 environment or delivery not found, 3 no Temporal server (address, TLS, API key), "
        + "4 the delivery rolled back, was aborted, failed or was rejected (watch), or a workflow call failed, 5 no worker answered within --timeout, 70 internal error, 130 interrupted.";

    private const string StatusQuery = "status";

    /// <summary>How long an override waits for a worker to accept it before running one here (<c>--host-worker auto</c>).</summary>
    private static readonly TimeSpan AcceptProbe = TimeSpan.FromSeconds(2);
    private const int QueryAttempts = 3;
    private static readonly string EnvironmentType = nameof(EnvironmentWorkflow);
    private static readonly string DeliveryType = nameof(DeliveryWorkflow);

    private DeliveryCli(TemporalClient client, string dataDir, TimeSpan timeout)
    {
        Client = client;
        DataDir = dataDir;
        Timeout = timeout;
    }

    /// <summary>Gets the Temporal client (the product's data converter).</summary>
    public TemporalClient Client { get; }

    /// <summary>Gets where the client is connected, for messages: <c>namespace default at 127.0.0.1:7233</c>.</summary>
    public string Where => $"namespace {Client.Options.Namespace} at {Client.Connection.Options.TargetHost}";

    /// <summary>Gets the full path of the data dir.</summary>
    public string DataDir { get; }

    /// <summary>Gets or sets the AWS provider settings (<c>--aws-settings</c>), or <see langword="null"/> for local environments only: a worker
    /// this command hosts serves the environments they name on AWS.</summary>
    public AwsProviderOptions? AwsOptions { get; set; }

    /// <summary>Gets how long to wait for a worker.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>Gets the timeout as people read it, e.g. <c>30 s</c>.</summary>
    public string TimeoutText => Seconds(Timeout);

    /// <summary>Reads <c>--timeout</c> (exit 1 when bad), then connects to Temporal (exit 3 when it cannot; the embedded server is started when no address is given and none runs).</summary>
    public static async Task<DeliveryCli> OpenAsync(ParseResult parse, CommonOptions common, CancellationToken cancellationToken)
    {
        var timeout = ParseTimeout(parse.GetValue(common.Timeout)!);
        var dataDir = parse.GetValue(common.DataDir)!;
        var client = await TemporalConnection.ConnectAsync(parse, common.Connection, dataDir, cancellationToken);
        return new DeliveryCli(client, Path.GetFullPath(dataDir), timeout);
    }

    /// <summary>The same operations on a connected client (the demo's).</summary>
    public static DeliveryCli On(TemporalClient client, string dataDir, TimeSpan timeout) => new(client, Path.GetFullPath(dataDir), timeout);

    public static string EnvironmentWorkflowId(string environment) => $"env/{environment}";

    /// <summary>Checks an environment name as the declarations allow it (letters, digits, '-', '_').</summary>
    public static string CheckEnvironmentName(string? name)
    {
        if (!EnvironmentDeclaration.IsValidName(name))
        {
            throw CliException.BadInput($"'{name}' is not an environment name; use letters, digits, '-' and '_', starting with a letter or digit, e.g. demo.");
        }

        return name;
    }

    /// <summary>Reads <c>delivery/&lt;env&gt;/&lt;n&gt;</c>, or <c>&lt;env&gt;/&lt;n&gt;</c> for short.</summary>
    /// <returns>The full delivery id and its environment.</returns>
    public static (string DeliveryId, string Environment) ParseDeliveryId(string? text)
    {
        var match = text is null ? Match.Empty : DeliveryId().Match(text);
        if (!match.Success)
        {
            throw CliException.BadInput($"'{text}' is not a delivery id; use delivery/<env>/<n>, e.g. delivery/demo/3 (or demo/3); list them with 'ddctl delivery list'.");
        }

        var environment = match.Groups[1].Value;
        return ($"delivery/{environment}/{match.Groups[2].Value}", environment);
    }

    /// <summary>Reads <c>--timeout</c>: a duration (30s, 2m) or a number of seconds.</summary>
    public static TimeSpan ParseTimeout(string text)
    {
        TimeSpan span;
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
        {
            span = seconds is > 0 and <= 3600 ? TimeSpan.FromSeconds(seconds) : TimeSpan.Zero;
        }
        else if (!DurationText.TryParse(text, out span))
        {
            span = TimeSpan.Zero;
        }

        return span > TimeSpan.Zero && span <= TimeSpan.FromHours(1)
            ? span
            : throw CliException.BadInput($"--timeout '{text}' is not a duration from 1ms to 1h; use e.g. 30s, 2m or 90 (seconds).");
    }

    /// <summary>Who asks and why, for an override: <c>--reason</c> is required and must say something.</summary>
    public static (string RequestedBy, string Reason) Audit(ParseResult parse, AuditOptions options) =>
        Audit(parse.GetValue(options.Reason), parse.GetValue(options.As), CliAction.CommandPath(parse));

    /// <summary>Checks <c>--reason</c> (required) and <c>--as</c> of <paramref name="command"/>; who asks and why, trimmed.</summary>
    public static (string RequestedBy, string Reason) Audit(string? reason, string? asWho, string command) =>
        string.IsNullOrWhiteSpace(reason)
            ? throw CliException.BadInput($"a reason is required: say why with --reason \"...\" (it is recorded with the override); see '{command} --help'.")
            : (RequestedBy(asWho), reason.Trim());

    /// <summary>Who asks: <c>--as</c>, else the OS user name.</summary>
    public static string RequestedBy(ParseResult parse, AuditOptions options) => RequestedBy(parse.GetValue(options.As));

    private static string RequestedBy(string? asWho)
    {
        var by = asWho ?? Environment.UserName;
        return string.IsNullOrWhiteSpace(by)
            ? throw CliException.BadInput("--as must name who asks, e.g. --as alice (it is recorded with the override).")
            : by.Trim();
    }

    /// <summary>The <c>--timeout</c> when none is given.</summary>
    public const string DefaultTimeout = "30s";

    /// <summary>The options of every env/deliver/delivery command, added last so --help lists the specific ones first.</summary>
    public static CommonOptions AddCommon(Command command)
    {
        var timeout = new Option<string>("--timeout")
        {
            Description = "How long to wait for a worker to answer (a query or an update), e.g. 30s, 2m or 90 (seconds).",
            HelpName = "duration",
            DefaultValueFactory = _ => DefaultTimeout,
        };
        var output = CliOptions.Output();
        var dataDir = CliOptions.DataDir();
        command.Options.Add(timeout);
        command.Options.Add(output);
        command.Options.Add(dataDir);
        var connection = ConnectionOptions.Add(command);
        return new CommonOptions(output, dataDir, timeout, connection);
    }

    /// <summary>Adds <c>--reason</c> and <c>--as</c>.</summary>
    public static AuditOptions AddAudit(Command command, string reasonHelp)
    {
        var reason = new Option<string?>("--reason") { Description = reasonHelp, HelpName = "text" };
        var who = new Option<string?>("--as") { Description = "Who asks; recorded with the request. Default: the OS user name.", HelpName = "name" };
        command.Options.Add(reason);
        command.Options.Add(who);
        return new AuditOptions(reason, who);
    }

    public static string Seconds(TimeSpan t) => string.Create(CultureInfo.InvariantCulture, $"{t.TotalSeconds:0.###} s");

    /// <summary>Serializes an override with its <c>kind</c>, as the workflows record it.</summary>
    public static JsonNode? OverrideJson(Override request) => JsonSerializer.SerializeToNode(request, DeliveryDataConverter.Json.GetTypeInfo(typeof(Override)));

    /// <summary>Describes a run, or <see langword="null"/> when there is no workflow with that id.</summary>
    public async Task<WorkflowExecutionDescription?> FindAsync(string workflowId)
    {
        try
        {
            return await Client.GetWorkflowHandle(workflowId).DescribeAsync();
        }
        catch (RpcException e) when (e.Code == RpcException.StatusCode.NotFound && CommandRun.NamespaceNotFound(e) is null)
        {
            return null;
        }
    }

    /// <summary>The environment's workflow; exit 2 (with how to create it) when there is none.</summary>
    public async Task<WorkflowExecutionDescription> RequireEnvironmentAsync(string environment)
    {
        var id = EnvironmentWorkflowId(environment);
        var run = await FindAsync(id) ?? throw new CliException(
            ExitCodes.NotFound,
            $"environment '{environment}' not found: no workflow {id} in {Where}; create it by delivering to it: ddctl deliver {environment} --version-set <file>.");
        return run.WorkflowType == EnvironmentType
            ? run
            : throw CliException.BadInput($"workflow {id} is a {run.WorkflowType}, not an {EnvironmentType}; environment workflows are started by 'ddctl deliver {environment}'.");
    }

    /// <summary>The environment's workflow, which must be running: exit 2 when there is none, 1 when it is closed.</summary>
    public async Task<WorkflowExecutionDescription> RequireRunningEnvironmentAsync(string environment)
    {
        var run = await RequireEnvironmentAsync(environment);
        return run.Status == WorkflowExecutionStatus.Running
            ? run
            : throw CliException.BadInput(
                $"environment '{environment}' is closed (workflow {run.Id} {StatusText(run.Status)}); deliver to it again to restart it: ddctl deliver {environment} --version-set <file>.");
    }

    /// <summary>Queries the <c>status</c> of a workflow, waiting at most <see cref="Timeout"/> for a worker.</summary>
    /// <param name="workflowId">The workflow.</param>
    /// <param name="afterNoWorker">The sentence that ends the no-worker error: what was (or was not) done.</param>
    /// <remarks>
    /// A query answered with a failure is asked again, up to <see cref="QueryAttempts"/> times within the timeout: a
    /// worker that just started replays the history cold and may fail that first answer although the workflow is fine.
    /// </remarks>
    public async Task<Queried<T>> QueryStatusAsync<T>(string workflowId, string afterNoWorker = "Nothing was changed.")
    {
        var watch = Stopwatch.StartNew();
        JsonElement answer;
        for (var attempt = 1; ; attempt++)
        {
            var left = Timeout - watch.Elapsed;
            try
            {
                answer = await Client.GetWorkflowHandle(workflowId).QueryAsync<JsonElement>(
                    StatusQuery, [], new WorkflowQueryOptions { Rpc = new RpcOptions { Timeout = left > TimeSpan.FromMilliseconds(1) ? left : TimeSpan.FromMilliseconds(1) } });
                break;
            }
            catch (RpcException e) when (e.Code is RpcException.StatusCode.DeadlineExceeded or RpcException.StatusCode.Cancelled)
            {
                throw NoWorker(afterNoWorker);
            }
            catch (WorkflowQueryFailedException) when (attempt < QueryAttempts && watch.Elapsed < Timeout)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100 * attempt));
            }
        }

        var node = JsonNode.Parse(answer.GetRawText()) as JsonObject
            ?? throw new CliException(ExitCodes.WorkflowFailed, $"workflow {workflowId} answered its status query with {answer.GetRawText()}, not an object.");
        return new Queried<T>(answer.Deserialize((System.Text.Json.Serialization.Metadata.JsonTypeInfo<T>)DeliveryDataConverter.Json.GetTypeInfo(typeof(T)))!, node);
    }

    /// <summary>Runs an update and waits at most <see cref="Timeout"/> for its result; a refusal is exit 1 with the workflow's reason.</summary>
    /// <param name="workflowId">The workflow.</param>
    /// <param name="update">The update name.</param>
    /// <param name="argument">Its one argument.</param>
    /// <param name="what">What it is called in messages, e.g. <c>rollback</c>.</param>
    /// <param name="checkWith">The command that shows whether a late update was applied.</param>
    /// <param name="cancellationToken">Ctrl+C.</param>
    /// <param name="updateId">The update's id (its idempotency key), or null for a new one.</param>
    /// <param name="hostWorker">
    /// For overrides: <c>auto</c> runs a worker in this command when none accepts the update within a moment (the
    /// update keeps its id, so the worker here takes the same one); <c>never</c> or null only waits.
    /// </param>
    /// <param name="taskQueue">The workflow's task queue, for a worker run here.</param>
    public async Task<T> UpdateAsync<T>(
        string workflowId, string update, object argument, string what, string checkWith, CancellationToken cancellationToken,
        string? updateId = null, string? hostWorker = null, string? taskQueue = null)
    {
        var handle = Client.GetWorkflowHandle(workflowId);
        updateId ??= Guid.NewGuid().ToString();
        var watch = Stopwatch.StartNew();
        HostedWorker? hosted = null;
        try
        {
            var probe = hostWorker == "auto" && AcceptProbe < Timeout ? AcceptProbe : Timeout;
            var started = await TryStartUpdateAsync<T>(handle, update, argument, updateId, probe, cancellationToken);
            if (started is null && probe < Timeout)
            {
                await Console.Error.WriteLineAsync(
                    $"no worker took the {what} within {Seconds(probe)}; running one in this command until it is applied (start one for good with: ddctl worker run --task-queue {taskQueue})");
                hosted = HostedWorker.Start(this, taskQueue ?? CliOptions.DefaultTaskQueue);
                started = await TryStartUpdateAsync<T>(handle, update, argument, updateId, Timeout - watch.Elapsed, cancellationToken);
            }

            var accepted = started ?? throw new CliException(
                ExitCodes.Unavailable,
                $"no worker took the {what} within {TimeoutText}; is `ddctl worker run` running against {Where}? The {what} stays pending on the server "
                + $"and is applied when a worker polls; check with {checkWith}.");
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            limit.CancelAfter(Timeout - watch.Elapsed > TimeSpan.FromMilliseconds(1) ? Timeout - watch.Elapsed : TimeSpan.FromMilliseconds(1));
            try
            {
                return await accepted.GetResultAsync(new RpcOptions { CancellationToken = limit.Token });
            }
            catch (Exception e) when (e is OperationCanceledException or WorkflowUpdateRpcTimeoutOrCanceledException or RpcException { Code: RpcException.StatusCode.Cancelled or RpcException.StatusCode.DeadlineExceeded }
                && !cancellationToken.IsCancellationRequested)
            {
                throw new CliException(
                    ExitCodes.Unavailable,
                    $"a worker took the {what} on {workflowId} but did not finish it within {TimeoutText}; it goes on there; check with {checkWith}.");
            }
        }
        catch (WorkflowUpdateFailedException e) when (e.InnerException is ApplicationFailureException failure)
        {
            throw CliException.BadInput($"{workflowId} refused the {what}: {failure.Message}");
        }
        finally
        {
            if (hosted is not null)
            {
                await hosted.DisposeAsync();
            }
        }
    }

    /// <summary>Starts an update and waits up to <paramref name="wait"/> for a worker to accept it; null when none did.</summary>
    private static async Task<WorkflowUpdateHandle<T>?> TryStartUpdateAsync<T>(
        WorkflowHandle handle, string update, object argument, string updateId, TimeSpan wait, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(wait > TimeSpan.FromMilliseconds(1) ? wait : TimeSpan.FromMilliseconds(1));
        try
        {
            return await handle.StartUpdateAsync<T>(
                update, [argument], new WorkflowUpdateStartOptions(WorkflowUpdateStage.Accepted) { Id = updateId, Rpc = new RpcOptions { CancellationToken = limit.Token } });
        }
        catch (Exception e) when (e is OperationCanceledException or WorkflowUpdateRpcTimeoutOrCanceledException or RpcException { Code: RpcException.StatusCode.Cancelled or RpcException.StatusCode.DeadlineExceeded }
            && !cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>Sends an override update and prints what changed and how long it took (JSON: the ids, the override with its kind, weights before and after).</summary>
    public async Task<int> SendOverrideAsync(OverrideCall call, bool json, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        var outcome = await UpdateAsync<OverrideOutcome>(call.WorkflowId, call.Update, call.Request, call.What, call.Show, cancellationToken, call.UpdateId, call.HostWorker, call.TaskQueue);
        return PrintOverride(call, outcome, watch.Elapsed, json);
    }

    /// <summary>Prints what an override changed and how long it took (JSON: the ids, the override with its kind, weights before and after).</summary>
    public static int PrintOverride(OverrideCall call, OverrideOutcome outcome, TimeSpan elapsed, bool json) =>
        PrintOverride(call, new OverridePrint(outcome.Message, outcome.WeightsBefore ?? call.WeightsBefore, outcome.Weights, json ? OverrideJson(call.Request) : null), elapsed, json);

    /// <summary>Prints what an override changed.</summary>
    public static int PrintOverride(OverrideCall call, OverridePrint done, TimeSpan elapsed, bool json)
    {
        if (json)
        {
            var node = call.Ids.DeepClone().AsObject();
            node["override"] = done.Override;
            node["message"] = done.Message;
            node["weightsBefore"] = WeightsJson(done.WeightsBefore);
            node["weights"] = WeightsJson(done.Weights);
            node["elapsedMs"] = Math.Round(elapsed.TotalMilliseconds, 1);
            Output.Json(node);
        }
        else
        {
            Console.Out.WriteLine($"{call.Subject}: {done.Message}");
            Console.Out.WriteLine($"weights: {done.WeightsBefore?.ToString() ?? "?"} -> {done.Weights}");
            Console.Out.WriteLine($"took {Seconds(elapsed)}; see '{call.Show}'");
        }

        return ExitCodes.Ok;
    }

    private static JsonObject? WeightsJson(TrafficWeights? weights) =>
        weights is null ? null : new JsonObject(weights.Weights.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value)));

    /// <summary>
    /// Finds a delivery: its workflow once it started, else its line in the environment's list (queued or superseded).
    /// Exit 2 when neither the environment nor the delivery is known.
    /// </summary>
    public async Task<DeliveryTarget> ResolveDeliveryAsync(string idText)
    {
        var (deliveryId, environment) = ParseDeliveryId(idText);
        if (await FindAsync(deliveryId) is { } run)
        {
            return run.WorkflowType == DeliveryType
                ? new DeliveryTarget(deliveryId, environment, run, null, null)
                : throw CliException.BadInput($"workflow {deliveryId} is a {run.WorkflowType}, not a {DeliveryType}; delivery ids come from 'ddctl deliver'.");
        }

        await RequireEnvironmentAsync(environment);
        var env = await QueryStatusAsync<EnvironmentStatus>(EnvironmentWorkflowId(environment));
        var summary = env.Value.Deliveries.FirstOrDefault(d => d.DeliveryId == deliveryId);
        return summary is not null
            ? new DeliveryTarget(deliveryId, environment, null, summary, env.Value)
            : throw new CliException(
                ExitCodes.NotFound,
                $"delivery '{deliveryId}' not found: environment '{environment}' has no such delivery; list them with 'ddctl delivery list --env {environment}'.");
    }

    /// <summary>Nothing to release: the SDK's connection closes with the process.</summary>
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>A workflow status as people read it and as visibility queries name it: <c>Running</c>, <c>Completed</c>...</summary>
    public static string StatusText(WorkflowExecutionStatus status) => status.ToString();

    private CliException NoWorker(string afterNoWorker) =>
        new(ExitCodes.Unavailable, $"no worker answered within {TimeoutText}; is `ddctl worker run` running against {Where}? {afterNoWorker}");

    [GeneratedRegex("^(?:delivery/)?([A-Za-z0-9][A-Za-z0-9_-]*)/([1-9][0-9]{0,8})$", RegexOptions.CultureInvariant)]
    private static partial Regex DeliveryId();
}

/// <summary>A query's answer, typed for tables and as the workflow wrote it for <c>--output json</c>.</summary>
internal sealed record Queried<T>(T Value, JsonObject Json);

/// <summary>A delivery that exists as a workflow (<see cref="Run"/>), or only in its environment's list (<see cref="Summary"/>: queued or superseded).</summary>
internal sealed record DeliveryTarget(string DeliveryId, string Environment, WorkflowExecutionDescription? Run, DeliverySummary? Summary, EnvironmentStatus? EnvironmentStatus);

/// <summary>
/// An override to send: where, as which update, what it is called in messages, and what to show afterwards;
/// <paramref name="WeightsBefore"/> is what a status query showed, when one was made (the outcome's own value wins).
/// </summary>
internal sealed record OverrideCall(string WorkflowId, string Update, string What, Override Request, TrafficWeights? WeightsBefore, string Subject, JsonObject Ids, string Show)
{
    /// <summary>Gets the update id to use (its idempotency key), or null for a new one.</summary>
    public string? UpdateId { get; init; }

    /// <summary>Gets <c>--host-worker</c>: <c>auto</c> runs a worker here when none accepts the override, null or <c>never</c> only waits.</summary>
    public string? HostWorker { get; init; }

    /// <summary>Gets the workflow's task queue, for a worker run here.</summary>
    public string? TaskQueue { get; init; }
}

/// <summary>What an override did, as printed: the environment's message, the weights before (when known) and after, and the override as recorded (JSON output only).</summary>
internal sealed record OverridePrint(string Message, TrafficWeights? WeightsBefore, TrafficWeights Weights, JsonNode? Override);

internal sealed record CommonOptions(Option<string> Output, Option<string> DataDir, Option<string> Timeout, ConnectionOptions Connection);

internal sealed record AuditOptions(Option<string?> Reason, Option<string?> As);
