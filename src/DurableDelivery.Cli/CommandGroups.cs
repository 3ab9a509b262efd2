using System.CommandLine;

namespace DurableDelivery.Cli;

/// <summary>The top-level command groups of <c>ddctl</c>; each group lives in its own folder.</summary>
internal static class CommandGroups
{
    /// <summary>Every top-level command by name, in the order <c>--help</c> lists them.</summary>
    private static readonly (string Name, Func<Command> Create)[] Groups =
    [
        ("demo", Demo.DemoCommand.Create),
        ("deliver", Delivery.DeliverCommand.Create),
        ("delivery", Delivery.DeliveryCommands.Create),
        ("env", Delivery.EnvCommands.Create),
        ("workflow", Workflow.WorkflowCommands.Create),
        ("worker", Worker.WorkerCommands.Create),
        ("local", Local.LocalCommands.Create),
        ("server", Server.ServerCommands.Create),
    ];

    /// <summary>Every top-level command, in the order <c>--help</c> lists them.</summary>
    public static IEnumerable<Command> All() => Groups.Select(g => g.Create());

    /// <summary>
    /// The commands a command line needs: only the group it names when its first word names one (building every group's
    /// options costs a short command such as <c>ddctl env rollback</c> a noticeable part of its start-up), else all of
    /// them, for the root's --help and for suggestions on a mistyped command.
    /// </summary>
    public static IEnumerable<Command> For(IReadOnlyList<string> args)
    {
        if (args.Count > 0 && Array.Find(Groups, g => g.Name == args[0]) is { Create: not null } group)
        {
            var command = group.Create();
            return command.Name == group.Name
                ? [command]
                : throw new InvalidOperationException($"command group '{group.Name}' builds a command named '{command.Name}'");
        }

        return All();
    }
}
