using System.CommandLine;
using DurableDelivery.Cli.Common;

namespace DurableDelivery.Cli.Delivery;

/// <summary>
/// The command line of <c>ddctl env rollback</c> or <c>env set-weights</c> as its values, before any check: what both
/// of its readers produce. <see cref="Of"/> reads System.CommandLine's parse; <see cref="TryRead"/> reads the raw
/// arguments without System.CommandLine, whose start-up (~10 ms, more on a loaded machine) would otherwise delay an
/// emergency rollback, and declines (null) anything it does not read exactly as System.CommandLine would: then the full
/// parser runs, with its help and its errors. The same checks and the same work follow either reader
/// (<see cref="EnvCommands.OverrideAsync"/>); a test holds the two readers to the same result.
/// </summary>
internal sealed record OverrideLine(
    string Subcommand, string? Environment, string? Weights, string? To, string? Reason, string? As, string DataDir, string Timeout, string Output, string HostWorker)
{
    /// <summary>The update of <see cref="Subcommand"/>: <c>rollback</c> or <c>setWeights</c>.</summary>
    public string Update => Subcommand == "rollback" ? "rollback" : "setWeights";

    /// <summary>What the override is called in messages.</summary>
    public string What => Subcommand == "rollback" ? "rollback" : "weight change";

    /// <summary>The command path as typed, for messages.</summary>
    public string CommandPath => $"ddctl env {Subcommand}";

    /// <summary>Reads the values System.CommandLine parsed for an <c>env rollback</c> or <c>env set-weights</c> command.</summary>
    public static OverrideLine Of(ParseResult parse)
    {
        var subcommand = parse.CommandResult.Command.Name;
        return new OverrideLine(
            subcommand,
            parse.GetValue<string>("environment"),
            subcommand == "set-weights" ? parse.GetValue<string>("weights") : null,
            subcommand == "rollback" ? parse.GetValue<string?>("--to") : null,
            parse.GetValue<string?>("--reason"),
            parse.GetValue<string?>("--as"),
            parse.GetValue<string>("--data-dir")!,
            parse.GetValue<string>("--timeout")!,
            parse.GetValue<string>("--output")!,
            parse.GetValue<string>("--host-worker")!);
    }

    /// <summary>Whether the command line starts with <c>env rollback</c> or <c>env set-weights</c>.</summary>
    public static bool IsOverrideCommand(IReadOnlyList<string> args) => args.Count >= 2 && args[0] == "env" && args[1] is ("rollback" or "set-weights");

    /// <summary>
    /// Reads <c>env rollback &lt;env&gt;</c> or <c>env set-weights &lt;env&gt; &lt;weights&gt;</c> with their options given as
    /// <c>--name value</c>, each at most once; null for anything else (help, <c>--name=value</c>, unknown options, response
    /// files, values that start with '-' or '@', values System.CommandLine would refuse, a missing or extra argument).
    /// </summary>
    public static OverrideLine? TryRead(IReadOnlyList<string> args)
    {
        if (args.Count < 3 || !IsOverrideCommand(args))
        {
            return null;
        }

        var subcommand = args[1];
        var positional = new List<string>(2);
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 2; i < args.Count; i++)
        {
            var token = args[i];
            if (token.Length == 0 || token[0] == '@')
            {
                return null;
            }

            if (token[0] != '-')
            {
                positional.Add(token);
                continue;
            }

            var name = token == "-o" ? "--output" : token;
            var known = name is "--reason" or "--as" or "--data-dir" or "--timeout" or "--output" or "--host-worker" || (name == "--to" && subcommand == "rollback");
            if (!known || i + 1 >= args.Count || args[i + 1] is not { Length: > 0 } value || value[0] is '-' or '@' || !options.TryAdd(name, value))
            {
                return null;
            }

            i++;
        }

        if (positional.Count != (subcommand == "rollback" ? 1 : 2)
            || options.GetValueOrDefault("--output", "table") is not ("table" or "json")
            || !DeliveryCli.HostWorkerModes.Contains(options.GetValueOrDefault("--host-worker", "auto"), StringComparer.Ordinal))
        {
            return null;
        }

        return new OverrideLine(
            subcommand,
            positional[0],
            subcommand == "set-weights" ? positional[1] : null,
            options.GetValueOrDefault("--to"),
            options.GetValueOrDefault("--reason"),
            options.GetValueOrDefault("--as"),
            options.GetValueOrDefault("--data-dir") ?? CliOptions.DefaultDataDirValue(),
            options.GetValueOrDefault("--timeout", DeliveryCli.DefaultTimeout),
            options.GetValueOrDefault("--output", "table"),
            options.GetValueOrDefault("--host-worker", "auto"));
    }
}
