using System.CommandLine;
using System.Globalization;
using System.Text.RegularExpressions;
using DurableDelivery.Cli.Common;
using DurableDelivery.Providers.Local;
using DurableDelivery.Providers.Local.Load;
using Spectre.Console;

namespace DurableDelivery.Cli.Local;

internal static partial class LocalCommands
{
    private static Command Load()
    {
        var dataDir = CliOptions.DataDir();
        var output = CliOptions.Output();
        var environment = new Option<string>("--env") { Description = "Environment whose listener receives the traffic.", HelpName = "name", Required = true };
        var rps = new Option<int>("--rps") { Description = "Steady request rate (open loop).", HelpName = "n", DefaultValueFactory = _ => 100 };
        var duration = new Option<string>("--duration") { Description = "How long to send: 500ms, 10s, 2m or hh:mm:ss.", HelpName = "d", DefaultValueFactory = _ => "10s" };
        var path = new Option<string>("--path") { Description = "Path each GET asks for.", HelpName = "path", DefaultValueFactory = _ => "/" };
        var command = new Command(
            "load",
            "Send steady GET traffic to an environment's listener, show progress each second on stderr, then report what each version served (X-Served-By-Version), statuses and latency.\n"
            + "Example: ddctl local load --env staging --rps 200 --duration 30s")
        {
            dataDir, environment, rps, duration, path, output,
        };
        command.Action = new CliAction((parse, ct) => ProviderCallAsync(async () =>
        {
            var length = ParseDuration(parse.GetValue(duration)!);
            using var client = new LocalInfraProvider(DataDirectory(parse, dataDir));
            var listener = await client.GetListenerAsync(parse.GetValue(environment)!, ct);
            var options = new LoadOptions { Target = new Uri(listener.Endpoint), RequestsPerSecond = parse.GetValue(rps), Duration = length, Path = parse.GetValue(path)! };
            var problems = options.Validate();
            if (problems.Count > 0)
            {
                throw CliException.BadInput(string.Join(" ", problems));
            }

            using var generator = new LoadGenerator();
            var progress = new Progress<LoadReport>(r => Console.Error.WriteLine(
                string.Create(CultureInfo.InvariantCulture, $"{r.Elapsed.TotalSeconds,5:0.0}s sent {r.Sent} done {r.Completed} failed {r.Failed} | ")
                + string.Join(" ", r.ByVersion.Select(v => $"{v.Key}={v.Value}"))));
            LoadReport report;
            try
            {
                report = await generator.RunAsync(options, progress: progress, cancellationToken: ct);
            }
            catch (OperationCanceledException)
            {
                report = generator.Snapshot();
            }

            WriteLoadReport(report, parse.GetValue(output)!);
            return report.Failed == 0 ? ExitCodes.Ok : ExitCodes.WorkflowFailed;
        }));
        return command;
    }

    private static void WriteLoadReport(LoadReport report, string output)
    {
        if (output == "json")
        {
            Output.Json(Output.ToNode(report));
            return;
        }

        var console = Output.Table;
        console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{report.Target}: {report.Completed} responses in {report.Elapsed.TotalSeconds:0.0}s ({report.CompletedPerSecond:0} /s), {report.Failed} failed, {report.Skipped} skipped; latency p50 {report.LatencyP50Ms:0.###} ms, p99 {report.LatencyP99Ms:0.###} ms"));
        var table = new Table().AddColumns("served by", "responses", "share");
        var total = Math.Max(1, report.ByVersion.Values.Sum());
        foreach (var (version, count) in report.ByVersion)
        {
            table.AddRow(Markup.Escape(version), count.ToString(CultureInfo.InvariantCulture), string.Create(CultureInfo.InvariantCulture, $"{100.0 * count / total:0.0}%"));
        }

        console.Write(table);
        console.WriteLine("statuses: " + string.Join(", ", report.ByStatus.Select(s => $"{s.Key}={s.Value}")));
    }

    /// <summary>Parses 500ms, 10s, 2m, 1h or a TimeSpan (hh:mm:ss).</summary>
    internal static TimeSpan ParseDuration(string text)
    {
        var match = DurationPattern().Match(text.Trim());
        if (match.Success)
        {
            var value = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            return match.Groups[2].Value switch
            {
                "ms" => TimeSpan.FromMilliseconds(value),
                "s" => TimeSpan.FromSeconds(value),
                "m" => TimeSpan.FromMinutes(value),
                _ => TimeSpan.FromHours(value),
            };
        }

        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) && span > TimeSpan.Zero
            ? span
            : throw CliException.BadInput($"--duration '{text}' is not a duration. Use e.g. 500ms, 10s, 2m or 00:01:00.");
    }

    [GeneratedRegex("^([0-9]+(?:\\.[0-9]+)?)(ms|s|m|h)$")]
    private static partial Regex DurationPattern();
}
