using System.CommandLine;

namespace DurableDelivery.Cli.Common;

/// <summary>A command that only groups subcommands (<c>ddctl workflow</c>, <c>ddctl worker</c>).</summary>
internal static class CommandGroup
{
    public static Command Create(string name, string description, params Command[] subcommands)
    {
        var group = new Command(name, description);
        foreach (var sub in subcommands)
        {
            group.Subcommands.Add(sub);
        }

        // Without an action, System.CommandLine prints a multi-line error plus help; ours names the choices in one line.
        group.Action = new CliAction((parse, _) => throw CliException.BadInput(
            $"'{CliAction.CommandPath(parse)}' needs a command: {string.Join(", ", subcommands.Select(s => s.Name))}; see '{CliAction.CommandPath(parse)} --help'."));
        return group;
    }
}
