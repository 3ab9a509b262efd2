using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using DurableDelivery.Cli.Common;
using DurableDelivery.Domain.Overrides;
using DurableDelivery.Domain.Traffic;
using DurableDelivery.Engine.Client;
using DurableDelivery.Engine.Common;
using DurableDelivery.Workflows.Delivery;
using DurableDelivery.Workflows.Environments;
using Spectre.Console;

namespace DurableDelivery.Cli.Delivery;

/// <summary>
/// <c>ddctl env list|status|rollback|set-weights</c>: environments are long-lived <c>env/&lt;name&gt;</c> workflows
/// (created by the first <c>ddctl deliver</c>); these commands read their <c>status</c> query and send them overrides.
/// </summary>
internal static class EnvCommands
{
    public static Command Create() => CommandGroup.Create(
        "env",
        "Inspect environments (env/<name> workflows) and override their traffic: list, status, rollback, set-weights. A worker must run (ddctl worker run). " + DeliveryCli.ExitHelp,
        List(),
        Status(),
        Rollback(),
        SetWeights());

    private static Argument<string> EnvironmentArgument() => new("environment") { Description = "Environment name, e.g. demo (its workflow is env/<name>)." };

    private static Command List()
    {
        var command = new Command(
            "list",
            "List every environment (env/<name> workflow) with its last known good infra-set, weights, active delivery and workflow status.\n"
            + "Example: ddctl env list --output json");
        var common = DeliveryCli.AddCommon(command);
        command.Action = new CliAction(async (parse, ct) =>
        {
            await using var cli = DeliveryCli.Open(parse, common);
            var environments = await ListAsync(cli, ct);
            var rows = new List<(WorkflowExecution Run, EnvironmentStatus Status)>();
            foreach (var run in environments)
            {
                rows.Add((run, (await cli.QueryStatusAsync<EnvironmentStatus>(run.WorkflowId)).Value));
            }

            if (parse.IsJson(common.Output))
            {
                Output.Json(new JsonArray([.. rows.Select(r => (JsonNode)new JsonObject
                {
                    ["environment"] = r.Status.Environment,
                    ["workflowId"] = r.Run.WorkflowId,
                    ["workflowStatus"] = r.Run.Status.ToString(),
                    ["lastKnownGood"] = r.Status.LastKnownGood,
                    ["rollbackTarget"] = r.Status.RollbackTarget,
                    ["weights"] = Output.ToNode(r.Status.Weights.Weights),
                    ["activeDelivery"] = Output.ToNode(r.Status.ActiveDelivery),
                    ["queue"] = Output.ToNode(r.Status.Queue),
                    ["violations"] = Output.ToNode(r.Status.Violations),
                })]));
                return ExitCodes.Ok;
            }

            if (rows.Count == 0)
            {
                Output.Line($"No environments in {cli.Client.StoreLocation}; create one with: ddctl deliver <env> --version-set <file>.");
                return ExitCodes.Ok;
            }

            var table = new Table().AddColumns("Environment", "Status", "Last known good", "Weights", "Active delivery", "Queue");
            foreach (var (run, s) in rows)
            {
                var status = run.Status == Engine.Common.WorkflowExecutionStatus.Running ? "[blue]Running[/]" : $"[red]{run.Status}[/]";
                if (s.Violations.Count > 0)
                {
                    status += $" [bold red]INVARIANT VIOLATED: {Markup.Escape(string.Join(" | ", s.Violations))}[/]";
                }

                table.AddRow(
                    new Text(s.Environment),
                    new Markup(status),
                    new Text(s.LastKnownGood ?? "(none)"),
                    new Text(s.Weights.ToString()),
                    new Text(s.ActiveDelivery is { } a ? DeliveryViews.Active(a) : "(none)"),
                    new Text(s.Queue.Count.ToString(CultureInfo.InvariantCulture)));
            }

            Output.Table.Write(table);
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>The latest run of every env/ workflow, newest first.</summary>
    internal static async Task<List<WorkflowExecution>> ListAsync(DeliveryCli cli, CancellationToken ct)
    {
        var latest = new List<WorkflowExecution>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var filter = new WorkflowListFilter { WorkflowIdPrefix = "env/", WorkflowType = nameof(EnvironmentWorkflow), Limit = 10_000 };
        await foreach (var run in cli.Client.ListWorkflowsAsync(filter, ct))
        {
            if (seen.Add(run.WorkflowId))
            {
                latest.Add(run);
            }
        }

        return latest;
    }

    private static Command Status()
    {
        var environment = EnvironmentArgument();
        var command = new Command(
            "status",
            "Show an environment: infra-sets (version, status, weight, last known good / rollback target / warm marks, retired), weights, the active delivery, "
            + "the queue, recent deliveries and overrides; invariant violations are highlighted.\n"
            + "Example: ddctl env status demo")
        { environment };
        var common = DeliveryCli.AddCommon(command);
        command.Action = new CliAction(async (parse, _) =>
        {
            var env = DeliveryCli.CheckEnvironmentName(parse.GetValue(environment));
            await using var cli = DeliveryCli.Open(parse, common);
            var run = await cli.RequireEnvironmentAsync(env);
            var status = await cli.QueryStatusAsync<EnvironmentStatus>(run.WorkflowId);
            if (parse.IsJson(common.Output))
            {
                var json = new JsonObject { ["workflowId"] = run.WorkflowId, ["workflowStatus"] = run.Status.ToString() };
                foreach (var (key, value) in status.Json)
                {
                    json[key] = value?.DeepClone();
                }

                Output.Json(json);
            }
            else
            {
                Output.Table.Write(DeliveryViews.Environment(status.Value, run.Status));
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Rollback()
    {
        var environment = EnvironmentArgument();
        var to = new Option<string?>("--to")
        {
            Description = "The warm infra-set to put all traffic on. Default: the last known good while a delivery runs, else the most recently promoted warm infra-set before it.",
            HelpName = "infra-set",
        };
        var command = new Command(
            "rollback",
            "Put all traffic on a warm infra-set now (a running delivery is aborted). Prints what changed and how long it took; a refused rollback exits 1 with the environment's reason.\n"
            + "Example: ddctl env rollback demo --reason \"error rate up after v2\" [--to demo-sample-v1-0001]")
        { environment, to };
        DeliveryCli.AddAudit(command, "Why (required); recorded with the override.");
        DeliveryCli.AddHostWorker(command, "rollback");
        DeliveryCli.AddCommon(command);
        command.Action = new CliAction((parse, ct) => OverrideAsync(OverrideLine.Of(parse), ct));
        return command;
    }

    private static Command SetWeights()
    {
        var environment = EnvironmentArgument();
        var weights = new Argument<string>("weights") { Description = "<infra-set>=<weight>[,<infra-set>=<weight>...], weights 0-999; replaces the whole table." };
        var command = new Command(
            "set-weights",
            "Set the listener weights by hand (between deliveries, or while the active delivery is paused). A refused change exits 1 with the environment's reason.\n"
            + "Example: ddctl env set-weights demo demo-sample-v1-0001=90,demo-sample-v2-0002=10 --reason \"hold v2 at 10%\"")
        { environment, weights };
        DeliveryCli.AddAudit(command, "Why (required); recorded with the override.");
        DeliveryCli.AddHostWorker(command, "weight change");
        DeliveryCli.AddCommon(command);
        command.Action = new CliAction((parse, ct) => OverrideAsync(OverrideLine.Of(parse), ct));
        return command;
    }

    /// <summary>Reads <c>a=90,b=10</c>.</summary>
    internal static TrafficWeights ParseWeights(string text)
    {
        const string Example = "e.g. demo-sample-v1-0001=90,demo-sample-v2-0002=10";
        var weights = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var pair in text.Split(','))
        {
            var parts = pair.Split('=');
            if (parts.Length != 2 || parts[0].Trim().Length == 0)
            {
                throw CliException.BadInput($"weights '{text}' are not <infra-set>=<weight>[,...]: '{pair}' is not one pair; {Example}.");
            }

            var id = parts[0].Trim();
            if (!int.TryParse(parts[1].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var weight) || weight > TrafficWeights.MaxWeight)
            {
                throw CliException.BadInput($"weights '{text}': the weight of '{id}' is '{parts[1].Trim()}', not a whole number from 0 to {TrafficWeights.MaxWeight}; {Example}.");
            }

            if (!weights.TryAdd(id, weight))
            {
                throw CliException.BadInput($"weights '{text}' name infra-set '{id}' twice; give each infra-set once, {Example}.");
            }
        }

        return new TrafficWeights { Weights = weights };
    }

    /// <summary>The override a command line asks for, checked; throws <see cref="CliException"/> (exit 2) on bad input.</summary>
    private static Override Build(OverrideLine line)
    {
        if (line.Subcommand == "set-weights")
        {
            var table = ParseWeights(line.Weights!);
            var (who, why) = DeliveryCli.Audit(line.Reason, line.As, line.CommandPath);
            return new SetWeightsOverride { Weights = table, RequestedBy = who, Reason = why, RequestedAt = DateTimeOffset.UtcNow };
        }

        var (by, reason) = DeliveryCli.Audit(line.Reason, line.As, line.CommandPath);
        if (line.To is not null && string.IsNullOrWhiteSpace(line.To))
        {
            throw CliException.BadInput("--to must name an infra-set, e.g. --to demo-sample-v1-0001; leave it out for the default target.");
        }

        return new RollbackOverride { To = line.To, RequestedBy = by, Reason = reason, RequestedAt = DateTimeOffset.UtcNow };
    }

    /// <summary>
    /// An environment override: check input; hand it to a running worker's control socket when one listens (no store to
    /// open, nothing cold on this side: <see cref="OverrideControl"/>); else run a worker in this command if none runs
    /// (<c>--host-worker auto</c>), send the update, print what changed. Both paths use the same update id. Reached from
    /// System.CommandLine's parse or, for a plain command line, from <see cref="OverrideLine.TryRead"/> directly.
    /// </summary>
    internal static async Task<int> OverrideAsync(OverrideLine line, CancellationToken ct)
    {
        var env = DeliveryCli.CheckEnvironmentName(line.Environment);
        var request = Build(line);
        var (update, what) = (line.Update, line.What);
        var timeout = DeliveryCli.ParseTimeout(line.Timeout);
        var dataDir = Path.GetFullPath(line.DataDir);
        var updateId = Guid.NewGuid().ToString();
        var show = $"ddctl env status {env}";
        var json = line.Output == "json";
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var sent = await OverrideControl.TrySendAsync(dataDir, update, env, request, updateId, timeout, ct);
        if (sent is { } reply && reply != OverrideControl.Reply.Dropped)
        {
            if (reply.Exit != ExitCodes.Ok)
            {
                throw new CliException(reply.Exit, reply.Message ?? $"the worker refused the {what} without a reason.");
            }

            var call = new OverrideCall(reply.WorkflowId!, update, what, request, null, env, new JsonObject { ["environment"] = env, ["workflowId"] = reply.WorkflowId }, show)
            {
                Via = OverrideCall.ViaWorker,
            };
            return DeliveryCli.PrintOverride(call, new OverridePrint(reply.Message ?? string.Empty, reply.WeightsBefore, reply.Weights, reply.Override), watch.Elapsed, json);
        }

        // The serializer's first use in a process costs tens of milliseconds: pay it on the other core while the store opens.
        var args = Task.Run(() => PayloadConverter.SerializeArgs([request]));
        await using var cli = DeliveryCli.Open(dataDir, timeout);
        var run = await cli.RequireRunningEnvironmentAsync(env);

        // No status query first (it would cost a replay of the environment's history before an emergency rollback): a live
        // worker is known from its lock, none runs -> one runs here (or exit 5 with --host-worker never), and an update that
        // nobody takes within --timeout is withdrawn. The weights before come back with the outcome.
        // A worker that took the override and died may have submitted it: then wait for the next worker (started by whoever
        // restarts workers) to finish it, as for any update in flight, rather than run one here.
        await using var hosted = sent == OverrideControl.Reply.Dropped ? null : await cli.HostWorkerIfNoneAsync(line.HostWorker, run.TaskQueue, what);
        var ids = new JsonObject { ["environment"] = env, ["workflowId"] = run.WorkflowId };
        return await cli.SendOverrideAsync(new OverrideCall(run.WorkflowId, update, what, request, null, env, ids, show) { ArgsJson = args, UpdateId = updateId }, json, ct);
    }
}
