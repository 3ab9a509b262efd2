using System.CommandLine;
using DurableDelivery.Cli.Common;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Workflow.V1;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;
using Temporalio.Exceptions;

namespace DurableDelivery.Cli.Workflow;

/// <summary>
/// <c>ddctl workflow ...</c>: the <c>temporal workflow</c> commands, with the temporal CLI's flag names, on a Temporal
/// server (the embedded one by default, see <see cref="DurableDelivery.Cli.Common.TemporalConnection"/>). Before anything is sent, arguments and
/// handler names are checked against the workflow types this build knows (<see cref="WorkflowCatalog"/>); arguments go
/// to Temporal as the JSON the user typed (<see cref="JsonArgs"/>), results come back as JSON (<see cref="RawJson"/>).
/// </summary>
internal static partial class WorkflowCommands
{
    public static Command Create() => CommandGroup.Create(
        "workflow",
        "Start, inspect and talk to workflows on a Temporal server: list, describe, show, start, signal, query, update, result, cancel, terminate. "
        + "Exit codes: 0 ok, 1 bad input (also a rejected update, a closed or already started workflow), 2 workflow not found, "
        + "3 Temporal server unreachable or refusing (address, namespace, TLS, API key), 4 workflow failed/canceled/terminated, update or query failed or unanswered, 70 internal error, 130 interrupted.",
        List(),
        Describe(),
        Show(),
        Start(),
        Signal(),
        Query(),
        Update(),
        Result(),
        Cancel(),
        Terminate());

    /// <summary>Adds the options every workflow command takes, last, so that --help lists the specific ones first.</summary>
    private static Shared CommonOptions(Command command)
    {
        var output = CliOptions.Output();
        var dataDir = CliOptions.DataDir();
        dataDir.Description = $"Where the embedded Temporal server keeps its database and logs when ddctl starts it (no --address, nothing on {DurableDelivery.Cli.Common.TemporalConnection.DefaultAddress}). "
            + $"Defaults to ${CliOptions.DataDirVariable}, else {CliOptions.DefaultDataDir}.";
        command.Options.Add(output);
        command.Options.Add(dataDir);
        return new Shared(output, dataDir, ConnectionOptions.Add(command));
    }

    /// <summary>The action of a workflow command (Temporal's "namespace not found" is exit 3, in <see cref="CommandRun"/>).</summary>
    private static CliAction Act(Func<ParseResult, CancellationToken, Task<int>> body) => new(body);

    private static Option<string> TaskQueue(string description) => new("--task-queue", "-t")
    {
        Description = description,
        HelpName = "queue",
        DefaultValueFactory = _ => CliOptions.DefaultTaskQueue,
    };

    private static Option<double> Timeout(string description, double defaultSeconds) => new("--timeout")
    {
        Description = description,
        HelpName = "seconds",
        DefaultValueFactory = _ => defaultSeconds,
    };

    private static TimeSpan TimeoutOf(ParseResult parse, Option<double> timeout)
    {
        var seconds = parse.GetValue(timeout);
        return seconds is > 0 and <= 3600
            ? TimeSpan.FromSeconds(seconds)
            : throw CliException.BadInput($"--timeout must be between 0 and 3600 seconds, got {seconds}.");
    }

    private static RpcOptions Rpc(CancellationToken ct) => new() { CancellationToken = ct };

    /// <summary>Describes the run a command acts on (the latest run of the id unless <paramref name="runId"/> is given).</summary>
    /// <exception cref="CliException">Exit 2 when there is no such workflow or run.</exception>
    private static async Task<Run> DescribeRunAsync(ITemporalClient client, string id, string? runId, CancellationToken ct)
    {
        try
        {
            // The raw call: the SDK's description keeps the response (pending activities, workflow task) to itself.
            return new Run(await client.WorkflowService.DescribeWorkflowExecutionAsync(
                new DescribeWorkflowExecutionRequest
                {
                    Namespace = client.Options.Namespace,
                    Execution = new Temporalio.Api.Common.V1.WorkflowExecution { WorkflowId = id, RunId = runId ?? string.Empty },
                },
                Rpc(ct)));
        }
        catch (RpcException e) when (e.Code == RpcException.StatusCode.NotFound && CommandRun.NamespaceNotFound(e) is null)
        {
            throw NotFound(id, runId);
        }
    }

    private static CliException NotFound(string id, string? runId) => new(
        ExitCodes.NotFound,
        runId is null
            ? $"Workflow '{id}' not found; list workflows with 'ddctl workflow list'."
            : $"Workflow '{id}' has no run '{runId}'; list its runs with: ddctl workflow list --query \"WorkflowId = '{id.Replace("'", "''", StringComparison.Ordinal)}'\".");

    /// <summary>Refuses a closed run before signals, updates, cancel and terminate (Temporal would answer "not found").</summary>
    private static void RequireOpen(Run run)
    {
        if (run.Status != WorkflowExecutionStatus.Running)
        {
            throw CliException.BadInput($"Workflow '{run.Id}' is closed ({run.Status}); signals, updates, cancel and terminate need an open run.");
        }
    }

    /// <summary>Checks a handler's name and arguments against the workflow's declared shape, when ddctl knows the type.</summary>
    private static void CheckHandler(string workflowType, string kind, string name, JsonArgs args)
    {
        if (WorkflowCatalog.Default.Find(workflowType) is not { } shape)
        {
            // A type hosted by another program: its worker alone knows its handlers.
            return;
        }

        var method = kind switch
        {
            "signal" => shape.RequireSignal(name),
            "query" => shape.RequireQuery(name),
            _ => shape.RequireUpdate(name),
        };
        WorkflowCatalog.CheckArgs(method, args.ArrayJson, $"{kind} '{name}'");
    }

    private static string StatusMarkup(WorkflowExecutionStatus status) => status switch
    {
        WorkflowExecutionStatus.Running => "[blue]Running[/]",
        WorkflowExecutionStatus.Completed => "[green]Completed[/]",
        WorkflowExecutionStatus.ContinuedAsNew => "ContinuedAsNew",
        _ => $"[red]{status}[/]",
    };

    /// <summary>A run as Temporal describes it.</summary>
    private sealed record Run(DescribeWorkflowExecutionResponse Raw)
    {
        public WorkflowExecutionInfo Info => Raw.WorkflowExecutionInfo;

        public string Id => Info.Execution.WorkflowId;

        public string RunId => Info.Execution.RunId;

        public string WorkflowType => Info.Type.Name;

        public string TaskQueue => Raw.ExecutionConfig?.TaskQueue?.Name is { Length: > 0 } queue ? queue : Info.TaskQueue;

        public WorkflowExecutionStatus Status => Info.Status;
    }

    /// <summary>The options every workflow command shares.</summary>
    private sealed record Shared(Option<string> Output, Option<string> DataDir, ConnectionOptions Connection)
    {
        public Task<TemporalClient> ConnectAsync(ParseResult parse, CancellationToken ct) =>
            DurableDelivery.Cli.Common.TemporalConnection.ConnectAsync(parse, Connection, parse.GetValue(DataDir)!, ct);
    }
}
