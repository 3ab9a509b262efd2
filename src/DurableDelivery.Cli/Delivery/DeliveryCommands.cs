using System.CommandLine;
using System.Text.Json.Nodes;
using DurableDelivery.Cli.Common;
using DurableDelivery.Domain.Common;
using DurableDelivery.Domain.Overrides;
using Temporalio.Api.Enums.V1;
using DurableDelivery.Workflows.Delivery;
using DurableDelivery.Workflows.Environments;
using Spectre.Console;

namespace DurableDelivery.Cli.Delivery;

/// <summary>
/// <c>ddctl delivery list|status|watch|pause|resume|promote|abort|extend-bake</c>: deliveries are
/// <c>delivery/&lt;env&gt;/&lt;n&gt;</c> workflows started by their environment when their turn comes.
/// </summary>
internal static class DeliveryCommands
{
    public static Command Create() => CommandGroup.Create(
        "delivery",
        "Follow and steer deliveries (delivery/<env>/<n>): list, status, watch, pause, resume, promote, abort, extend-bake. Ids may be given as delivery/demo/3 or demo/3. "
        + "A worker must run (ddctl worker run). " + DeliveryCli.ExitHelp,
        List(),
        Status(),
        Watch(),
        Pause(),
        Resume(),
        Promote(),
        Abort(),
        ExtendBake());

    private static Argument<string> IdArgument() => new("delivery-id") { Description = "Delivery id: delivery/<env>/<n> (e.g. delivery/demo/3), or <env>/<n>." };

