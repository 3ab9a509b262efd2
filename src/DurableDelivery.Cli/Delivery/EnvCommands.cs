using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using DurableDelivery.Cli.Common;
using DurableDelivery.Domain.Overrides;
using DurableDelivery.Domain.Traffic;
using DurableDelivery.Providers;
using DurableDelivery.Providers.Aws;
using DurableDelivery.Workflows.Delivery;
using DurableDelivery.Workflows.Environments;
using Spectre.Console;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;

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
            await using var cli = await DeliveryCli.OpenAsync(parse, common, ct);
            var environments = await ListAsync(cli, ct);
            var rows = new List<(WorkflowExecution Run, EnvironmentStatus Status)>();
            foreach (var run in environments)
            {
                rows.Add((run, (await cli.QueryStatusAsync<EnvironmentStatus>(run.Id)).Value));
            }

            if (parse.IsJson(common.Output))
            {
                Output.Json(new JsonArray([.. rows.Select(r => (JsonNode)new JsonObject
                {
                    ["environment"] = r.Status.Environment,
                    ["workflowId"] = r.Run.Id,
                    ["workflowStatus"] = DeliveryCli.StatusText(r.Run.Status),
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
                Output.Line($"No environments in {cli.Where}; create one with: ddctl deliver <env> --version-set <file>.");
                return ExitCodes.Ok;
            }

            var table = new Table().AddColumns("Environment", "Status", "Last known good", "Weights", "Active delivery", "Queue");
            foreach (var (run, s) in rows)
            {
                var status = run.Status == WorkflowExecutionStatus.Running ? "[blue]Running[/]" : $"[red]{DeliveryCli.StatusText(run.Status)}[/]";
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
        var query = $"WorkflowType = '{nameof(EnvironmentWorkflow)}' AND WorkflowId STARTS_WITH 'env/'";
        await foreach (var run in cli.Client.ListWorkflowsAsync(query, new WorkflowListOptions { Rpc = new RpcOptions { CancellationToken = ct } }))
        {
            if (seen.Add(run.Id))
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
            + "the queue, recent deliveries and overrides; invariant violations are highlighted. "
            + "For an environment declared 'provider: aws', --aws-settings adds each infra-set's Auto Scaling group, target group, weight, capacity, healthy targets, "
            + "launch template version and AMI, and whether it is ready to take traffic back (JSON: the \"aws\" array).\n"
            + "Example: ddctl env status demo [--aws-settings provider.json]")
        { environment };
        var awsSettings = AwsSettings.Option("for an environment declared 'provider: aws', probe its infra-sets on AWS.");
        command.Options.Add(awsSettings);
        var common = DeliveryCli.AddCommon(command);
        command.Action = new CliAction(async (parse, ct) =>
        {
            var env = DeliveryCli.CheckEnvironmentName(parse.GetValue(environment));
            var awsOptions = AwsSettings.Load(parse.GetValue(awsSettings));
            await using var cli = await DeliveryCli.OpenAsync(parse, common, ct);
            var run = await cli.RequireEnvironmentAsync(env);
            var status = await cli.QueryStatusAsync<EnvironmentStatus>(run.Id);
            var readiness = status.Value.Provider == "aws" && awsOptions is not null ? await AwsReadinessAsync(awsOptions, env, ct) : null;
            if (parse.IsJson(common.Output))
            {
                var json = new JsonObject { ["workflowId"] = run.Id, ["workflowStatus"] = DeliveryCli.StatusText(run.Status) };
                foreach (var (key, value) in status.Json)
                {
                    json[key] = value?.DeepClone();
                }

                if (readiness is not null)
                {
                    json["aws"] = new JsonArray([.. readiness.Select(DeliveryViews.AwsReadinessJson)]);
                }

                Output.Json(json);
            }
            else
            {
                Output.Table.Write(DeliveryViews.Environment(status.Value, run.Status));
                if (readiness is not null)
                {
                    Output.Table.Write(DeliveryViews.AwsReadiness(env, readiness));
                }
                else if (status.Value.Provider == "aws")
                {
                    Output.Line($"AWS groups and readiness not shown: pass --aws-settings <file> (or set {AwsSettings.Variable}).");
                }
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>
    /// Probes an AWS environment's infra-sets (<see cref="AwsInfraProvider.DescribeReadinessAsync"/>). Settings AWS refuses (an environment
    /// they do not name, a listener that does not exist) exit 1; AWS unreachable or failing exits 5.
    /// </summary>
    private static async Task<IReadOnlyList<AwsInfraSetReadiness>> AwsReadinessAsync(AwsProviderOptions options, string environment, CancellationToken ct)
    {
        using var aws = AwsSettings.CreateProvider(options, null)!;
        try
        {
            return await aws.DescribeReadinessAsync(environment, ct);
        }
        catch (InfraProviderException e) when (!e.IsRetryable)
        {
            throw CliException.BadInput($"AWS readiness of '{environment}': {e.Message}");
        }
        catch (InfraProviderException e)
        {
            throw new CliException(ExitCodes.Unavailable, $"AWS readiness of '{environment}': {e.Message}");
        }
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
        var audit = DeliveryCli.AddAudit(command, "Why (required); recorded with the override.");
        var hostWorker = DeliveryCli.AddHostWorker(command, "rollback");
        var awsSettings = AwsSettings.Option("a worker hosted here (--host-worker auto) serves the environments it names on AWS.");
        command.Options.Add(awsSettings);
        var common = DeliveryCli.AddCommon(command);
        command.Action = new CliAction((parse, ct) =>
        {
            var env = DeliveryCli.CheckEnvironmentName(parse.GetValue(environment));
            var (by, reason) = DeliveryCli.Audit(parse, audit);
            var target = parse.GetValue(to);
            if (target is not null && string.IsNullOrWhiteSpace(target))
            {
                throw CliException.BadInput("--to must name an infra-set, e.g. --to demo-sample-v1-0001; leave it out for the default target.");
            }

            var request = new RollbackOverride { To = target, RequestedBy = by, Reason = reason, RequestedAt = DateTimeOffset.UtcNow };
            return OverrideAsync(parse, common, env, "rollback", "rollback", request, parse.GetValue(hostWorker)!, AwsSettings.Load(parse.GetValue(awsSettings)), ct);
        });
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
        var audit = DeliveryCli.AddAudit(command, "Why (required); recorded with the override.");
        var hostWorker = DeliveryCli.AddHostWorker(command, "weight change");
        var awsSettings = AwsSettings.Option("a worker hosted here (--host-worker auto) serves the environments it names on AWS.");
        command.Options.Add(awsSettings);
        var common = DeliveryCli.AddCommon(command);
        command.Action = new CliAction((parse, ct) =>
        {
            var env = DeliveryCli.CheckEnvironmentName(parse.GetValue(environment));
            var table = ParseWeights(parse.GetValue(weights)!);
            var (by, reason) = DeliveryCli.Audit(parse, audit);
            var request = new SetWeightsOverride { Weights = table, RequestedBy = by, Reason = reason, RequestedAt = DateTimeOffset.UtcNow };
            return OverrideAsync(parse, common, env, "setWeights", "weight change", request, parse.GetValue(hostWorker)!, AwsSettings.Load(parse.GetValue(awsSettings)), ct);
        });
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

    /// <summary>
    /// An environment override, checked: connect, find the running environment, send the update (the same update any
    /// Temporal client sends: <c>temporal workflow update execute -w env/&lt;env&gt; --name rollback -i '{...}'</c>),
    /// with a worker run here when none accepts it (<c>--host-worker auto</c>), and print what changed.
    /// </summary>
    private static async Task<int> OverrideAsync(
        ParseResult parse, CommonOptions common, string env, string update, string what, Override request, string hostWorker, AwsProviderOptions? awsOptions, CancellationToken ct)
    {
        await using var cli = await DeliveryCli.OpenAsync(parse, common, ct);
        cli.AwsOptions = awsOptions;
        var run = await cli.RequireRunningEnvironmentAsync(env);
        var ids = new JsonObject { ["environment"] = env, ["workflowId"] = run.Id };
        var call = new OverrideCall(run.Id, update, what, request, null, env, ids, $"ddctl env status {env}")
        {
            HostWorker = hostWorker,
            TaskQueue = run.TaskQueue,
        };
        return await cli.SendOverrideAsync(call, parse.IsJson(common.Output), ct);
    }
}
