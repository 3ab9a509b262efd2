using Temporalio.Worker;
using DurableDelivery.Providers;
using DurableDelivery.Workflows.Delivery;
using DurableDelivery.Workflows.Environments;
using DurableDelivery.Workflows.Samples;

namespace DurableDelivery.Workflows;

/// <summary>
/// The one list of this project's workflows and activities. <c>ddctl worker run</c> hosts exactly what is registered
/// here, and <c>ddctl workflow</c> checks names and argument shapes against <see cref="WorkflowTypes"/> before it
/// sends anything to Temporal.
/// </summary>
public static class WorkflowRegistry
{
    /// <summary>Gets every workflow class of the project.</summary>
    /// <remarks>Add a new workflow here; <see cref="Register"/> and the CLI pick it up.</remarks>
    public static IReadOnlyList<Type> WorkflowTypes { get; } =
    [
        typeof(EnvironmentWorkflow),
        typeof(DeliveryWorkflow),
        typeof(ApprovalWorkflow),
    ];

    /// <summary>Gets every activity class of the project; a host with dependency injection (<c>ddctl worker run</c>) creates them per activity, their constructors take what they need (e.g. the <see cref="IInfraProvider"/>).</summary>
    public static IReadOnlyList<Type> ActivityTypes { get; } =
    [
        typeof(ApprovalActivities),
        typeof(DeliveryActivities),
    ];

    /// <summary>Adds every workflow and activity of the project to <paramref name="options"/>.</summary>
    /// <param name="options">The worker options to fill.</param>
    /// <param name="provider">The infrastructure provider the delivery activities call.</param>
    /// <returns>The same options, for chaining.</returns>
    public static TemporalWorkerOptions Register(TemporalWorkerOptions options, IInfraProvider provider)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(provider);
        foreach (var type in WorkflowTypes)
        {
            options.AddWorkflow(type);
        }

        options.AddAllActivities(new ApprovalActivities());
        options.AddAllActivities(new DeliveryActivities(provider));
        return options;
    }
}