    private static Command List()
    {
        var env = new Option<string?>("--env") { Description = "Only this environment's deliveries.", HelpName = "name" };
        var command = new Command(
            "list",
            "List recent deliveries of every environment (or one), newest first: state, version, who asked, outcome. Queued and superseded requests are listed too.\n"
            + "Example: ddctl delivery list --env demo")
        { env };
        var common = DeliveryCli.AddCommon(command);
        command.Action = new CliAction(async (parse, ct) =>
        {
            var only = parse.GetValue(env) is { } name ? DeliveryCli.CheckEnvironmentName(name) : null;
            await using var cli = await DeliveryCli.OpenAsync(parse, common, ct);
            var ids = only is not null
                ? [(await cli.RequireEnvironmentAsync(only)).Id]
                : (await EnvCommands.ListAsync(cli, ct)).Select(r => r.Id).ToList();
            var rows = new List<DeliverySummary>();
            foreach (var id in ids)
            {
                rows.AddRange((await cli.QueryStatusAsync<EnvironmentStatus>(id)).Value.Deliveries);
            }

            rows = [.. rows.OrderByDescending(r => r.RequestedAt)];
            if (parse.IsJson(common.Output))
            {
                Output.Json(new JsonArray([.. rows.Select(r => Output.ToNode(r))]));
                return ExitCodes.Ok;
            }

            if (rows.Count == 0)
            {
                Output.Line(only is null ? "No deliveries yet; start one with: ddctl deliver <env> --version-set <file>." : $"No deliveries in {only} yet.");
                return ExitCodes.Ok;
            }

            var table = new Table().AddColumns("Delivery", "State", "Version", "Requested by", "Requested", "Ended", "Outcome");
            foreach (var d in rows)
            {
                table.AddRow(
                    new Text(d.DeliveryId), new Text(d.State.ToString()), new Text($"{d.Stack} {d.Version}"), new Text(d.RequestedBy), new Text(Output.Time(d.RequestedAt)),
                    new Text(Output.Time(d.EndedAt)), new Markup(DeliveryViews.OutcomeMarkup(d.Outcome, d.State == DeliveryState.Superseded ? $"superseded by {d.Reason}" : d.Message)));
            }

            Output.Table.Write(table);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Status() => DeliveryCommand(
        "status",
        "Show a delivery: phase, steps with their weights and bakes, health gates with their numbers, the timeline and overrides (also once it ended). "
        + "A delivery that has not started shows its place in the queue.\n"
        + "Example: ddctl delivery status delivery/demo/3 --output json",
        async (json, cli, target, _) =>
        {
            if (target.Run is null)
            {
                if (json)
                {
                    var node = Output.ToNode(target.Summary)!.AsObject();
                    node["environment"] = target.Environment;
                    node["workflowStatus"] = null;
                    node["stateDetail"] = DeliveryViews.SummaryState(target.Summary!, target.EnvironmentStatus!);
                    Output.Json(node);
                }
                else
                {
                    Output.Table.Write(DeliveryViews.Summary(target.Summary!, target.EnvironmentStatus!));
                }

                return ExitCodes.Ok;
            }

            var status = await cli.QueryStatusAsync<DeliveryStatus>(target.DeliveryId);
            if (json)
            {
                Output.Json(DeliveryWatch.StatusJson(status, target.Run.Status));
            }
            else
            {
                Output.Table.Write(DeliveryViews.Delivery(status.Value, target.Run.Status, DateTimeOffset.UtcNow, live: false));
            }

            return ExitCodes.Ok;
        });

    private static Command Watch() => DeliveryCommand(
        "watch",
        "Follow a delivery until it ends: steps with weights, the bake's progress, gate verdicts with their numbers, the timeline as it grows "
        + "(a live view on a terminal; plain appended lines when output is redirected). Exits 0 when it promoted, 4 when it rolled back, was aborted, failed or was rejected; "
        + "with --output json it prints only the final status.\n"
        + "Example: ddctl delivery watch delivery/demo/3",
        (json, cli, target, ct) => DeliveryWatch.FollowAsync(cli, target.DeliveryId, json, ct));

    /// <summary>A command on one delivery, found by its id argument (exit 2 when unknown).</summary>
    private static Command DeliveryCommand(string name, string description, Func<bool, DeliveryCli, DeliveryTarget, CancellationToken, Task<int>> run)
    {
        var id = IdArgument();
        var command = new Command(name, description) { id };
        var common = DeliveryCli.AddCommon(command);
        command.Action = new CliAction(async (parse, ct) =>
        {
            await using var cli = await DeliveryCli.OpenAsync(parse, common, ct);
            return await run(parse.IsJson(common.Output), cli, await cli.ResolveDeliveryAsync(parse.GetValue(id)!), ct);
        });
        return command;
    }

    private static Command Pause() => OverrideCommand(
        "pause",
        "Pause a running delivery: traffic stays where it is and the bake clock stops until it is resumed.",
        "ddctl delivery pause delivery/demo/3 --reason \"checking a latency alert\"",
        "pause",
        "pause",
        (_, by, reason, id) => new PauseOverride { DeliveryId = id, RequestedBy = by, Reason = reason, RequestedAt = DateTimeOffset.UtcNow });

    private static Command Resume() => OverrideCommand(
        "resume",
        "Resume a paused delivery; a bake goes on for the time it had left.",
        "ddctl delivery resume delivery/demo/3 --reason \"alert was unrelated\"",
        "resume",
        "resume",
        (_, by, reason, id) => new ResumeOverride { DeliveryId = id, RequestedBy = by, Reason = reason, RequestedAt = DateTimeOffset.UtcNow });

    private static Command Promote() => OverrideCommand(
        "promote",
        "Skip the remaining steps: all traffic to the delivery's new infra-set, which becomes last known good.",
        "ddctl delivery promote delivery/demo/3 --reason \"hotfix, gates already green\"",
        "promote",
        "promote",
        (_, by, reason, id) => new PromoteOverride { DeliveryId = id, RequestedBy = by, Reason = reason, RequestedAt = DateTimeOffset.UtcNow });

    private static Command Abort() => OverrideCommand(
        "abort",
        "Stop a delivery: traffic goes back to the last known good infra-set and the new one is retired.",
        "ddctl delivery abort delivery/demo/3 --reason \"wrong version set\"",
        "abort",
        "abort",
        (_, by, reason, id) => new AbortOverride { DeliveryId = id, RequestedBy = by, Reason = reason, RequestedAt = DateTimeOffset.UtcNow });

    private static Command ExtendBake()
    {
        var by = new Option<string>("--by")
        {
            Description = "How much longer to bake: 500ms, 30s, 5m, 1h, 1m30s (at most 1 day).",
            HelpName = "duration",
            Required = true,
        };
        return OverrideCommand(
            "extend-bake",
            "Lengthen the current bake of a delivery, e.g. to gather more data after an inconclusive gate.",
            "ddctl delivery extend-bake delivery/demo/3 --by 30s --reason \"need more data\"",
            "extendBake",
            "bake extension",
            (parse, who, reason, id) =>
            {
                var text = parse.GetValue(by)!;
                if (!DurationText.TryParse(text, out var span) || span <= TimeSpan.Zero)
                {
                    throw CliException.BadInput($"--by '{text}' is not a positive duration; use e.g. 30s, 5m or 1m30s.");
                }

                return new ExtendBakeOverride { By = span, DeliveryId = id, RequestedBy = who, Reason = reason, RequestedAt = DateTimeOffset.UtcNow };
            },
            by);
    }

    /// <summary>A delivery override: check input, find the delivery, prove a worker answers, send the update, print what changed.</summary>
    private static Command OverrideCommand(
        string name, string description, string example, string update, string what, Func<ParseResult, string, string, string, DeliveryOverride> build, params Option[] extra)
    {
        var id = IdArgument();
        var command = new Command(name, $"{description} A refused {what} exits 1 with the delivery's reason.\nExample: {example}") { id };
        foreach (var option in extra)
        {
            command.Options.Add(option);
        }

        var audit = DeliveryCli.AddAudit(command, "Why (required); recorded with the override.");
        var common = DeliveryCli.AddCommon(command);
        command.Action = new CliAction(async (parse, ct) =>
        {
            var (deliveryId, _) = DeliveryCli.ParseDeliveryId(parse.GetValue(id));
            var (who, reason) = DeliveryCli.Audit(parse, audit);
            var request = build(parse, who, reason, deliveryId);
            await using var cli = await DeliveryCli.OpenAsync(parse, common, ct);
            var target = await cli.ResolveDeliveryAsync(deliveryId);
            if (target.Run is null)
            {
                throw CliException.BadInput(
                    $"cannot {request.Verb}: delivery '{deliveryId}' has not started ({DeliveryViews.SummaryState(target.Summary!, target.EnvironmentStatus!)}); overrides apply to a running delivery.");
            }

            var status = await cli.QueryStatusAsync<DeliveryStatus>(deliveryId);
            if (status.Value.Outcome is { } outcome || target.Run.Status != WorkflowExecutionStatus.Running)
            {
                var how = status.Value.Outcome is { } o ? $"{o}: {status.Value.OutcomeMessage}" : $"workflow {DeliveryCli.StatusText(target.Run.Status)}";
                throw CliException.BadInput(
                    $"cannot {request.Verb}: delivery '{deliveryId}' has ended ({how}); to move traffic now use ddctl env rollback {target.Environment} or ddctl env set-weights {target.Environment}.");
            }

            var ids = new JsonObject { ["deliveryId"] = deliveryId, ["environment"] = target.Environment };
            var call = new OverrideCall(deliveryId, update, what, request, status.Value.Weights, deliveryId, ids, $"ddctl delivery status {deliveryId}");
            return await cli.SendOverrideAsync(call, parse.IsJson(common.Output), ct);
        });
        return command;
    }
}
