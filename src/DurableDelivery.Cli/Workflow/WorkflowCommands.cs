using System.CommandLine;
using DurableDelivery.Cli.Common;

namespace DurableDelivery.Cli.Workflow;

/// <summary>
/// <c>ddctl workflow ...</c>: the <c>temporal workflow</c> commands a Temporal user knows, working directly on the
/// store in <c>--data-dir</c>. A running worker (<c>ddctl worker run</c>) in another process sees what they write
/// within its poll interval.
/// </summary>
internal static partial class WorkflowCommands
{
    public static Command Create() => CommandGroup.Create(
        "workflow",
        "Start, inspect and talk to workflows: list, describe, show, start, signal, query, update, cancel, terminate. " + ExitCodes.Help,
        List(),
        Describe(),
        Show(),
        Start(),
        Signal(),
        Query(),
        Update(),
        Cancel(),
        Terminate());

    /// <summary>The options every workflow command takes last, so that --help lists the specific ones first.</summary>
    private static (Option<string> Output, Option<string> DataDir) Common(Command command)
    {
        var output = CliOptions.Output();
        var dataDir = CliOptions.DataDir();
        command.Options.Add(output);
        command.Options.Add(dataDir);
        return (output, dataDir);
    }

    /// <summary>Checks a handler's name and arguments against the workflow's declared shape, when ddctl knows the type.</summary>
    private static void CheckHandler(string workflowType, string kind, string name, string argsJson)
    {
        if (WorkflowCatalog.Default.Find(workflowType) is not { } shape)
        {
            // A type hosted by another program: the engine still checks the name once a worker registered the type.
            return;
        }

        var method = kind switch
        {
            "signal" => shape.RequireSignal(name),
            "query" => shape.RequireQuery(name),
            _ => shape.RequireUpdate(name),
        };
        WorkflowCatalog.CheckArgs(method, argsJson, $"{kind} '{name}'");
    }
}
