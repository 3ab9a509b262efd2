using System.CommandLine;

namespace DurableDelivery.Cli;

/// <summary>The top-level command groups of <c>ddctl</c>; each group lives in its own folder.</summary>
internal static class CommandGroups
{
    /// <summary>Every top-level command, in the order <c>--help</c> lists them.</summary>
    public static IEnumerable<Command> All()
    {
        yield return Demo.DemoCommand.Create();
        yield return Delivery.DeliverCommand.Create();
        yield return Delivery.DeliveryCommands.Create();
        yield return Delivery.EnvCommands.Create();
        yield return Workflow.WorkflowCommands.Create();
        yield return Worker.WorkerCommands.Create();
        yield return Local.LocalCommands.Create();
    }
}
