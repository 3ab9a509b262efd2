using System.CommandLine;

namespace DurableDelivery.Cli.Common;

/// <summary>Factories for the options several commands share, so that names, aliases and help read the same everywhere.</summary>
internal static class CliOptions
{
    /// <summary>The data directory used when neither <c>--data-dir</c> nor <c>DD_DATA_DIR</c> is given.</summary>
    public const string DefaultDataDir = "./.durable-delivery";

    /// <summary>The environment variable that overrides <see cref="DefaultDataDir"/>.</summary>
    public const string DataDirVariable = "DD_DATA_DIR";

    /// <summary>The task queue used when <c>--task-queue</c> is not given.</summary>
    public const string DefaultTaskQueue = "default";

    public static Option<string> DataDir() => new("--data-dir")
    {
        Description = $"Local state: the local provider's, logs, and the embedded Temporal server's database when ddctl starts it. Defaults to ${DataDirVariable}, else {DefaultDataDir}.",
        HelpName = "dir",
        DefaultValueFactory = _ => DefaultDataDirValue(),
    };

    /// <summary>The data directory when <c>--data-dir</c> is not given: <c>$DD_DATA_DIR</c>, else <see cref="DefaultDataDir"/>.</summary>
    public static string DefaultDataDirValue() => Environment.GetEnvironmentVariable(DataDirVariable) is { Length: > 0 } dir ? dir : DefaultDataDir;

    public static Option<string> Output() => new Option<string>("--output", "-o")
    {
        Description = "Output format: table (for people) or json (for scripts; one JSON document on stdout).",
        HelpName = "table|json",
        DefaultValueFactory = _ => "table",
    }.AcceptOnlyFromAmong("table", "json");

    public static Option<string> WorkflowId() => new("--workflow-id", "-w")
    {
        Description = "Workflow id.",
        HelpName = "id",
        Required = true,
    };

    public static Option<string?> RunId() => new("--run-id", "-r")
    {
        Description = "Run id; defaults to the latest run of the workflow id.",
        HelpName = "id",
    };

    public static Option<string> Name(string kind) => new("--name")
    {
        Description = $"{kind} name, as the workflow declares it (e.g. approve, status, setRequiredApprovals).",
        HelpName = "name",
        Required = true,
    };

    public static Option<string[]> Input() => new("--input", "-i")
    {
        Description = "One argument as a JSON value; repeat for more arguments, in order. Strings need JSON quotes: --input '\"alice\"'. "
            + "A JSON array here is ONE argument (a list); use --input-array to pass a whole argument list.",
        HelpName = "json",
        Arity = ArgumentArity.ZeroOrMore,
    };

    public static Option<string?> InputArray() => new("--input-array")
    {
        Description = "All arguments at once as a JSON array, e.g. '[\"alice\", 2]'. Cannot be combined with --input.",
        HelpName = "json-array",
    };

    public static Option<string?> Reason(string defaultReason) => new("--reason")
    {
        Description = $"Why; recorded in the workflow's history. Default: \"{defaultReason}\".",
        HelpName = "text",
    };

    public static Option<string> TaskQueue(string description) => new("--task-queue", "-t")
    {
        Description = description,
        HelpName = "queue",
        DefaultValueFactory = _ => DefaultTaskQueue,
    };

    public static bool IsJson(this ParseResult parseResult, Option<string> output) =>
        string.Equals(parseResult.GetValue(output), "json", StringComparison.Ordinal);
}
