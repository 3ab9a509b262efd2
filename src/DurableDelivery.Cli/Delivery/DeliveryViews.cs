using System.Globalization;
using System.Text.Json.Nodes;
using DurableDelivery.Cli.Common;
using DurableDelivery.Domain.Common;
using DurableDelivery.Domain.Gates;
using DurableDelivery.Domain.Overrides;
using DurableDelivery.Domain.Traffic;
using DurableDelivery.Domain.VersionSets;
using DurableDelivery.Providers.Aws;
using Temporalio.Api.Enums.V1;
using DurableDelivery.Workflows.Delivery;
using DurableDelivery.Workflows.Environments;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace DurableDelivery.Cli.Delivery;

/// <summary>How environments and deliveries look in a terminal: Spectre.Console renderables, and one-line texts for logs.</summary>
internal static class DeliveryViews
{
    private const int RecentRows = 10;

    // ---------- environments ----------

    /// <summary><c>ddctl env status</c>: infra-sets with their marks, weights, the active delivery, queue, recent deliveries and overrides, violations.</summary>
    public static IRenderable Environment(EnvironmentStatus s, WorkflowExecutionStatus runStatus)
    {
        var rows = new List<IRenderable>();
        if (s.Violations.Count > 0)
        {
            rows.Add(new Markup($"[bold red]INVARIANT VIOLATED ({s.Violations.Count}):[/] [red]{Markup.Escape(string.Join(" | ", s.Violations))}[/]"));
        }

        if (s.RollbackTargetWarning is { } warning)
        {
            rows.Add(new Markup($"[bold red]ROLLBACK TARGET NOT WARM:[/] [red]{Markup.Escape(warning.Message)}[/]"));
        }

        var grid = Grid();
        Row(grid, "Environment", $"{s.Environment} ({s.Provider}{(s.ListenerPort > 0 ? $", listener port {s.ListenerPort}" : string.Empty)})");
        grid.AddRow(new Markup("[bold]Workflow[/]"), new Markup($"{Markup.Escape(DeliveryCli.EnvironmentWorkflowId(s.Environment))} {RunStatus(runStatus)}"));
        Row(grid, "Weights", s.Weights.ToString());
        Row(grid, "Last known good", s.LastKnownGood ?? "(none yet: nothing promoted)");
        Row(grid, "Rollback target", s.RollbackTarget ?? "(none warm)");
        Row(grid, "Active delivery", s.ActiveDelivery is { } a ? Active(a) : "(none)");
        Row(grid, "Queue", s.Queue.Count == 0 ? "(empty)" : string.Join(", ", s.Queue));
        if (s.NextHealthCheckAt is { } next)
        {
            Row(grid, "Health checks", $"every {DurationText.Format(s.HealthCheckInterval)} between deliveries; next {Output.Time(next)}");
        }

        grid.AddRow(new Markup("[bold]Invariants[/]"), new Markup(s.Violations.Count == 0 ? "[green]ok[/]" : $"[bold red]{s.Violations.Count} violated (see above)[/]"));
        rows.Add(grid);

        var sets = new Table().Title("Infra-sets").AddColumns("Infra-set", "Version", "Status", "Weight", "Marks", "Retired");
        foreach (var set in s.InfraSets)
        {
            var weight = s.Weights.WeightOf(set.Id);
            sets.AddRow(
                new Text(set.Id),
                new Text(VersionOf(set, s)),
                new Markup(InfraSetStatusMarkup(set.Status)),
                new Text(weight > 0 || s.Weights.Weights.ContainsKey(set.Id) ? $"{weight} ({s.Weights.PercentOf(set.Id).ToString("0.#", CultureInfo.InvariantCulture)}%)" : "-"),
                new Text(string.Join(", ", Marks(set, s))),
                new Text(set.Retired ? "retired" : string.Empty));
        }

        rows.Add(s.InfraSets.Count == 0 ? new Text("No infra-sets yet.") : sets);

        if (s.Deliveries.Count > 0)
        {
            var deliveries = new Table().Title($"Recent deliveries (newest first, {Math.Min(RecentRows, s.Deliveries.Count)} of {s.Deliveries.Count})")
                .AddColumns("Delivery", "State", "Version", "Requested by", "Requested", "Ended", "Outcome");
            foreach (var d in s.Deliveries.Reverse().Take(RecentRows))
            {
                deliveries.AddRow(
                    new Text(d.DeliveryId), new Text(d.State.ToString()), new Text(d.Version), new Text(d.RequestedBy), new Text(Output.Time(d.RequestedAt)), new Text(Output.Time(d.EndedAt)),
                    new Markup(OutcomeMarkup(d.Outcome, d.State == DeliveryState.Superseded ? $"superseded by {d.Reason}" : d.Message)));
            }

            rows.Add(deliveries);
        }

        if (s.Overrides.Count > 0)
        {
            rows.Add(Overrides(s.Overrides.Reverse().Take(RecentRows).ToList(), $"Recent overrides (newest first, {Math.Min(RecentRows, s.Overrides.Count)} of {s.Overrides.Count})"));
        }

        return new Rows(rows);
    }

    public static string Active(ActiveDelivery a) =>
        $"{a.DeliveryId}: {a.Phase}{(a.StepIndex >= 0 ? $", step {a.StepIndex + 1}" : string.Empty)}{(a.Paused ? ", PAUSED" : string.Empty)}"
        + (a.InfraSetId is { } id ? $", new infra-set {id}" : string.Empty);

    /// <summary><c>ddctl env status</c> of an AWS environment: each infra-set's group, target group, weight, capacity and whether it could take traffic back.</summary>
    public static IRenderable AwsReadiness(string environment, IReadOnlyList<AwsInfraSetReadiness> sets)
    {
        var table = new Table()
            .Title($"AWS infra-sets of {Markup.Escape(environment)} (oldest first)")
            .AddColumns("Infra-set", "Group", "Target group", "Weight", "InService/desired", "Healthy targets", "Template version", "AMI", "Readiness");
        foreach (var r in sets)
        {
            table.AddRow(
                new Text(r.InfraSetId),
                new Text(r.GroupName),
                new Text(r.TargetGroupArn is { } arn ? TargetGroupName(arn) : "(missing)"),
                new Text(r.Weight.ToString(CultureInfo.InvariantCulture)),
                new Text($"{r.InService}/{r.DesiredCapacity}"),
                new Text(r.HealthyTargets.ToString(CultureInfo.InvariantCulture)),
                new Text($"{r.LaunchTemplateVersion ?? "?"} ({(r.LaunchTemplateVersionExists ? "exists" : "missing")})"),
                new Text($"{r.ArtifactId} ({(r.ImageAvailable ? "available" : "unavailable")})"),
                r.Ready ? new Markup("[green]ready[/]") : new Markup($"[red]{Markup.Escape(string.Join("; ", r.Problems))}[/]"));
        }

        return sets.Count == 0 ? new Text($"AWS: no infra-sets of {environment} (no Auto Scaling group tagged dd:environment={environment}).") : table;
    }

    /// <summary>One row of <see cref="AwsReadiness"/> as JSON (the <c>aws</c> array of <c>env status -o json</c>).</summary>
    public static JsonNode AwsReadinessJson(AwsInfraSetReadiness r) => new JsonObject
    {
        ["infraSetId"] = r.InfraSetId,
        ["artifactId"] = r.ArtifactId,
        ["version"] = r.Version,
        ["group"] = r.GroupName,
        ["targetGroupArn"] = r.TargetGroupArn,
        ["weight"] = r.Weight,
        ["desiredCapacity"] = r.DesiredCapacity,
        ["inService"] = r.InService,
        ["healthyTargets"] = r.HealthyTargets,
        ["launchTemplateVersion"] = r.LaunchTemplateVersion,
        ["launchTemplateVersionExists"] = r.LaunchTemplateVersionExists,
        ["imageAvailable"] = r.ImageAvailable,
        ["ready"] = r.Ready,
        ["problems"] = new JsonArray([.. r.Problems.Select(p => (JsonNode)JsonValue.Create(p))]),
    };

    /// <summary>The name in a target group ARN (<c>...:targetgroup/&lt;name&gt;/&lt;id&gt;</c>).</summary>
    private static string TargetGroupName(string arn) =>
        arn.Split(":targetgroup/", 2) is [_, var rest] ? rest.Split('/')[0] : arn;

    // ---------- deliveries ----------

    /// <summary><c>ddctl delivery status</c> and the live <c>watch</c>: phase, steps with weights, the bake, gates with their numbers, timeline, overrides.</summary>
    /// <param name="s">The delivery's status.</param>
    /// <param name="runStatus">The workflow's status.</param>
    /// <param name="now">The time the bake progress is drawn at.</param>
    /// <param name="live">Whether this is the live watch (the timeline shows only its tail).</param>
    public static IRenderable Delivery(DeliveryStatus s, WorkflowExecutionStatus runStatus, DateTimeOffset now, bool live)
    {
        var rows = new List<IRenderable>();
        var grid = Grid();
        grid.AddRow(new Markup("[bold]Delivery[/]"), new Markup($"{Markup.Escape(s.DeliveryId)} {RunStatus(runStatus)}"));
        Row(grid, "Environment", s.Environment);
        Row(grid, "Version set", VersionSetText(s.VersionSet));
        Row(grid, "Requested by", s.RequestedBy);
        grid.AddRow(new Markup("[bold]Phase[/]"), new Markup(Markup.Escape(Where(s)) + (s.Paused ? $" [bold yellow]PAUSED[/] {Markup.Escape(s.PausedReason ?? string.Empty)}" : string.Empty)));
        Row(grid, "Infra-sets", $"new {s.InfraSetId ?? "(not yet)"}, stable {s.StableInfraSetId ?? "(none: first delivery)"}");
        Row(grid, "Weights", s.Weights.ToString());
        Row(grid, "Started", Output.Time(s.StartedAt));
        Row(grid, "Ended", Output.Time(s.EndedAt));
        if (s.Outcome is { } outcome)
        {
            grid.AddRow(new Markup("[bold]Outcome[/]"), new Markup(OutcomeMarkup(outcome, $"({s.OutcomeReason}) {s.OutcomeMessage}")));
        }

        rows.Add(grid);

        var steps = new Table().Title("Steps").AddColumns("Step", "Traffic", "Weights", "Bake", "Started", "Ended", "Gates");
        foreach (var step in s.Steps)
        {
            var current = s.Outcome is null && step.Index == s.StepIndex;
            steps.AddRow(
                new Markup((current ? "[bold]> " : "  ") + $"{step.Index + 1}/{s.Steps.Count}" + (current ? "[/]" : string.Empty)),
                new Text($"{step.Percent}%"),
                new Text(step.Weights?.ToString() ?? string.Empty),
                new Text(DurationText.Format(step.Bake) + (step.Extended > TimeSpan.Zero ? $" +{DurationText.Format(step.Extended)}" : string.Empty)),
                new Text(Output.Time(step.StartedAt)),
                new Text(Output.Time(step.EndedAt)),
                new Markup(string.Join(", ", step.Gates.Select(g => VerdictMarkup(g.Result)))));
        }

        rows.Add(steps);
        if (BakeProgress(s, now) is { } bar)
        {
            rows.Add(bar);
        }

        var gates = s.Steps.SelectMany(st => st.Gates).ToList();
        if (gates.Count > 0)
        {
            var table = new Table().Title("Health gates").AddColumns("Step", "At", "Verdict", "Requests new/stable", "Window", "Metrics");
            foreach (var g in gates)
            {
                table.AddRow(
                    new Text((g.StepIndex + 1).ToString(CultureInfo.InvariantCulture)), new Text(Output.Time(g.At)), new Markup(VerdictMarkup(g.Result)),
                    new Text($"{g.CanaryRequests}/{g.StableRequests}"), new Text(DurationText.Format(g.Window)),
                    new Text(string.Join("\n", g.Result.Metrics.Select(MetricLine))));
            }

            rows.Add(table);
        }

        var timeline = new Table().Title(live ? "Timeline (latest)" : "Timeline").AddColumns("At", "What", "Details");
        foreach (var t in live ? s.Timeline.TakeLast(12) : s.Timeline)
        {
            timeline.AddRow(new Text(Output.Time(t.At)), new Text(t.Kind), new Text(t.Message));
        }

        rows.Add(timeline);
        if (s.Overrides.Count > 0)
        {
            rows.Add(Overrides(s.Overrides, "Overrides"));
        }

        return new Rows(rows);
    }

    /// <summary>A delivery known only to its environment (queued, or superseded before it started).</summary>
    public static IRenderable Summary(DeliverySummary d, EnvironmentStatus env)
    {
        var grid = Grid();
        Row(grid, "Delivery", d.DeliveryId);
        Row(grid, "Environment", env.Environment);
        Row(grid, "State", SummaryState(d, env));
        Row(grid, "Version", $"{d.Stack} {d.Version}");
        Row(grid, "Requested by", d.RequestedBy);
        Row(grid, "Requested", Output.Time(d.RequestedAt));
        return grid;
    }

    /// <summary>Where a delivery that has no workflow (yet) stands, e.g. <c>Queued behind delivery/demo/3</c>.</summary>
    public static string SummaryState(DeliverySummary d, EnvironmentStatus env)
    {
        if (d.State == DeliveryState.Superseded)
        {
            return $"Superseded by {d.Reason} before it started; it never ran";
        }

        if (d.State == DeliveryState.Running)
        {
            return "Starting: its turn came and its workflow is being created";
        }

        if (d.State != DeliveryState.Queued)
        {
            return d.State.ToString();
        }

        var ahead = env.Queue.TakeWhile(id => id != d.DeliveryId).ToList();
        if (env.ActiveDelivery is { } active)
        {
            ahead.Insert(0, active.DeliveryId);
        }

        return ahead.Count == 0 ? "Queued; it starts next" : $"Queued behind {string.Join(", ", ahead)}";
    }

    /// <summary>Where a delivery is, e.g. <c>Baking, step 2/3 (50%)</c>.</summary>
    public static string Where(DeliveryStatus s) =>
        s.Phase + (s.StepIndex >= 0 && s.StepIndex < s.Steps.Count ? $", step {s.StepIndex + 1}/{s.Steps.Count} ({s.Steps[s.StepIndex].Percent}%)" : string.Empty);

    /// <summary>The bake of the current step as a bar: time baked of the planned total.</summary>
    public static IRenderable? BakeProgress(DeliveryStatus s, DateTimeOffset now)
    {
        if (s.Outcome is not null || s.BakeEndsAt is not { } end || s.StepIndex < 0 || s.StepIndex >= s.Steps.Count || s.Steps[s.StepIndex].StartedAt is not { } start || end <= start)
        {
            return null;
        }

        var total = end - start;
        var done = now < start ? TimeSpan.Zero : now > end ? total : now - start;
        const int Width = 40;
        var filled = (int)Math.Round(Width * done / total);
        var left = end - now < TimeSpan.Zero ? TimeSpan.Zero : end - now;
        return new Markup(
            $"[bold]Bake[/] step {s.StepIndex + 1} [green]{new string('█', filled)}[/][grey]{new string('░', Width - filled)}[/] "
            + string.Create(CultureInfo.InvariantCulture, $"{done.TotalSeconds:0.0}s of {total.TotalSeconds:0.0}s, {left.TotalSeconds:0.0}s left (ends {Output.Time(end)})"));
    }

    /// <summary>One metric of a gate with its numbers.</summary>
    public static string MetricLine(MetricResult m) =>
        $"{m.Kind} {m.Classification}{(m.Critical ? " (critical)" : string.Empty)}: {m.Message}"
        + string.Create(CultureInfo.InvariantCulture, $" [n {m.CanaryCount}/{m.BaselineCount}")
        + (m.PValue is { } p ? string.Create(CultureInfo.InvariantCulture, $", U {m.U:0.#}, p {p:0.####}, shift {m.Shift:0.####}, band {m.Band:0.####}") : string.Empty)
        + "]";

    public static string VersionSetText(VersionSet v) =>
        $"{v.Stack}: " + string.Join(", ", v.Components.Select(c => $"{c.Name} {c.Version} ({c.Artifact})")) + $" [{Short(v.ContentHash)}]";

    public static string Short(string hash) => hash.Length > 19 ? hash[..19] + "…" : hash;

    public static string OutcomeMarkup(DeliveryOutcome? outcome, string? message)
    {
        var text = Markup.Escape($"{outcome?.ToString() ?? string.Empty} {message}".Trim());
        return outcome switch
        {
            DeliveryOutcome.Promoted => $"[green]{text}[/]",
            null => text,
            _ => $"[red]{text}[/]",
        };
    }

    private static Table Overrides(IReadOnlyList<OverrideRecord> records, string title)
    {
        var table = new Table().Title(title).AddColumns("Handled", "Kind", "By", "Reason", "Handled by", "Applied", "Result");
        foreach (var o in records)
        {
            table.AddRow(
                new Text(Output.Time(o.HandledAt)), new Text(Kind(o.Request)), new Text(o.Request.RequestedBy), new Text(o.Request.Reason), new Text(o.HandledBy),
                new Markup(o.Applied ? "[green]yes[/]" : "[red]refused[/]"), new Text(o.Message));
        }

        return table;
    }

    private static string Kind(Override o) => o switch
    {
        RollbackOverride { To: { } to } => $"rollback to {to}",
        ExtendBakeOverride e => $"extend bake {DurationText.Format(e.By)}",
        _ => o.Verb,
    };

    private static string VerdictMarkup(GateResult r)
    {
        var text = r.Verdict + (r.Score is { } score ? " " + score.ToString("0.#", CultureInfo.InvariantCulture) : string.Empty);
        return r.Verdict switch
        {
            GateVerdict.Pass => $"[green]{text}[/]",
            GateVerdict.Fail => $"[red]{text}[/]",
            _ => $"[yellow]{text}[/]",
        };
    }

    private static IEnumerable<string> Marks(InfraSet set, EnvironmentStatus s)
    {
        if (set.Id == s.LastKnownGood)
        {
            yield return "last known good";
        }

        if (set.Id == s.RollbackTarget)
        {
            yield return "rollback target";
        }

        if (set.Id == s.ActiveDelivery?.InfraSetId)
        {
            yield return $"new in {s.ActiveDelivery.DeliveryId}";
        }

        if (s.Warm.Contains(set.Id))
        {
            yield return "warm";
        }

        if (set.PromotionSequence is { } n)
        {
            yield return $"promoted #{n}";
        }

        if (set.UnhealthySince is { } since)
        {
            yield return $"unhealthy since {Output.Time(since)}: {set.HealthCheck}";
        }
    }

    private static string VersionOf(InfraSet set, EnvironmentStatus s) =>
        s.Deliveries.LastOrDefault(d => d.VersionSetHash == set.VersionSetHash) is { } d ? d.Version : set.Artifact ?? string.Empty;

    private static string InfraSetStatusMarkup(InfraSetStatus status) => status switch
    {
        InfraSetStatus.Healthy => "[green]Healthy[/]",
        InfraSetStatus.Unhealthy => "[red]Unhealthy[/]",
        InfraSetStatus.Deleted or InfraSetStatus.Drained => $"[grey]{status}[/]",
        _ => status.ToString(),
    };

    private static string RunStatus(WorkflowExecutionStatus status) => status switch
    {
        WorkflowExecutionStatus.Running => "[blue](workflow Running)[/]",
        WorkflowExecutionStatus.Completed => "[green](workflow Completed)[/]",
        _ => $"[red](workflow {DeliveryCli.StatusText(status)})[/]",
    };

    private static Grid Grid() => new Grid().AddColumn().AddColumn();

    private static void Row(Grid grid, string key, string value) => grid.AddRow(new Markup($"[bold]{Markup.Escape(key)}[/]"), new Text(value));
}
